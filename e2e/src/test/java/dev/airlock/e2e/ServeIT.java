package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.imports.serve.InboxServer;
import dev.airlock.imports.serve.ServeSettings;
import dev.airlock.testing.RegistryExtension;
import dev.airlock.testing.RegistryExtension.Registries;
import dev.airlock.testing.TestRegistry;
import dev.airlock.testing.TestSshd;
import dev.airlock.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code airlock-export push} into {@code airlock-import serve}: the exporter's SFTP operations
 * (stat of the directory and the {@code .part}, read-back for resume, pipelined writes, fsync,
 * posix-rename) are exactly what the inbox allows, and its quota reaches the exporter as a failed write.
 */
class ServeIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private Path key;
    private Path authorizedKeys;
    private InboxServer server;
    private final List<String> log = new ArrayList<>();

    @BeforeEach
    void keys() throws Exception {
        Assumptions.assumeTrue(Tools.has("ssh-keygen"), "serve test skipped: it needs OpenSSH's ssh-keygen (apt-get install openssh-client)");
        key = tmp.resolve("push_ed25519");
        TestSshd.keygen("ed25519", "", key);
        authorizedKeys = Files.writeString(tmp.resolve("authorized_keys"), Files.readString(tmp.resolve("push_ed25519.pub")));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private void serve(Path inbox, long maxUpload, long minFree) {
        server = InboxServer.start(new ServeSettings("127.0.0.1", 0, tmp.resolve("host_key"), authorizedKeys, inbox, maxUpload, minFree,
                Duration.ofSeconds(30), 8), line -> {
                    synchronized (log) {
                        log.add(line);
                    }
                });
    }

    private Airlock.Run push(Path file) throws Exception {
        Path kh = Files.writeString(tmp.resolve("known_hosts"), server.hostKey().knownHostsLine("127.0.0.1", server.port()) + "\n");
        return Airlock.export(List.of("push", file.toString(), "--to", "sftp://airlock@127.0.0.1:" + server.port() + "/~/",
                "--identity", key.toString(), "--known-hosts", kh.toString(), "--retries", "1", "--json"));
    }

    /**
     * Where serve keeps the push key's {@code .part} files: {@code .airlock-serve-parts/} and the key's
     * SHA-256 fingerprint as OpenSSH's {@code ssh-keygen -l} prints it, {@code +/} written {@code -_}.
     */
    private Path keyParts(Path inbox) throws Exception {
        Tools.Result r = Tools.run("ssh-keygen", "-l", "-E", "sha256", "-f", tmp.resolve("push_ed25519.pub").toString());
        assertEquals(0, r.exitCode(), r.toString());
        String fingerprint = r.stdout().trim().split(" ")[1];
        assertTrue(fingerprint.startsWith("SHA256:"), fingerprint);
        String id = fingerprint.substring("SHA256:".length()).replace('+', '-').replace('/', '_');
        return Files.createDirectories(inbox.resolve(".airlock-serve-parts").resolve(id));
    }

    private Path randomFile(String name, int size, long seed) throws Exception {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return Files.write(Files.createDirectories(tmp.resolve("out")).resolve(name), b);
    }

    private static List<String> names(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).flatMap(n -> n.equals(".airlock-serve-parts") ? partsIn(dir.resolve(n)) : Stream.of(n)).sorted().toList();
        }
    }

    /** The {@code .part} files serve keeps in its own directory, in a directory for each key, named as {@code DIR/NAME} (the directories are serve's). */
    private static Stream<String> partsIn(Path parts) {
        try (Stream<Path> s = Files.walk(parts)) {
            return s.filter(Files::isRegularFile).map(p -> parts.getFileName() + "/" + p.getFileName()).toList().stream();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void aPartThatDiffersFromTheBundle_isStartedOver_althoughServeRefusesRemovals() throws Exception {
        Path inbox = Files.createDirectories(tmp.resolve("inbox-stale"));
        serve(inbox, 1L << 30, 0);
        Path bundle = randomFile("stale-000001.airlock.tar", 2 << 20, 31);
        Files.write(keyParts(inbox).resolve("stale-000001.airlock.tar.part"), new byte[1 << 20]); // zeros: not the bundle's first MiB
        JsonNode f = JSON.readTree(push(bundle).ok().out()).path("files").get(0);
        assertEquals(0, f.path("resumedFrom").asLong());
        assertArrayEquals(Files.readAllBytes(bundle), Files.readAllBytes(inbox.resolve("stale-000001.airlock.tar")));
    }

    @Test
    void pushIntoServe_landsUnderTheFinalName_andResumesFromAPartLeftByAnEarlierPush() throws Exception {
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        serve(inbox, 0, 1);
        Path bundle = randomFile("ch-000001.airlock.tar", 3 << 20, 1);
        byte[] bytes = Files.readAllBytes(bundle);
        // What a push cut off after its first MiB left behind (serve keeps a push's .part in its key's directory of them).
        Files.write(keyParts(inbox).resolve("ch-000001.airlock.tar.part"), Arrays.copyOf(bytes, 1 << 20));

        Airlock.Run run = push(bundle).ok();
        JsonNode f = JSON.readTree(run.out()).path("files").get(0);
        assertEquals(1 << 20, f.path("resumedFrom").asLong(), run.toString());
        assertEquals((3 << 20) - (1 << 20), f.path("sent").asLong());
        assertEquals(List.of("ch-000001.airlock.tar"), names(inbox));
        assertArrayEquals(bytes, Files.readAllBytes(inbox.resolve("ch-000001.airlock.tar")));
        assertTrue(String.join("\n", log).contains("received ch-000001.airlock.tar (3145728 bytes) from key"), String.join("\n", log));

        Path next = randomFile("ch-000002.airlock.tar", 200_000, 2);
        f = JSON.readTree(push(next).ok().out()).path("files").get(0);
        assertEquals(0, f.path("resumedFrom").asLong());
        assertEquals(List.of("ch-000001.airlock.tar", "ch-000002.airlock.tar"), names(inbox));
    }

    /**
     * A bundle pushed under a name the inbox holds with other bytes (a stranger's file sent first, or
     * one waiting for import) never replaces it: it is kept beside it as NAME.conflict-SHA16, which
     * watch tries as that bundle, its signature deciding (red-team passes L and M: the push used to
     * exit 2 saying an admin must decide, for a bundle watch then imported, and a retry failed again).
     * Any other name's copy is not taken by watch: that push still fails, naming where it was kept.
     */
    @Test
    void aPushUnderATakenBundleName_isKeptBesideIt_andSucceeds_anotherNamesCopyExits2_neitherReplacesTheWaitingFile() throws Exception {
        Path inbox = Files.createDirectories(tmp.resolve("inbox-taken"));
        serve(inbox, 0, 1);
        byte[] waiting = Files.readAllBytes(randomFile("first.bin", 100_000, 41));
        Files.write(inbox.resolve("ch-000007.airlock.tar"), waiting); // delivered earlier, not yet imported
        Files.write(inbox.resolve("notes.txt"), waiting);
        Path other = randomFile("ch-000007.airlock.tar", 150_000, 42);

        push(other).ok();
        assertArrayEquals(waiting, Files.readAllBytes(inbox.resolve("ch-000007.airlock.tar")));
        List<String> kept = names(inbox).stream().filter(n -> n.startsWith("ch-000007.airlock.tar.conflict-")).toList();
        assertEquals(1, kept.size(), names(inbox).toString());
        assertArrayEquals(Files.readAllBytes(other), Files.readAllBytes(inbox.resolve(kept.get(0))));
        String logged = String.join("\n", log);
        assertTrue(logged.contains("as " + kept.get(0) + ": ch-000007.airlock.tar is already in the inbox with other content, never replaced;"
                + " watch tries it as ch-000007.airlock.tar, its signature deciding"), logged);
        push(other).ok(); // the same bytes again: already kept, still a success

        Airlock.Run notes = push(randomFile("notes.txt", 1000, 43));
        assertEquals(2, notes.code(), notes.toString()); // not 5: running it again cannot help, an admin must decide
        assertEquals(1, notes.err().strip().lines().count(), notes.err());
        assertTrue(notes.err().contains("never replaced") && notes.err().contains("notes.txt.conflict-")
                && notes.err().contains("which watch does not take: an admin decides"), notes.err());
        assertArrayEquals(waiting, Files.readAllBytes(inbox.resolve("notes.txt")));
    }

    @Test
    void aPushBeyondMaxUploadSize_failsWithExit5_andLeavesNothing() throws Exception {
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        serve(inbox, 1 << 20, 1);
        Airlock.Run run = push(randomFile("big.airlock.tar", 2 << 20, 3));
        assertEquals(5, run.code(), run.toString());
        assertTrue(run.err().contains("failed writing"), run.err());
        assertEquals(List.of(), names(inbox));
    }

    @Test
    void aWriteThatWouldLeaveLessThanMinFree_isRefused_onASmallTmpfs() throws Exception {
        Path inbox = tmp.resolve("inbox");
        try (Tmpfs fs = Tmpfs.mount(inbox, "8m")) {
            serve(inbox, 0, 6 << 20);
            Airlock.Run run = push(randomFile("big.airlock.tar", 3 << 20, 4));
            assertEquals(5, run.code(), run.toString());
            assertEquals(List.of(), names(inbox), "the partial upload is removed");
            assertTrue(String.join("\n", log).contains("--min-free"), String.join("\n", log));
            assertEquals(0, push(randomFile("small.airlock.tar", 1 << 20, 5)).code(), "a file that leaves enough free still goes in");
            assertEquals(List.of("small.airlock.tar"), names(inbox));
            server.close();
            server = null;
        }
    }

    // ------------------------------------------------------------------ the real launcher: sftp in, image out, SIGTERM

    @Test
    @ExtendWith(RegistryExtension.class)
    void aBundlePutWithOpenSshSftp_intoTheServeCommand_isImported_andSigtermStopsItWithExit0(Registries registries) throws Exception {
        Assumptions.assumeTrue(Tools.has("sftp"), "needs OpenSSH's sftp client (apt-get install openssh-client)");
        Path launcher = WatchIT.launcher();
        TestRegistry target = registries.plain();
        ChainFixture c = new ChainFixture(registries.plain(), target, tmp).seedThree();
        Path bundle = c.export();
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        List<String> cmd = new ArrayList<>(List.of(launcher.toString(), "serve", "--listen", "127.0.0.1:" + port, "--host-key",
                tmp.resolve("host_key").toString(), "--authorized-keys", authorizedKeys.toString(), "--inbox", inbox.toString(),
                "--min-free", "1M", "--trust", c.exporterKey[1].toString(), "--registry", target.host() + "/mirror", "--state",
                tmp.resolve("import-state").toString(), "--poll-interval", "500ms", "--settle", "200ms", "--progress=none"));
        cmd.addAll(target.cliFlags());
        Path out = tmp.resolve("serve.log");
        Process serve = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        try {
            String line = awaitLine(serve, out, "serve: known_hosts line for the sending side: ");
            Path kh = Files.writeString(tmp.resolve("known_hosts"), line.substring(line.indexOf("sending side: ") + "sending side: ".length()) + "\n");
            Path batch = Files.writeString(tmp.resolve("batch"), "put " + bundle + "\n");
            Tools.Result put = Tools.run(List.of("sftp", "-b", batch.toString(), "-P", String.valueOf(port), "-F", "/dev/null", "-o",
                    "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=" + kh, "-o", "IdentitiesOnly=yes",
                    "-o", "IdentityAgent=none", "-i", key.toString(), "airlock@127.0.0.1"), java.util.Map.of(), null);
            assertEquals(0, put.exitCode(), put.stderr());
            String imported = awaitLine(serve, out, "imported " + bundle.getFileName());
            assertTrue(imported.contains("channel daily, sequence 1"), imported);
            assertTrue(Files.exists(inbox.resolve("done").resolve(bundle.getFileName())), Files.readString(out));
            for (String ref : c.images) {
                assertEquals(Fixture.skopeoDigest(c.source, ref), c.targetDigest(ref), ref + " landed byte-identical");
            }

            serve.destroy(); // SIGTERM
            assertTrue(serve.waitFor(30, java.util.concurrent.TimeUnit.SECONDS), "serve must stop on SIGTERM\n" + Files.readString(out));
            assertEquals(0, serve.exitValue(), Files.readString(out));
            assertTrue(Files.readString(out).contains("serve: stopped"), Files.readString(out));
        } finally {
            serve.destroyForcibly();
        }
    }

    private static String awaitLine(Process p, Path out, String text) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            var hit = Files.readString(out).lines().filter(l -> l.contains(text)).findFirst();
            if (hit.isPresent()) {
                return hit.get();
            }
            if (!p.isAlive()) {
                throw new AssertionError("serve ended (exit " + p.exitValue() + ") before '" + text + "':\n" + Files.readString(out));
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no '" + text + "' within 60 s:\n" + Files.readString(out));
    }
}
