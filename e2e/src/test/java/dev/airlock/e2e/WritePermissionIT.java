package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Permission denied on a file a command writes (issue 17, M1) is one line, exit 1, naming the
 * directory and the user: {@code DIR: permission denied (PROGRAM runs as user 'U', which needs write
 * access to DIR)} — not an "internal error" with a stack trace hint, nor the temporary file's name.
 * Run as user nobody through setpriv: the tests run as root, whom no file mode stops.
 */
class WritePermissionIT {
    @TempDir
    Path tmp;

    private Path exportJar;
    /** A directory root owns, mode 0755: user nobody may read it but not write in it. */
    private Path locked;

    @BeforeEach
    void setUp() throws Exception {
        AsNobody.assumePossible();
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        exportJar = AsNobody.readableJar(tmp, "exporter", "airlock-export.jar");
        locked = Files.createDirectory(tmp.resolve("locked"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    }

    @Test
    void keygen_intoADirectoryTheUserMayNotWrite_saysPermissionDenied_andWhoNeedsWhat_exit1() throws Exception {
        Airlock.Run r = asNobody("keygen", "--uid", "a <a@airlock.test>", "--key", locked.resolve("k.asc").toString(),
                "--cert", tmp.resolve("k.pub.asc").toString());
        assertDenied(r, locked);
    }

    @Test
    void sign_besideAFileInADirectoryTheUserMayNotWrite_saysPermissionDenied_andWhoNeedsWhat_exit1() throws Exception {
        Path[] keys = Fixture.keygen(tmp, "exporter");
        Files.setPosixFilePermissions(keys[0], PosixFilePermissions.fromString("rw-r--r--"));
        Path file = Files.writeString(locked.resolve("app.tar"), "an archive\n");
        Airlock.Run r = asNobody("sign", file.toString(), "--key", keys[0].toString());
        assertDenied(r, locked);
    }

    @Test
    void bundle_outUnderADirectoryTheUserMayNotWrite_saysPermissionDenied_andWhoNeedsWhat_exit1() throws Exception {
        Path[] keys = Fixture.keygen(tmp, "exporter");
        Files.setPosixFilePermissions(keys[0], PosixFilePermissions.fromString("rw-r--r--"));
        Path archive = HandMadeArchive.write(tmp.resolve("app.tar"), "example.org/app:1", 7, 4096);
        Files.setPosixFilePermissions(archive, PosixFilePermissions.fromString("rw-r--r--"));
        Path state = Files.setPosixFilePermissions(Files.createDirectory(tmp.resolve("state")), PosixFilePermissions.fromString("rwxrwxrwx"));
        Airlock.Run r = asNobody("bundle", "--channel", "red", "--key", keys[0].toString(), "--out", locked.resolve("o2").toString(),
                "--state", state.toString(), "--from-docker-archive", archive.toString(), "--progress=none");
        assertDenied(r, locked);
    }

    @Test
    void bundle_fromAGzippedArchive_withATempDirTheUserMayNotWrite_saysPermissionDenied_andWhoNeedsWhat_exit1() throws Exception {
        Path[] keys = Fixture.keygen(tmp, "exporter");
        Files.setPosixFilePermissions(keys[0], PosixFilePermissions.fromString("rw-r--r--"));
        Path tar = HandMadeArchive.write(tmp.resolve("app.tar"), "example.org/app:1", 7, 4096);
        Path gz = tmp.resolve("app.tar.gz");
        try (java.io.OutputStream out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(gz))) {
            Files.copy(tar, out);
        }
        Files.setPosixFilePermissions(gz, PosixFilePermissions.fromString("rw-r--r--"));
        Path out = Files.setPosixFilePermissions(Files.createDirectory(tmp.resolve("out")), PosixFilePermissions.fromString("rwxrwxrwx"));
        Path state = Files.setPosixFilePermissions(Files.createDirectory(tmp.resolve("state")), PosixFilePermissions.fromString("rwxrwxrwx"));
        Airlock.Run r = asNobody(List.of("-Djava.io.tmpdir=" + locked), "bundle", "--channel", "red", "--key", keys[0].toString(),
                "--out", out.toString(), "--state", state.toString(), "--from-docker-archive", gz.toString(), "--progress=none");
        assertDenied(r, locked);
    }

    private static void assertDenied(Airlock.Run r, Path dir) {
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains(dir + ": permission denied (airlock-export runs as user 'nobody', which needs write access to " + dir + ")"),
                r.toString());
        assertEquals(1, r.err().lines().count(), "one line on stderr:\n" + r);
        assertFalse(r.err().contains("Exception") || r.err().contains(".partial"), "no exception, no temporary name:\n" + r);
    }

    /** {@code setpriv --reuid=nobody … java -jar airlock-export.jar ARGS}, killed after 60 s (exit -1). */
    private Airlock.Run asNobody(String... args) throws Exception {
        return asNobody(List.of(), args);
    }

    private Airlock.Run asNobody(List<String> jvmOptions, String... args) throws Exception {
        return AsNobody.run(exportJar, tmp, jvmOptions, Duration.ofSeconds(60), args);
    }
}
