package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.digest.Digest;
import dev.airlock.imports.cli.ImportMain;
import dev.airlock.testing.RegistryExtension;
import dev.airlock.testing.RegistryExtension.Registries;
import dev.airlock.testing.SshdExtension;
import dev.airlock.testing.TestImages;
import dev.airlock.testing.TestImages.Image;
import dev.airlock.testing.TestImages.Layer;
import dev.airlock.testing.TestRegistry;
import dev.airlock.testing.TestSshd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bundle … --push … --remote-import "airlock-import import {} …"}: one command on the
 * connected side pulls, signs, pushes to the bastion (OpenSSH's sshd on loopback) and runs the real
 * importer there, over the same SSH session, into the bastion's registry. The remote command's
 * output is relayed and its exit code becomes the exporter's.
 */
@ExtendWith({SshdExtension.class, RegistryExtension.class})
class RemoteImportIT {
    @TempDir
    Path tmp;

    @Test
    void bundlePushRemoteImport_landsTheImagesInTheBastionsRegistry_inOneCommand(TestSshd sshd, Registries registries) throws Exception {
        TestRegistry source = registries.plain();
        TestRegistry bastionRegistry = registries.plain();
        Image image = seed(source);
        Path[] keys = Fixture.keygen(tmp, "exporter");
        Path identity = sshd.authorizedKey("ed25519", "");

        Airlock.Run run = Airlock.export(bundleArgs(sshd, source, keys[0], identity,
                importCommand(keys[1], bastionRegistry, sshd.inbox().resolve("import-state")), "--json"));
        assertEquals(0, run.code(), run.toString());

        String target = bastionRegistry.host() + "/mirror/app/web:1";
        assertEquals(image.manifest().digest().toString(), Fixture.skopeoDigest(bastionRegistry, target), run.toString());
        Path local = tmp.resolve("out/remote-000001.airlock.tar");
        Path arrived = sshd.inbox().resolve("remote-000001.airlock.tar");
        assertEquals(Digest.sha256Of(Files.readAllBytes(local)), Digest.sha256Of(Files.readAllBytes(arrived)));
        // The importer's own report, relayed from the bastion: with --json on stderr, so that stdout is the JSON alone.
        assertTrue(run.err().contains("imported " + arrived), run.err());
        assertTrue(run.err().contains("-> " + bastionRegistry.host() + "/mirror/app/web:1@" + image.manifest().digest()), run.err());
        assertTrue(run.out().startsWith("{"), "stdout is one JSON document\n" + run.out());
        JsonNode json = new ObjectMapper().readTree(run.out());
        assertEquals(0, json.path("push").path("remoteExitCode").asInt(-1), run.out());
        // The approver's report goes first, the bundle last (its arrival completes the delivery).
        assertEquals(2, json.path("push").path("files").size(), json.toString());
        assertEquals(sshd.inbox().resolve("remote-000001.airlock.report.md").toString(),
                json.path("push").path("files").get(0).path("remote").asText());
        assertEquals(arrived.toString(), json.path("push").path("files").get(1).path("remote").asText());
        assertEquals(-1L, Files.mismatch(tmp.resolve("out/remote-000001.airlock.report.md"), sshd.inbox().resolve("remote-000001.airlock.report.md")));
    }

    @Test
    void bundleAsVolumesWithPush_sendsTheVolumesInOrder_thenTheListsSignature_theListLast(TestSshd sshd, Registries registries)
            throws Exception {
        TestRegistry source = registries.plain();
        Image image = TestImages.image(true, "amd64", null, Layer.random(33, 1_600_000), Layer.random(34, 900_000));
        TestImages.push(source.client(), source.host(), "app/web", "1", image);
        Path[] keys = Fixture.keygen(tmp, "exporter");
        Path identity = sshd.authorizedKey("ed25519", "");
        List<String> args = new ArrayList<>(List.of("bundle", "--channel", "vols", "--key", keys[0].toString(), "--out",
                tmp.resolve("out").toString(), "--state", tmp.resolve("xs").toString(), "--image", source.host() + "/app/web:1",
                "--max-volume-size", "1MiB", "--push", sshd.url(), "--identity", identity.toString(), "--known-hosts",
                sshd.knownHosts(tmp.resolve("kh")).toString(), "--json"));
        args.addAll(source.cliFlags());

        List<String> expected = List.of("vols-000001.airlock.tar.000", "vols-000001.airlock.tar.001", "vols-000001.airlock.tar.002",
                "vols-000001.airlock.volumes.json.asc", "vols-000001.airlock.report.md", "vols-000001.airlock.volumes.json");
        Airlock.Run run;
        List<String> appeared;
        try (SftpPushIT.InboxWatch watch = SftpPushIT.InboxWatch.start(sshd.inbox())) {
            run = Airlock.export(args);
            appeared = watch.finalNames(expected.size());
        }
        assertEquals(0, run.code(), run.toString());
        // What a watcher on the bastion (inotify) sees appear under final names: every volume in order, the list last.
        assertEquals(expected, appeared);
        try (var names = Files.list(sshd.inbox())) {
            assertEquals(expected.stream().sorted().toList(), names.map(p -> p.getFileName().toString()).sorted().toList(),
                    "the set and its list, no .part left");
        }
        for (String name : expected) {
            assertEquals(Digest.sha256Of(Files.readAllBytes(tmp.resolve("out").resolve(name))),
                    Digest.sha256Of(Files.readAllBytes(sshd.inbox().resolve(name))), name);
        }
        JsonNode json = new ObjectMapper().readTree(run.out());
        List<String> remotes = new ArrayList<>();
        json.path("push").path("files").forEach(f -> remotes.add(Path.of(f.path("remote").asText()).getFileName().toString()));
        assertEquals(expected, remotes, "the JSON lists the files in the order they were pushed");
    }

    @Test
    void aFailingRemoteImport_makesTheExporterExitWithTheRemoteCode_andItsMessageIsRelayed(TestSshd sshd, Registries registries)
            throws Exception {
        TestRegistry source = registries.plain();
        TestRegistry bastionRegistry = registries.plain();
        seed(source);
        Path[] keys = Fixture.keygen(tmp, "exporter");
        Path[] stranger = Fixture.keygen(tmp, "stranger");
        Path identity = sshd.authorizedKey("ed25519", "");

        // The importer on the bastion trusts another key: verification fails there, exit 3.
        Airlock.Run run = Airlock.export(bundleArgs(sshd, source, keys[0], identity,
                importCommand(stranger[1], bastionRegistry, sshd.inbox().resolve("import-state"))));
        assertEquals(3, run.code(), run.toString());
        assertTrue(run.err().contains("airlock-import:"), "the remote importer's message, relayed\n" + run.err());
        assertTrue(run.err().contains("exited with 3"), run.err());
        assertTrue(Files.exists(sshd.inbox().resolve("remote-000001.airlock.tar")), "the bundle itself arrived");
        assertEquals("{\"repositories\":[]}", Fixture.get(bastionRegistry, "/v2/_catalog").trim(), "nothing reached the registry");
    }

    @Test
    void aSilentRemoteCommandOutlastingTheIdleTimeout_runsToItsEnd_andItsCodeIsOurs(TestSshd sshd) throws Exception {
        Path identity = sshd.authorizedKey("ed25519", "");
        Path file = Files.writeString(tmp.resolve("it's here.tar"), "content");
        Airlock.Run run = Airlock.export(List.of("push", file.toString(), "--to", sshd.url(), "--identity", identity.toString(),
                "--known-hosts", sshd.knownHosts(tmp.resolve("kh")).toString(), "--idle-timeout", "1s",
                "--remote-import", "sleep 3; echo \"got $(cat {})\"; echo on-stderr >&2; exit 7"));
        assertEquals(7, run.code(), run.toString());
        assertTrue(run.out().contains("got content"), "{} is the remote path, quoted for the shell (it has a quote and a space)\n" + run);
        assertTrue(run.err().contains("on-stderr"), run.err());
    }

    @Test
    void aRemoteImportNotOnTheBastionsPath_exits127_sayingSo_andPushingAgainRetriesIt(TestSshd sshd) throws Exception {
        // sshd's default PATH for a non-interactive session (Debian's, compiled in): the importer must be in none of it.
        for (String dir : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".split(":")) {
            Assumptions.assumeFalse(Files.exists(Path.of(dir, "airlock-import")),
                    "airlock-import is installed in " + dir + ": this test needs a bastion where it is not on the PATH");
        }
        Path identity = sshd.authorizedKey("ed25519", "");
        Path file = Files.writeString(tmp.resolve("daily-000001.airlock.tar"), "bundle bytes");
        List<String> push = List.of("push", file.toString(), "--to", sshd.url(), "--identity", identity.toString(),
                "--known-hosts", sshd.knownHosts(tmp.resolve("kh")).toString());
        List<String> args = new ArrayList<>(push);
        args.addAll(List.of("--remote-import", "airlock-import import {} --trust /etc/airlock/mirror.pub.asc"));

        Airlock.Run run = Airlock.export(args);
        assertEquals(127, run.code(), run.toString());
        assertTrue(run.err().contains("not found"), "the bastion shell's own line, relayed\n" + run.err());
        Path arrived = sshd.inbox().resolve("daily-000001.airlock.tar");
        String line = run.err().lines().filter(l -> l.startsWith("airlock-export: ")).findFirst().orElseThrow();
        assertTrue(line.contains(" exited with 127: the bastion's shell did not find 'airlock-import' on the PATH of a"
                + " non-interactive SSH session (which reads no login profile); give its full path in --remote-import, e.g."
                + " /usr/local/bin/airlock-import (or /opt/airlock/bin/airlock-import, where install.sh puts it); " + arrived
                + " stays on the bastion: once the cause is fixed, run the import there again, or run airlock-export push again"
                + " with the same files and --remote-import (an import already applied does nothing)"), line);
        assertEquals("bundle bytes", Files.readString(arrived), "the bundle stays on the bastion");

        // The retry the message names: the same push, the command by its full path; the upload replaces the file with the same bytes.
        args = new ArrayList<>(push);
        args.addAll(List.of("--remote-import", "/usr/bin/test -f {}"));
        Airlock.Run again = Airlock.export(args);
        assertEquals(0, again.code(), again.toString());
        assertEquals("bundle bytes", Files.readString(arrived));
        try (var names = Files.list(sshd.inbox())) {
            assertEquals(List.of("daily-000001.airlock.tar"), names.map(p -> p.getFileName().toString()).toList(), "no .part left");
        }
    }

    @Test
    void aRemoteImportWithoutThePlaceholder_isRefusedBeforeAnythingIsExported(TestSshd sshd) throws Exception {
        Path identity = sshd.authorizedKey("ed25519", "");
        Path[] keys = Fixture.keygen(tmp, "exporter");
        Airlock.Run run = Airlock.export(List.of("bundle", "--channel", "remote", "--key", keys[0].toString(), "--out",
                tmp.resolve("out").toString(), "--state", tmp.resolve("xs").toString(), "--image", "127.0.0.1:1/none:1", "--push",
                sshd.url(), "--identity", identity.toString(), "--known-hosts", sshd.knownHosts(tmp.resolve("kh")).toString(),
                "--remote-import", "airlock-import import --trust x"));
        assertEquals(2, run.code(), run.toString());
        assertTrue(run.err().contains("{}"), run.err());
        assertTrue(!Files.exists(tmp.resolve("out")) || Files.list(tmp.resolve("out")).findAny().isEmpty(), "nothing exported");
    }

    private static Image seed(TestRegistry source) {
        Image image = TestImages.image(true, "amd64", null, Layer.random(31, 200_000), Layer.random(32, 90_000));
        TestImages.push(source.client(), source.host(), "app/web", "1", image);
        return image;
    }

    private List<String> bundleArgs(TestSshd sshd, TestRegistry source, Path key, Path identity, String remoteImport, String... extra)
            throws Exception {
        List<String> args = new ArrayList<>(List.of("bundle", "--channel", "remote", "--key", key.toString(), "--out",
                tmp.resolve("out").toString(), "--state", tmp.resolve("xs").toString(), "--image", source.host() + "/app/web:1",
                "--push", sshd.url(), "--identity", identity.toString(), "--known-hosts",
                sshd.knownHosts(tmp.resolve("kh")).toString(), "--remote-import", remoteImport));
        args.addAll(source.cliFlags());
        args.addAll(List.of(extra));
        return args;
    }

    /** The real importer, as the bastion would run it: its own JVM, started by sshd's shell for the login user. */
    private static String importCommand(Path cert, TestRegistry registry, Path state) {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), ImportMain.class.getName(), "import", "{}", "--trust", cert.toString(),
                "--registry", registry.host() + "/mirror", "--plain-http", registry.host(), "--state", state.toString(),
                "--progress=plain");
        return cmd.stream().map(a -> a.equals("{}") ? a : "'" + a.replace("'", "'\\''") + "'").collect(Collectors.joining(" "));
    }
}
