package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.imports.cli.ImportMain;
import dev.airlock.testing.RegistryExtension.Registries;
import dev.airlock.testing.RegistryExtension;
import dev.airlock.testing.TestImages;
import dev.airlock.testing.TestRegistry;
import dev.airlock.testing.Tools;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17, "one way to read an untrusted or operator file" and "strict parsing", through the
 * programs as a user runs them: a volume list or signature that is a FIFO or a link to
 * {@code /dev/zero} (defect 5), a 20 MiB config (7), a key given twice in a config, an
 * {@code --authfile} that is not JSON, a {@code login} user name with ':' (9), and a config or key
 * the service user may not read (12). Cases that hung or ran out of memory before run in their own
 * JVM (the launcher's -Xmx192m) under a deadline, so a regression fails instead of hanging the build.
 */
@ExtendWith(RegistryExtension.class)
class BoundedReadsIT {
    /** Far longer than any of these refusals takes; far shorter than the hang or minute-long parse they replace. */
    private static final Duration PROMPTLY = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    /** One program run in its own JVM; exit -1 when the deadline passed and it was killed. */
    private static Airlock.Run run(List<String> command, Duration deadline) throws Exception {
        return AsNobody.process(command, null, deadline);
    }

    /** The importer in its own JVM with the launcher's heap. */
    private static Airlock.Run importer(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx192m",
                "-cp", System.getProperty("java.class.path"), ImportMain.class.getName()));
        cmd.addAll(List.of(args));
        return run(cmd, PROMPTLY);
    }

    private Path fifo(Path p) throws Exception {
        Assumptions.assumeTrue(Tools.has("mkfifo"), "needs mkfifo (coreutils) to make a FIFO");
        Tools.run(List.of("mkfifo", p.toString()), Map.of(), null).ok();
        return p;
    }

    private static void assertOneLine(Airlock.Run r) {
        assertEquals(1, r.err().lines().count(), "one line on stderr:\n" + r);
        assertFalse(r.err().contains("Exception") || r.err().contains("\tat "), "no stack trace:\n" + r);
    }

    // --- defect 5: the volume list and its signature

    @Test
    void verify_aVolumeListThatIsAFifo_exits3Promptly_namingIt() throws Exception {
        Path[] keys = Fixture.keygen(tmp, "exporter");
        Path list = fifo(tmp.resolve("usb-000001.airlock.volumes.json"));
        Airlock.Run r = importer("verify", list.toString(), "--trust", keys[1].toString());
        assertEquals(3, r.code(), "a FIFO list must not block verify (exit -1: killed after " + PROMPTLY + ")\n" + r);
        assertTrue(r.err().contains(list + " is a FIFO (named pipe), not a regular file; a volume list must be one"), r.toString());
        assertOneLine(r);
    }

    @Test
    void verify_aSignatureBesideTheListThatIsAFifo_exits3Promptly_namingIt() throws Exception {
        Path[] keys = Fixture.keygen(tmp, "exporter");
        Path list = Files.writeString(tmp.resolve("usb-000001.airlock.volumes.json"), "{}\n");
        Path asc = fifo(tmp.resolve("usb-000001.airlock.volumes.json.asc"));
        Airlock.Run r = importer("verify", list.toString(), "--trust", keys[1].toString());
        assertEquals(3, r.code(), r.toString());
        assertTrue(r.err().contains(asc + " is a FIFO (named pipe), not a regular file; a signature file must be one"), r.toString());
        assertOneLine(r);
    }

    @Test
    void verify_aVolumeListLinkedToDevZero_isOneLineExit3_notOutOfMemory() throws Exception {
        Path[] keys = Fixture.keygen(tmp, "exporter");
        Path list = Files.createSymbolicLink(tmp.resolve("usb-000001.airlock.volumes.json"), Path.of("/dev/zero"));
        Airlock.Run r = importer("verify", list.toString(), "--trust", keys[1].toString());
        assertEquals(3, r.code(), r.toString());
        assertTrue(r.err().contains(list + " is a symbolic link to /dev/zero; a volume list is read only from a regular file, not through a link"),
                r.toString());
        assertOneLine(r);

        // The signature beside a real list, the same.
        Files.delete(list);
        Files.writeString(list, "{}\n");
        Path asc = Files.createSymbolicLink(tmp.resolve("usb-000001.airlock.volumes.json.asc"), Path.of("/dev/zero"));
        r = importer("verify", list.toString(), "--trust", keys[1].toString());
        assertEquals(3, r.code(), r.toString());
        assertTrue(r.err().contains(asc + " is a symbolic link to /dev/zero"), r.toString());
        assertOneLine(r);
    }

    // --- defect 7: a configuration file's size

    @Test
    void importConfig_of20MiB_isRefusedAtOnce_namingTheBound() throws Exception {
        Path config = tmp.resolve("import.yaml");
        try (RandomAccessFile f = new RandomAccessFile(config.toFile(), "rw")) {
            f.write("trust: [mirror.pub.asc]\n# ".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            byte[] comment = new byte[1 << 20];
            java.util.Arrays.fill(comment, (byte) 'x');
            for (int i = 0; i < 20; i++) {
                f.write(comment); // one 20 MiB comment line: its parse time grows with the square of its length
            }
            f.write('\n');
        }
        long start = System.nanoTime();
        Airlock.Run r = importer("verify", "--config", config.toString(), tmp.resolve("b.tar").toString());
        double seconds = (System.nanoTime() - start) / 1e9;
        assertEquals(2, r.code(), "exit -1: still parsing after " + PROMPTLY + "\n" + r);
        assertTrue(r.err().contains(config + ": 20.0 MiB is larger than the 1 MiB a configuration file may be"), r.toString());
        assertOneLine(r);
        assertTrue(seconds < 15, "refused before parsing, took " + seconds + " s");
    }

    // --- defect 9: strict parsing

    @Test
    void aKeyGivenTwice_inEitherProgramsConfig_isRefusedNamingTheKeyAndItsLine() throws Exception {
        Path imports = Files.writeString(tmp.resolve("import.yaml"), """
                # the offline side
                trust: [mirror.pub.asc]
                registry: registry.local:5000/mirror
                threshold: 1
                registry: registry.evil:5000/mirror
                """);
        Airlock.Run r = Airlock.importer(List.of("verify", "--config", imports.toString(), tmp.resolve("b.tar").toString()));
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("config " + imports + ": the key 'registry' is given twice in one mapping (again on line 5); keep one"),
                r.toString());
        assertOneLine(r);

        Path exports = Files.writeString(tmp.resolve("export.yaml"), """
                channel: daily
                images:
                  - registry.local:5000/app:1
                gitlabSecure:
                  analyzers: [semgrep]
                  analyzers: [gemnasium]
                """);
        r = Airlock.export(List.of("plan", "--config", exports.toString()));
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("config " + exports + ": the key 'analyzers' is given twice in one mapping (again on line 6); keep one"),
                r.toString());
        assertOneLine(r);
    }

    @Test
    void anAuthfileThatIsNotJson_isExit2NamingIt_evenWhenNoRegistryAsksForALogin(Registries registries) throws Exception {
        TestRegistry source = registries.plain();
        TestImages.push(source.client(), source.host(), "app/web", "1", TestImages.image(true, "amd64", null,
                TestImages.Layer.random(1701, 1_000)));
        Path authfile = Files.writeString(tmp.resolve("auth.json"), "auths:\n  registry.local: {auth: eDp5}\n"); // YAML, not JSON
        List<String> args = new ArrayList<>(List.of("plan", "--image", source.host() + "/app/web:1", "--channel", "daily",
                "--state", tmp.resolve("state").toString(), "--authfile", authfile.toString()));
        args.addAll(source.cliFlags());
        Airlock.Run r = Airlock.export(args);
        assertEquals(2, r.code(), "a named auth file that is not one must not be ignored\n" + r);
        assertTrue(r.err().contains("auth file " + authfile + " is not JSON: "), r.toString());
        assertOneLine(r);
    }

    @Test
    void login_aUserNameWithAColon_isExit2_andStoresNothing(Registries registries) throws Exception {
        TestRegistry target = registries.plain();
        Path authfile = tmp.resolve("auth.json");
        List<String> args = new ArrayList<>(List.of("login", target.host(), "--username", "mirror:admin", "--password", "secret",
                "--authfile", authfile.toString()));
        args.addAll(target.cliFlags());
        Airlock.Run r = Airlock.importer(args);
        assertEquals(2, r.code(), "stored as base64(mirror:admin:secret), it would read back as user 'mirror'\n" + r);
        assertTrue(r.err().contains("user name 'mirror:admin' contains ':', which an auth file cannot hold"), r.toString());
        assertEquals(1, r.err().lines().filter(l -> !l.contains("warning: a password given with --password")).count(), r.toString());
        assertFalse(Files.exists(authfile), "nothing stored");
    }

    // --- defect 12: permission denied, as the service user meets it

    /** A copy of a program's jar that user nobody can read (the build's own may sit where nobody can enter). */
    private Path readableJar(String module, String name) throws Exception {
        return AsNobody.readableJar(tmp, module, name);
    }

    /** {@code setpriv --reuid=nobody … java -jar JAR ARGS}: the tests run as root, whom no file mode stops. */
    private Airlock.Run asNobody(Path jar, String... args) throws Exception {
        return AsNobody.run(jar, null, List.of(), PROMPTLY, args);
    }

    @Test
    void aConfigOrKeyTheServiceUserMayNotRead_saysPermissionDenied_andWhoNeedsWhat_exit1() throws Exception {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path importJar = readableJar("importer", "airlock-import.jar");
        Path exportJar = readableJar("exporter", "airlock-export.jar");

        Path config = Files.writeString(tmp.resolve("import.yaml"), "trust: [mirror.pub.asc]\n");
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-------"));
        Airlock.Run r = asNobody(importJar, "verify", "--config", config.toString(), tmp.resolve("b.tar").toString());
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains(config + ": permission denied (airlock-import runs as user 'nobody', which needs read access)"),
                r.toString());
        assertOneLine(r);

        Path[] keys = Fixture.keygen(tmp, "exporter");
        Files.setPosixFilePermissions(keys[0], PosixFilePermissions.fromString("rw-------"));
        Path report = Files.writeString(tmp.resolve("report.md"), "# report\n");
        r = asNobody(exportJar, "sign", report.toString(), "--key", keys[0].toString());
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains(keys[0] + ": permission denied (airlock-export runs as user 'nobody', which needs read access)"),
                r.toString());
        assertOneLine(r);

        // A directory on the way that the user may not enter is the one named.
        Path etc = Files.createDirectory(tmp.resolve("etc-airlock"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path hidden = Files.writeString(etc.resolve("export-daily.yaml"), "channel: daily\n");
        Files.setPosixFilePermissions(hidden, PosixFilePermissions.fromString("rw-r--r--"));
        r = asNobody(exportJar, "plan", "--config", hidden.toString());
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains(etc + ": permission denied (airlock-export runs as user 'nobody', which needs search (x) access to this"
                + " directory to reach export-daily.yaml)"), r.toString());
        assertOneLine(r);
    }

    @Test
    void aStateDirectoryTheServiceUserMayNotWrite_saysPermissionDenied_onWhatItCouldNotMake_exit1() throws Exception {
        // The bastion recipe's --remote-import without --state: the service user's home is root's, 0755.
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path exportJar = readableJar("exporter", "airlock-export.jar");
        Path[] keys = Fixture.keygen(tmp, "exporter");
        Files.setPosixFilePermissions(keys[0], PosixFilePermissions.fromString("rw-r--r--"));
        Path archive = HandMadeArchive.write(tmp.resolve("app.tar"), "example.org/app:1", 7, 4096);
        Files.setPosixFilePermissions(archive, PosixFilePermissions.fromString("rw-r--r--"));
        Path out = Files.setPosixFilePermissions(Files.createDirectory(tmp.resolve("out")), PosixFilePermissions.fromString("rwxrwxrwx"));
        Path home = Files.createDirectory(tmp.resolve("home-root"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Path state = home.resolve(".local/state/airlock");
        Airlock.Run r = asNobody(exportJar, "bundle", "--channel", "red", "--key", keys[0].toString(), "--out", out.toString(),
                "--state", state.toString(), "--from-docker-archive", archive.toString(), "--progress=none");
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("permission denied on " + home.resolve(".local"))
                && r.err().contains("airlock-export runs as user 'nobody', which needs write access there"), r.toString());
        assertOneLine(r);
    }
}
