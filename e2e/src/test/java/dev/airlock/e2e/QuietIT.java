package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.testing.RegistryExtension;
import dev.airlock.testing.RegistryExtension.Registries;
import dev.airlock.testing.SshdExtension;
import dev.airlock.testing.TestRegistry;
import dev.airlock.testing.TestSshd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code -q/--quiet} on every command that has it (those with the output options: bundle, push;
 * verify, list, diff, load, import): a successful run prints nothing on stdout, exit 0. (watch and
 * serve print their event lines on stdout with -q too, as the README says; they are not here.)
 */
@ExtendWith({RegistryExtension.class, SshdExtension.class})
class QuietIT {
    @TempDir
    Path tmp;

    private Path[] keys;
    private Path archive;
    private Path first;
    private Path second;

    @BeforeEach
    void bundles() throws Exception {
        keys = Fixture.keygen(tmp, "exporter");
        archive = HandMadeArchive.write(tmp.resolve("in/app.tar"), "mirror.example/app:1", 1, 100_000);
        first = HandMadeArchive.bundle(tmp, keys[0], "quiet", archive, List.of());
        Path other = HandMadeArchive.write(tmp.resolve("in/other.tar"), "mirror.example/other:1", 2, 50_000);
        second = HandMadeArchive.bundle(tmp, keys[0], "quiet", other, List.of());
    }

    private static void assertQuiet(Airlock.Run r, String what) {
        assertEquals(0, r.code(), what + ": " + r);
        assertEquals("", r.out(), what + " -q printed on stdout:\n" + r.out());
    }

    @ParameterizedTest(name = "{0} -q")
    @ValueSource(strings = {"bundle", "verify", "list", "diff", "load"})
    void quiet_successfulRun_printsNothingOnStdout(String command) {
        String trust = keys[1].toString();
        List<String> args = new ArrayList<>(switch (command) {
            case "bundle" -> List.of("bundle", "--channel", "again", "--key", keys[0].toString(), "--out", tmp.resolve("out2").toString(),
                    "--state", tmp.resolve("export-state").toString(), "--from-docker-archive", archive.toString());
            case "verify" -> List.of("verify", first.toString(), "--trust", trust);
            case "list" -> List.of("list", first.toString(), "--trust", trust);
            case "diff" -> List.of("diff", first.toString(), second.toString(), "--trust", trust);
            case "load" -> List.of("load", first.toString(), "--trust", trust, "--docker-archive", tmp.resolve("loaded.tar").toString());
            default -> throw new IllegalArgumentException(command);
        });
        args.add("-q");
        Airlock.Run r = command.equals("bundle") ? Airlock.export(args) : Airlock.importer(args);
        assertQuiet(r, command);
        if (command.equals("load")) {
            assertTrue(Files.isRegularFile(tmp.resolve("loaded.tar")), "the archive was written");
        }
    }

    @Test
    void quiet_import_printsNothingOnStdout_andTheImageLands(Registries registries) throws Exception {
        TestRegistry target = registries.plain();
        List<String> args = List.of("import", first.toString(), "--trust", keys[1].toString(), "--registry", target.host() + "/mirror",
                "--state", tmp.resolve("import-state").toString(), "--insecure-registry", target.host(), "-q");
        assertQuiet(Airlock.importer(args), "import");
        assertTrue(Fixture.get(target, "/v2/mirror/app/tags/list").contains("\"1\""), "the image was imported");
        assertQuiet(Airlock.importer(args), "import of a bundle already applied");
    }

    @Test
    void quiet_push_printsNothingOnStdout_theRemoteCommandsOutputGoesToStderr(TestSshd sshd) throws Exception {
        Path key = sshd.authorizedKey("ed25519", "");
        Airlock.Run r = Airlock.export(List.of("push", first.toString(), "--to", sshd.url(), "--identity", key.toString(),
                "--known-hosts", sshd.knownHosts(tmp.resolve("kh")).toString(), "--remote-import", "echo remote-report {}", "-q"));
        assertQuiet(r, "push");
        assertTrue(r.err().contains("remote-report"), "the remote command's output is not lost: " + r.err());
        assertTrue(Files.isRegularFile(sshd.inbox().resolve(first.getFileName())), "the bundle was pushed");
    }
}
