package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.digest.Digest;
import dev.airlock.export.cli.ExportMain;
import dev.airlock.testing.SshdExtension;
import dev.airlock.testing.TcpProxy;
import dev.airlock.testing.TestSshd;
import dev.airlock.testing.Tools;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code airlock-export push} to OpenSSH's real sshd on loopback (the bastion): byte-identical
 * arrival under the final name only, order, resume after a kill and after a dropped connection,
 * strict host-key checking (unknown and changed keys refused before login, hashed and
 * {@code [host]:port} entries understood), identity types and passphrases, and the failure kinds.
 */
@ExtendWith(SshdExtension.class)
class SftpPushIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration RUN_LIMIT = Duration.ofSeconds(120);

    @TempDir
    Path tmp;

    // ------------------------------------------------------------------ arrival, order, names

    @Test
    void filesArriveByteIdentical_inTheOrderGiven_listFileLast_andNoPartIsLeft(TestSshd sshd) throws Exception {
        Path key = sshd.authorizedKey("ed25519", "");
        Path v0 = randomFile("set.tar.000", 3 << 20, 1);
        Path v1 = randomFile("set.tar.001", 1 << 20, 2);
        Path list = randomFile("set.volumes.json", 700, 3);

        Airlock.Run run;
        List<String> appeared;
        try (InboxWatch watch = InboxWatch.start(sshd.inbox())) {
            run = Airlock.export(push(sshd, key, sshd.knownHosts(tmp.resolve("kh")), List.of(v0, v1, list), "--json")).ok();
            appeared = watch.finalNames(3);
        }

        assertEquals(List.of("set.tar.000", "set.tar.001", "set.volumes.json"), names(sshd.inbox()), "only the final names, no .part");
        for (Path f : List.of(v0, v1, list)) {
            assertEquals(sha256(f), sha256(sshd.inbox().resolve(f.getFileName().toString())), f.getFileName().toString());
        }
        JsonVocabulary.fromReadme().check("push", run.out());
        JsonNode r = JSON.readTree(run.out());
        assertEquals(v0.toString(), r.at("/files/0/path").asText());
        assertTrue(r.path("to").asText().startsWith("sftp://"), r.toString());
        for (int i = 0; i < 3; i++) {
            JsonNode f = r.path("files").get(i);
            assertEquals(sshd.inbox() + "/" + List.of("set.tar.000", "set.tar.001", "set.volumes.json").get(i), f.path("remote").asText());
            assertEquals(0, f.path("resumedFrom").asLong());
            assertEquals(f.path("size").asLong(), f.path("sent").asLong());
        }
        // What a watcher on the bastion (inotify) sees appear under final names, in order: the list file last.
        assertEquals(List.of("set.tar.000", "set.tar.001", "set.volumes.json"), appeared);
    }

    @Test
    void theBastionWritesTheUploadToDiskAsItArrives_earlyFsyncsOnASecondChannel_andTheFileArrivesWhole(TestSshd sshd) throws Exception {
        Path key = sshd.authorizedKey("ed25519", "");
        Path bundle = randomFile("early-000001.airlock.tar", 12 << 20, 22);
        // One early fsync per 2 MiB sent (64 MiB by default); the trace counts those the server acknowledged.
        Airlock.Run run = Airlock.subprocess(true, List.of("-Dairlock.push.earlyFsyncBytes=" + (2 << 20), "-Dairlock.trace=true"),
                push(sshd, key, sshd.knownHosts(tmp.resolve("kh")), List.of(bundle)));
        assertEquals(0, run.code(), run.toString());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("push: (\\d+) early fsyncs").matcher(run.err());
        assertTrue(m.find(), "the early fsyncs ran to the end of the upload\n" + run.err());
        assertTrue(Integer.parseInt(m.group(1)) >= 2, "several acknowledged early fsyncs\n" + run.err());
        assertEquals(sha256(bundle), sha256(sshd.inbox().resolve("early-000001.airlock.tar")));
        assertEquals(List.of("early-000001.airlock.tar"), names(sshd.inbox()), "no .part left");
    }

    /**
     * The real launcher, as an admin runs it: scripts/lib/launch.sh gives push its own JIT settings
     * (push-jit.json, read by the JVM, which announces "2 compiler directives added" on stdout unless
     * told not to). With --json, stdout must still be the one JSON object, on the first run after a
     * build (which records push's start-up archive, with the JVM's output off) and on the next (which
     * maps the archive and prints whatever the JVM prints).
     */
    @Test
    void theLaunchersPush_withItsJitSettings_keepsStdoutOneJsonObject(TestSshd sshd) throws Exception {
        Path launcher = WatchIT.launcherPath().resolveSibling("airlock-export");
        Assumptions.assumeTrue(Files.isRegularFile(launcher.getParent().getParent().resolve("exporter/target/airlock-export.jar")),
                "needs exporter/target/airlock-export.jar: run through the reactor (mvn verify), which packages it first");
        Assumptions.assumeTrue(Files.isRegularFile(launcher.resolveSibling("lib/push-jit.json")), "scripts/lib/push-jit.json is missing");
        Path key = sshd.authorizedKey("ed25519", "");
        Path kh = sshd.knownHosts(tmp.resolve("kh"));
        for (int round = 1; round <= 2; round++) {
            Path bundle = randomFile("launched-00000" + round + ".airlock.tar", 3 << 20, 40 + round);
            List<String> cmd = new ArrayList<>(List.of(launcher.toString()));
            cmd.addAll(push(sshd, key, kh, List.of(bundle), "--json"));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD);
            pb.environment().remove("AIRLOCK_JAVA_OPTS"); // the launcher's own settings, not a caller's
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertTrue(p.waitFor(RUN_LIMIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS), "push " + round + " hung");
            assertEquals(0, p.exitValue(), "push " + round + ": " + out);
            assertTrue(out.startsWith("{") && out.strip().endsWith("}"), "push " + round + ": stdout is the JSON object and nothing else:\n" + out);
            assertEquals("airlock-push/v1", JSON.readTree(out).path("schema").asText(), out);
            assertEquals(sha256(bundle), sha256(sshd.inbox().resolve(bundle.getFileName().toString())));
            if (round == 1) {
                awaitPushArchive(launcher.getParent().getParent().resolve("exporter/target"));
            }
        }
    }

    /** The archive the launcher builds in the background after push's first run (an AOT cache on JDK 25, AppCDS before). */
    private static void awaitPushArchive(Path target) throws Exception {
        long deadline = System.nanoTime() + RUN_LIMIT.toNanos();
        while (System.nanoTime() < deadline) {
            try (Stream<Path> s = Files.list(target)) {
                if (s.anyMatch(p -> p.getFileName().toString().matches("airlock-export-push-java\\d+\\.(aot|jsa)"))) {
                    return;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the launcher built no start-up archive for push in " + target + " within " + RUN_LIMIT.toSeconds() + " s");
    }

    // ------------------------------------------------------------------ resume

    @Test
    void pushKilledAtHalf_rerunResumesFromThePart_andSendsOnlyTheRest(TestSshd sshd) throws Exception {
        long size = 32L << 20;
        Path key = sshd.authorizedKey("ed25519", "");
        Path bundle = randomFile("ch-000001.airlock.tar", size, 7);
        Path remote = sshd.inbox().resolve("ch-000001.airlock.tar");
        Path part = sshd.inbox().resolve("ch-000001.airlock.tar.part");

        // First run: the link stalls after half the file's bytes went up; once sshd wrote what it got, kill -9.
        try (TcpProxy link = TcpProxy.to(sshd.host(), sshd.port())) {
            link.stallAfter(size / 2);
            Child first = Child.start(push(proxied(sshd, link), key, sshd.knownHosts(tmp.resolve("kh1"), link.port()), List.of(bundle)),
                    Map.of(), tmp.resolve("push-1"));
            long deadline = System.nanoTime() + RUN_LIMIT.toNanos();
            while (link.bytesUp() < size / 2 && first.process.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            waitUntilStable(part);
            first.process.destroyForcibly();
            Airlock.Run killed = first.await(Duration.ofSeconds(10));
            assertEquals(137, killed.code(), "the push must still have been running when killed\n" + killed);
        }
        assertFalse(Files.exists(remote), "nothing under the final name after the kill");
        long have = Files.size(part);
        assertTrue(have > size * 4 / 10 && have <= size / 2, "the .part holds about half: " + have);

        // Second run, through a counting link: it resumes at the .part's end and sends only the rest.
        try (TcpProxy link = TcpProxy.to(sshd.host(), sshd.port())) {
            Airlock.Run second = Airlock.export(push(proxied(sshd, link), key, sshd.knownHosts(tmp.resolve("kh2"), link.port()),
                    List.of(bundle), "--json")).ok();
            JsonNode f = JSON.readTree(second.out()).path("files").get(0);
            assertEquals(have, f.path("resumedFrom").asLong(), second.toString());
            assertEquals(size - have, f.path("sent").asLong());
            long rest = size - have;
            // On the wire: the rest plus SSH and SFTP framing (well under 2 %) and the handshake.
            assertTrue(link.bytesUp() >= rest && link.bytesUp() < rest + rest / 50 + 64 * 1024,
                    "bytes sent up the link " + link.bytesUp() + ", the rest of the file is " + rest);
        }
        assertEquals(sha256(bundle), sha256(remote));
        assertEquals(List.of("ch-000001.airlock.tar"), names(sshd.inbox()));
    }

    @Test
    void connectionDroppedAtHalf_reconnectsAndResumesInTheSameRun(TestSshd sshd) throws Exception {
        long size = 24L << 20;
        Path key = sshd.authorizedKey("ed25519", "");
        Path bundle = randomFile("ch-000002.airlock.tar", size, 8);
        try (TcpProxy link = TcpProxy.to(sshd.host(), sshd.port())) {
            link.dropOnceAfter(size / 2);
            Airlock.Run run = Airlock.export(push(proxied(sshd, link), key, sshd.knownHosts(tmp.resolve("kh"), link.port()),
                    List.of(bundle), "--json")).ok();
            assertEquals(1, link.drops());
            assertEquals(2, link.connections(), "one reconnection");
            JsonNode f = JSON.readTree(run.out()).path("files").get(0);
            assertEquals(1, f.path("reconnects").asInt(), run.toString());
            assertEquals(0, f.path("resumedFrom").asLong(), "the run itself started from nothing");
            // Everything once, plus what was in flight when the link dropped: not the whole file twice.
            assertTrue(f.path("sent").asLong() >= size && f.path("sent").asLong() < size + size / 4, run.toString());
            assertTrue(link.bytesUp() < size + size / 4, "bytes up the link: " + link.bytesUp());
            assertTrue(run.err().contains("reconnecting"), run.err());
        }
        assertEquals(sha256(bundle), sha256(sshd.inbox().resolve("ch-000002.airlock.tar")));
        assertEquals(List.of("ch-000002.airlock.tar"), names(sshd.inbox()));
    }

    @Test
    void linkThatHangsAtHalf_isDroppedAfterTheIdleTimeout_andThePushResumesOnANewConnection(TestSshd sshd) throws Exception {
        long size = 16L << 20;
        Path key = sshd.authorizedKey("ed25519", "");
        Path bundle = randomFile("ch-000005.airlock.tar", size, 19);
        try (TcpProxy link = TcpProxy.to(sshd.host(), sshd.port())) {
            link.stallAfter(size / 2);
            long t0 = System.nanoTime();
            Airlock.Run run = Airlock.export(push(proxied(sshd, link), key, sshd.knownHosts(tmp.resolve("kh"), link.port()),
                    List.of(bundle), "--json", "--idle-timeout", "2s")).ok();
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);
            assertTrue(seconds < 20, "a hung link costs about the idle timeout, not forever: " + seconds + " s");
            assertEquals(2, link.connections(), "one new connection after the hang");
            JsonNode f = JSON.readTree(run.out()).path("files").get(0);
            assertEquals(1, f.path("reconnects").asInt(), run.toString());
            assertTrue(link.bytesUp() < size + size / 4, "resumed, not sent twice: " + link.bytesUp());
        }
        assertEquals(sha256(bundle), sha256(sshd.inbox().resolve("ch-000005.airlock.tar")));
    }

    @Test
    void partThatDiffersFromTheLocalPrefix_isStartedOver(TestSshd sshd) throws Exception {
        long size = 4L << 20;
        Path key = sshd.authorizedKey("ed25519", "");
        Path bundle = randomFile("ch-000003.airlock.tar", size, 9);
        Path part = sshd.inbox().resolve("ch-000003.airlock.tar.part");
        // A .part as long as half the file, equal to it but for one byte in its middle.
        byte[] half = java.util.Arrays.copyOf(Files.readAllBytes(bundle), (int) (size / 2));
        half[half.length / 2] ^= 1;
        Files.write(part, half);

        Airlock.Run run = Airlock.export(push(sshd, key, sshd.knownHosts(tmp.resolve("kh")), List.of(bundle), "--json")).ok();
        JsonNode f = JSON.readTree(run.out()).path("files").get(0);
        assertEquals(0, f.path("resumedFrom").asLong(), "a .part that differs from the local prefix is not resumed");
        assertEquals(size, f.path("sent").asLong());
        assertEquals(sha256(bundle), sha256(sshd.inbox().resolve("ch-000003.airlock.tar")));
        assertEquals(List.of("ch-000003.airlock.tar"), names(sshd.inbox()));
    }

    /**
     * Two pushes of the same file at once: the second checked the first's .part and was about to
     * resume it when the first renamed it into place. The resume used to create a new .part and
     * write only the second half into it (the first half holes), then rename that over the complete
     * file, exit 0. Now a resume never creates the .part: the push starts over and the file is whole.
     */
    @Test
    void partRenamedAwayBetweenItsCheckAndTheResume_isStartedOver_neverAHolyFileUnderTheFinalName(TestSshd sshd) throws Exception {
        long size = 2L << 20;
        Path key = sshd.authorizedKey("ed25519", "");
        Path bundle = randomFile("ch-000006.airlock.tar", size, 11);
        Files.write(sshd.inbox().resolve("ch-000006.airlock.tar.part"), java.util.Arrays.copyOf(Files.readAllBytes(bundle), (int) (size / 2)));
        Files.copy(bundle, tmp.resolve("the-other-push"));

        Airlock.Run run = Airlock.subprocess(true, List.of("-Dairlock.test.beforeResume=" + OtherPushFinishes.class.getName(),
                "-Dairlock.test.otherPushFile=" + tmp.resolve("the-other-push")),
                push(sshd, key, sshd.knownHosts(tmp.resolve("kh")), List.of(bundle), "--json"));
        assertEquals(0, run.code(), run.toString());
        assertEquals(sha256(bundle), sha256(sshd.inbox().resolve("ch-000006.airlock.tar")), "the final name holds the whole file\n" + run);
        assertEquals(List.of("ch-000006.airlock.tar"), names(sshd.inbox()));
    }

    @Test
    void partCreatedByAnotherPushAsThisOneStarts_isResumedFromItsBytes_notTruncated(TestSshd sshd) throws Exception {
        long size = 2L << 20;
        Path key = sshd.authorizedKey("ed25519", "");
        Path bundle = randomFile("ch-000007.airlock.tar", size, 12);
        Files.write(tmp.resolve("the-other-push"), java.util.Arrays.copyOf(Files.readAllBytes(bundle), (int) (size / 2)));

        // No .part when this push looks; the other push creates it (with its first half) just before this one opens it.
        Airlock.Run run = Airlock.subprocess(true, List.of("-Dairlock.test.beforeCreate=" + OtherPushStarts.class.getName(),
                "-Dairlock.test.otherPushFile=" + tmp.resolve("the-other-push")),
                push(sshd, key, sshd.knownHosts(tmp.resolve("kh")), List.of(bundle), "--json"));
        assertEquals(0, run.code(), run.toString());
        assertTrue(run.err().contains("another push of the same file"), run.err());
        JsonNode f = JSON.readTree(run.out()).path("files").get(0);
        assertEquals(size - size / 2, f.path("sent").asLong(), "the other push's half was kept, not truncated and sent again\n" + run);
        assertEquals(sha256(bundle), sha256(sshd.inbox().resolve("ch-000007.airlock.tar")));
        assertEquals(List.of("ch-000007.airlock.tar"), names(sshd.inbox()));
    }

    /** The other push beginning: the .part created with what it has sent so far. */
    public static final class OtherPushStarts implements java.util.function.Consumer<String> {
        @Override
        public void accept(String part) {
            try {
                Files.copy(Path.of(System.getProperty("airlock.test.otherPushFile")), Path.of(part));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    /** The other push completing: the checked .part, now whole, renamed into place (sshd is local, so its path is ours). */
    public static final class OtherPushFinishes implements java.util.function.Consumer<String> {
        @Override
        public void accept(String part) {
            try {
                Path p = Path.of(part);
                Files.copy(Path.of(System.getProperty("airlock.test.otherPushFile")), p, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                Files.move(p, p.resolveSibling(p.getFileName().toString().replaceFirst("\\.part$", "")),
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    @Test
    void anExistingFileUnderTheFinalName_isReplacedWhole(TestSshd sshd) throws Exception {
        Path key = sshd.authorizedKey("ed25519", "");
        Path bundle = randomFile("ch-000004.airlock.tar", 1 << 20, 10);
        Files.writeString(sshd.inbox().resolve("ch-000004.airlock.tar"), "an older file of the same name");
        Airlock.export(push(sshd, key, sshd.knownHosts(tmp.resolve("kh")), List.of(bundle))).ok();
        assertEquals(sha256(bundle), sha256(sshd.inbox().resolve("ch-000004.airlock.tar")));
    }

    // ------------------------------------------------------------------ host keys

    @Test
    void unknownHostKey_isRefusedWithItsFingerprint_exit5_beforeLogin_andNothingIsCreated(TestSshd sshd) throws Exception {
        Path key = sshd.authorizedKey("ed25519", "");
        Path bundle = randomFile("ch-000001.airlock.tar", 1 << 20, 11);
        Path empty = Files.writeString(tmp.resolve("known_hosts"), "# other hosts only\n[127.0.0.1]:1 " + sshd.hostPublicKey() + "\n");
        for (Path knownHosts : List.of(empty, tmp.resolve("missing_known_hosts"))) {
            Airlock.Run run = Airlock.export(push(sshd, key, knownHosts, List.of(bundle)));
            assertEquals(5, run.code(), run.toString());
            assertTrue(run.err().contains(sshd.hostKeyFingerprint()), "the fingerprint ssh-keygen -lf shows\n" + run.err());
            assertTrue(run.err().contains("unknown"), run.err());
            assertEquals(1, run.err().lines().count(), "one line\n" + run.err());
        }
        assertEquals(List.of(), names(sshd.inbox()), "nothing created on the bastion");
        assertFalse(sshd.log().contains("Accepted publickey"), "never logged in\n" + sshd.log());
        assertFalse(Files.exists(tmp.resolve("missing_known_hosts")), "known_hosts is never written");
        assertEquals("# other hosts only\n[127.0.0.1]:1 " + sshd.hostPublicKey() + "\n", Files.readString(empty));
    }

    @Test
    void changedHostKey_isRefusedWithBothFingerprints_exit5_beforeLogin(TestSshd sshd) throws Exception {
        Path key = sshd.authorizedKey("ed25519", "");
        Path bundle = randomFile("ch-000001.airlock.tar", 1 << 20, 12);
        Path knownHosts = sshd.knownHostsWithOtherKey(tmp.resolve("known_hosts"));
        String listed = Tools.run("ssh-keygen", "-lf", knownHosts.toString()).ok().stdout().split(" ")[1];

        Airlock.Run run = Airlock.export(push(sshd, key, knownHosts, List.of(bundle)));
        assertEquals(5, run.code(), run.toString());
        assertTrue(run.err().contains("CHANGED"), run.err());
        assertTrue(run.err().contains(sshd.hostKeyFingerprint()), "the offered key's fingerprint\n" + run.err());
        assertTrue(run.err().contains(listed), "the listed key's fingerprint\n" + run.err());
        assertEquals(List.of(), names(sshd.inbox()));
        assertFalse(sshd.log().contains("Accepted publickey"), sshd.log());
    }

    @Test
    void hostKeyOfAnotherTypeThanListed_isRefusedNamingBothTypes_notAsChanged_exit5_beforeLogin(TestSshd sshd) throws Exception {
        Path key = sshd.authorizedKey("ed25519", "");
        Path bundle = randomFile("ch-000001.airlock.tar", 1 << 20, 21);
        Path ecdsa = tmp.resolve("ecdsa_host_key");
        TestSshd.keygen("ecdsa", "", ecdsa);
        Path knownHosts = Files.writeString(tmp.resolve("known_hosts"), "[" + sshd.host() + "]:" + sshd.port() + " "
                + Files.readString(ecdsa.resolveSibling("ecdsa_host_key.pub")).trim() + "\n");

        Airlock.Run run = Airlock.export(push(sshd, key, knownHosts, List.of(bundle)));
        assertEquals(5, run.code(), run.toString());
        assertTrue(run.err().contains("offers an ssh-ed25519 key (" + sshd.hostKeyFingerprint() + ")"), run.err());
        assertTrue(run.err().contains("lists only ecdsa-sha2-nistp256 for it"), run.err());
        assertFalse(run.err().contains("CHANGED"), "a key of another type is not a changed key\n" + run.err());
        assertEquals(1, run.err().lines().count(), "one line\n" + run.err());
        assertEquals(List.of(), names(sshd.inbox()));
        assertFalse(sshd.log().contains("Accepted publickey"), sshd.log());
    }

    @Test
    void revokedHostKey_isRefused_exit5_evenWhenAlsoListedAsKnown(TestSshd sshd) throws Exception {
        Path key = sshd.authorizedKey("ed25519", "");
        Path bundle = randomFile("ch-000001.airlock.tar", 1024, 20);
        Path kh = sshd.knownHosts(tmp.resolve("known_hosts"));
        Files.writeString(kh, "@revoked [" + sshd.host() + "]:" + sshd.port() + " " + sshd.hostPublicKey() + "\n" + Files.readString(kh));
        Airlock.Run run = Airlock.export(push(sshd, key, kh, List.of(bundle)));
        assertEquals(5, run.code(), run.toString());
        assertTrue(run.err().contains("@revoked") && run.err().contains(sshd.hostKeyFingerprint()), run.err());
        assertEquals(List.of(), names(sshd.inbox()));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"[host]:port", "hashed", "hashed among others"})
    void knownHostsEntries_plainBracketedOrHashed_areAccepted(String form, TestSshd sshd) throws Exception {
        Path key = sshd.authorizedKey("ed25519", "");
        Path bundle = randomFile("ch-000001.airlock.tar", 1 << 20, 13);
        Path kh = tmp.resolve("known_hosts");
        switch (form) {
            case "[host]:port" -> sshd.knownHosts(kh);
            case "hashed" -> sshd.hashedKnownHosts(kh);
            default -> {
                // The host's line between others, one of them for the same address on another port, then hashed.
                String other = Files.readString(sshd.knownHostsWithOtherKey(tmp.resolve("other")));
                Files.writeString(kh, other.replace("]:" + sshd.port(), "]:22") + "[" + sshd.host() + "]:" + sshd.port() + " "
                        + sshd.hostPublicKey() + "\nexample.invalid " + sshd.hostPublicKey() + "\n");
                Tools.run("ssh-keygen", "-q", "-H", "-f", kh.toString()).ok();
            }
        }
        Airlock.export(push(sshd, key, kh, List.of(bundle))).ok();
        assertEquals(sha256(bundle), sha256(sshd.inbox().resolve("ch-000001.airlock.tar")));
    }

    // ------------------------------------------------------------------ identities and logins

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"ed25519", "ecdsa", "rsa"})
    void identityKeyTypes_ed25519_ecdsa_rsa_logIn(String type, TestSshd sshd) throws Exception {
        Path key = sshd.authorizedKey(type, "");
        Path bundle = randomFile("ch-000001.airlock.tar", 256 << 10, 14);
        Airlock.export(push(sshd, key, sshd.knownHosts(tmp.resolve("kh")), List.of(bundle))).ok();
        assertEquals(sha256(bundle), sha256(sshd.inbox().resolve("ch-000001.airlock.tar")));
        String fp = Tools.run("ssh-keygen", "-lf", key + ".pub").ok().stdout().split(" ")[1];
        assertTrue(sshd.log().contains("Accepted publickey for " + sshd.user()) && sshd.log().contains(fp), sshd.log());
    }

    @Test
    void encryptedIdentity_passphraseFromFileOrEnvironment_missingOrWrongIsExit2(TestSshd sshd) throws Exception {
        Path key = sshd.authorizedKey("ed25519", "correct horse");
        Path bundle = randomFile("ch-000001.airlock.tar", 256 << 10, 15);
        Path kh = sshd.knownHosts(tmp.resolve("kh"));
        Path good = Files.writeString(tmp.resolve("pass"), "correct horse\n");
        Path bad = Files.writeString(tmp.resolve("wrong"), "wrong\n");

        long connectionsBefore = sshd.log().lines().filter(l -> l.startsWith("Connection from")).count();
        Airlock.Run missing = Airlock.export(push(sshd, key, kh, List.of(bundle)));
        assertEquals(2, missing.code(), missing.toString());
        assertTrue(missing.err().contains("AIRLOCK_SSH_PASSPHRASE"), missing.err());
        Airlock.Run wrong = Airlock.export(push(sshd, key, kh, List.of(bundle), "--identity-passphrase-file", bad.toString()));
        assertEquals(2, wrong.code(), wrong.toString());
        assertTrue(wrong.err().contains("wrong passphrase"), wrong.err());
        assertEquals(List.of(), names(sshd.inbox()));
        assertEquals(connectionsBefore, sshd.log().lines().filter(l -> l.startsWith("Connection from")).count(),
                "a key that cannot be read fails before connecting\n" + sshd.log());

        Airlock.export(push(sshd, key, kh, List.of(bundle), "--identity-passphrase-file", good.toString())).ok();
        Files.delete(sshd.inbox().resolve("ch-000001.airlock.tar"));
        Airlock.Run env = Child.start(push(sshd, key, kh, List.of(bundle)), Map.of("AIRLOCK_SSH_PASSPHRASE", "correct horse"),
                tmp.resolve("env")).await(RUN_LIMIT);
        assertEquals(0, env.code(), env.toString());
        assertEquals(sha256(bundle), sha256(sshd.inbox().resolve("ch-000001.airlock.tar")));
    }

    @Test
    void keyNotAuthorized_isAuthRefused_exit2(TestSshd sshd) throws Exception {
        Path stranger = tmp.resolve("stranger");
        TestSshd.keygen("ed25519", "", stranger);
        Path bundle = randomFile("ch-000001.airlock.tar", 1024, 16);
        Airlock.Run run = Airlock.export(push(sshd, stranger, sshd.knownHosts(tmp.resolve("kh")), List.of(bundle)));
        assertEquals(2, run.code(), run.toString());
        assertTrue(run.err().contains("refused the login of " + sshd.user()), run.err());
        assertEquals(List.of(), names(sshd.inbox()));
    }

    // ------------------------------------------------------------------ other failures

    @Test
    void missingRemoteDirectory_exit2_unreadableLocalFile_exit1_badUrl_exit2(TestSshd sshd) throws Exception {
        Path key = sshd.authorizedKey("ed25519", "");
        Path kh = sshd.knownHosts(tmp.resolve("kh"));
        Path bundle = randomFile("ch-000001.airlock.tar", 1024, 17);

        Airlock.Run noDir = Airlock.export(push(sshd.url() + "/nowhere", key, kh, List.of(bundle)));
        assertEquals(2, noDir.code(), noDir.toString());
        assertTrue(noDir.err().contains("does not exist"), noDir.err());

        Airlock.Run noFile = Airlock.export(push(sshd, key, kh, List.of(tmp.resolve("no-such.airlock.tar"))));
        assertEquals(1, noFile.code(), noFile.toString());
        assertTrue(noFile.err().contains("no-such.airlock.tar"), noFile.err());

        Airlock.Run badUrl = Airlock.export(push("sftp://127.0.0.1/inbox", key, kh, List.of(bundle)));
        assertEquals(2, badUrl.code(), badUrl.toString());
        assertEquals(List.of(), names(sshd.inbox()));
    }

    @Test
    void nothingListens_exit5_afterTheRetries(TestSshd sshd) throws Exception {
        Path key = sshd.authorizedKey("ed25519", "");
        Path bundle = randomFile("ch-000001.airlock.tar", 1024, 18);
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        long t0 = System.nanoTime();
        Airlock.Run run = Airlock.export(push("sftp://" + sshd.user() + "@127.0.0.1:" + closedPort + "/tmp", key,
                sshd.knownHosts(tmp.resolve("kh")), List.of(bundle), "--retries", "3"));
        assertEquals(5, run.code(), run.toString());
        assertTrue(run.err().contains("3 tries"), run.err());
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(20), "backoff stays short");
    }

    // ------------------------------------------------------------------ helpers

    private List<String> push(TestSshd sshd, Path identity, Path knownHosts, List<Path> files, String... extra) {
        return push(sshd.url(), identity, knownHosts, files, extra);
    }

    private List<String> push(String url, Path identity, Path knownHosts, List<Path> files, String... extra) {
        List<String> args = new ArrayList<>(List.of("push"));
        files.forEach(f -> args.add(f.toString()));
        args.addAll(List.of("--to", url, "--identity", identity.toString(), "--known-hosts", knownHosts.toString()));
        args.addAll(List.of(extra));
        return args;
    }

    /** The sshd's URL as reached through {@code link}. */
    private static String proxied(TestSshd sshd, TcpProxy link) {
        return sshd.url().replace(":" + sshd.port() + "/", ":" + link.port() + "/");
    }

    /** Waits until a growing file has not changed size for 300 ms. */
    private static void waitUntilStable(Path f) throws Exception {
        long last = -2;
        long since = System.nanoTime();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            long now = Files.exists(f) ? Files.size(f) : -1;
            if (now != last) {
                last = now;
                since = System.nanoTime();
            } else if (now > 0 && System.nanoTime() - since > TimeUnit.MILLISECONDS.toNanos(300)) {
                return;
            }
            Thread.sleep(20);
        }
        fail(f + " did not settle (size " + last + ")");
    }

    /** airlock-export in its own JVM, with extra environment. */
    private static final class Child {
        final Process process;
        final Path out;
        final Path err;

        private Child(Process process, Path out, Path err) {
            this.process = process;
            this.out = out;
            this.err = err;
        }

        static Child start(List<String> args, Map<String, String> env, Path logs) throws IOException {
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), ExportMain.class.getName()));
            cmd.addAll(args);
            cmd.add("--progress=plain");
            Path out = logs.resolveSibling(logs.getFileName() + ".out");
            Path err = logs.resolveSibling(logs.getFileName() + ".err");
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().putAll(env);
            return new Child(pb.start(), out, err);
        }

        Airlock.Run await(Duration limit) throws Exception {
            if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                fail("hung: airlock-export did not end within " + limit.toSeconds() + " s\nstderr: " + Files.readString(err));
            }
            return new Airlock.Run(process.exitValue(), Files.readString(out), Files.readString(err));
        }
    }

    private Path randomFile(String name, long size, long seed) throws IOException {
        Path f = tmp.resolve("local").resolve(name);
        Files.createDirectories(f.getParent());
        Random r = new Random(seed);
        byte[] buf = new byte[1 << 16];
        try (OutputStream out = Files.newOutputStream(f)) {
            for (long left = size; left > 0; left -= buf.length) {
                r.nextBytes(buf);
                out.write(buf, 0, (int) Math.min(buf.length, left));
            }
        }
        return f;
    }

    private static String sha256(Path f) throws Exception {
        return Digest.sha256Of(Files.readAllBytes(f)).toString();
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** Final names (not {@code .part}) appearing in a directory, in the order inotify reports them. */
    static final class InboxWatch implements AutoCloseable {
        private final WatchService watch;

        private InboxWatch(WatchService watch) {
            this.watch = watch;
        }

        static InboxWatch start(Path dir) throws IOException {
            WatchService w = dir.getFileSystem().newWatchService();
            dir.register(w, StandardWatchEventKinds.ENTRY_CREATE);
            return new InboxWatch(w);
        }

        List<String> finalNames(int expected) throws Exception {
            List<String> names = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (names.size() < expected && System.nanoTime() < deadline) {
                WatchKey k = watch.poll(100, TimeUnit.MILLISECONDS);
                if (k == null) {
                    continue;
                }
                for (WatchEvent<?> e : k.pollEvents()) {
                    String n = String.valueOf(e.context());
                    if (!n.endsWith(".part")) {
                        names.add(n);
                    }
                }
                k.reset();
            }
            return names;
        }

        @Override
        public void close() throws IOException {
            watch.close();
        }
    }
}
