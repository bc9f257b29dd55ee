package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.airlock.digest.Digest;
import dev.airlock.testing.RegistryExtension;
import dev.airlock.testing.RegistryExtension.Registries;
import dev.airlock.testing.TestImages;
import dev.airlock.testing.TestImages.Image;
import dev.airlock.testing.TestImages.Layer;
import dev.airlock.testing.TestRegistry;
import dev.airlock.testing.Tools;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code scripts/diode-send} and {@code scripts/diode-receive} with real udpcast: over loopback with
 * every packet to the sender's port dropped, and over a veth pair into a network namespace whose
 * every outgoing packet is dropped (a one-way link: nothing can reach the sender side), with 1 %
 * loss injected; damaged and short copies, names that could leave the inbox; the arrivals imported
 * by the real importer into a real registry. Rules, namespaces and links are removed in finally.
 */
@ExtendWith(RegistryExtension.class)
class DiodeIT {
    private static final String CHANNEL = "diode";
    private static final String NAME = CHANNEL + "-000001.airlock";
    private static final Path REPO = DiodeRig.repo();
    private static final Random RANDOM = new Random();

    @TempDir
    Path tmp;

    private TestRegistry source;
    private Image image;
    private Path[] keys;

    // ------------------------------------------------------------------ over loopback

    @Test
    void aBundleSentOverLo_arrivesByteIdentical_andIsImported_withEveryPacketToTheSenderDropped(Registries registries) throws Exception {
        assumeUdpcast();
        assumeRootWith("nft");
        Path bundle = bundle(registries, null).get(0);
        int port = DiodeRig.freePortPair();
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        String table = "airlock_diode_" + Integer.toHexString(RANDOM.nextInt(1 << 24));
        // The return direction on lo: anything addressed to the sender's port (udpcast's sender
        // listens on P+1, the receiver on P) is dropped and counted.
        nft(null, "add table inet " + table);
        try {
            nft(null, "add chain inet " + table + " out { type filter hook output priority 0 ; policy accept ; }");
            nft(null, "add rule inet " + table + " out oifname lo udp dport " + (port + 1) + " counter drop");

            Receiver rx = Receiver.start(List.of(), "lo", port, inbox, 2);
            Tools.Result tx = send("lo", port, List.of("--copies", "2"), bundle);
            String out = rx.await();

            assertEquals(0, tx.exitCode(), tx.stderr());
            assertTrue(tx.stdout().contains("2 sessions sent (1 files x 2 copies)"), tx.stdout());
            assertEquals(List.of("ok " + NAME + ".tar", "duplicate " + NAME + ".tar"), verdicts(out), out);
            assertEquals(sha256(bundle), sha256(inbox.resolve(NAME + ".tar")));
            assertEquals(List.of(NAME + ".tar"), names(inbox), "only the final name: no dot-name left behind");
            long dropped = counter(null, table);
            assertTrue(dropped <= 2, "the receiver sent at most udpcast's one end-of-session datagram per session, no acknowledgement: "
                    + dropped + " packets");
        } finally {
            nft(null, "delete table inet " + table);
        }
        TestRegistry target = registries.plain();
        importFrom(inbox.resolve(NAME + ".tar"), target).ok();
        assertEquals(image.manifest().digest().toString(), Fixture.skopeoDigest(target, target.host() + "/app/web:1"));
    }

    @Test
    void theApproversReport_goesJustBeforeTheBundle_andArrivesMatchingItsSignedDigest(Registries registries) throws Exception {
        assumeUdpcast();
        Path bundle = bundle(registries, null, true).get(0);
        Path report = bundle.resolveSibling(NAME + ".report.md");
        assertTrue(Files.isRegularFile(report), "the exporter writes the report by default");
        int port = DiodeRig.freePortPair();
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        Receiver rx = Receiver.start(List.of(), "lo", port, inbox, 2);
        Tools.Result tx = send("lo", port, List.of("--copies", "1"), bundle);
        String out = rx.await();
        assertEquals(0, tx.exitCode(), tx.stderr());
        assertTrue(tx.stdout().contains("2 sessions sent (2 files x 1 copies)"), tx.stdout());
        assertEquals(List.of("ok " + NAME + ".report.md", "ok " + NAME + ".tar"), verdicts(out), "the report first, the bundle last: " + out);
        assertEquals(sha256(report), sha256(inbox.resolve(NAME + ".report.md")));
        Airlock.Run verified = Airlock.importer(List.of("verify", inbox.resolve(NAME + ".tar").toString(), "--trust", keys[1].toString())).ok();
        assertTrue(verified.out().contains("report   " + NAME + ".report.md (matches)"), verified.out());
    }

    @Test
    void aDamagedCopy_isRefusedByTheImporter_andTheLaterGoodCopyIsImported(Registries registries) throws Exception {
        assumeUdpcast();
        Path bundle = bundle(registries, null).get(0);
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        int port = DiodeRig.freePortPair();
        // The diode flips a bit in a layer: same size, another sha256 than the end line announces.
        Path damaged = Files.copy(bundle, tmp.resolve("damaged.tar"));
        Fixture.flipByte(damaged, "blobs/sha256/" + image.manifest().digest().hex(), 20);
        Receiver rx = Receiver.start(List.of(), "lo", port, inbox, 1);
        rawSession(port, header(Files.size(bundle), NAME + ".tar"), damaged, "SHA256 " + sha256(bundle).hex() + "\n");
        String out = rx.await();
        assertTrue(out.contains("damaged " + NAME + ".tar (" + Files.size(bundle) + " bytes, sha256:" + sha256(damaged).hex()
                + ", announced sha256:" + sha256(bundle).hex() + "), handed to the importer"), out);
        assertEquals(sha256(damaged), sha256(inbox.resolve(NAME + ".tar")));

        TestRegistry target = registries.plain();
        Airlock.Run refused = importFrom(inbox.resolve(NAME + ".tar"), target);
        assertEquals(3, refused.code(), refused.toString());
        assertEquals("{\"repositories\":[]}", Fixture.get(target, "/v2/_catalog").trim(), "nothing of the damaged copy in the registry");

        // The good copy takes the name of the damaged one still waiting in the inbox, which is moved aside (kept, never
        // replaced); a damaged copy after it changes nothing.
        rx = Receiver.start(List.of(), "lo", port, inbox, 2);
        Tools.Result tx = send("lo", port, List.of("--copies", "1"), bundle);
        assertEquals(0, tx.exitCode(), tx.stderr());
        rawSession(port, header(Files.size(bundle), NAME + ".tar"), damaged, "SHA256 " + sha256(bundle).hex() + "\n");
        out = rx.await();
        assertEquals(List.of("ok " + NAME + ".tar", "damaged " + NAME + ".tar"), verdicts(out), out);
        assertTrue(out.contains("dropped: an intact copy was delivered"), out);
        String aside = NAME + ".tar.damaged-" + sha256(damaged).hex().substring(0, 16);
        assertTrue(out.contains("moved aside " + NAME + ".tar (the damaged copy handed on before, sha256:" + sha256(damaged).hex()
                + ") to " + aside), out);
        assertEquals(List.of(NAME + ".tar", aside), names(inbox));
        assertEquals(sha256(damaged), sha256(inbox.resolve(aside)));
        assertEquals(sha256(bundle), sha256(inbox.resolve(NAME + ".tar")));
        importFrom(inbox.resolve(NAME + ".tar"), target).ok();
        assertEquals(image.manifest().digest().toString(), Fixture.skopeoDigest(target, target.host() + "/app/web:1"));
    }

    @Test
    void diodeReceive_aSecondIntactSessionWithOtherBytesUnderAWaitingName_keepsBoth_andSaysSo() throws Exception {
        assumeUdpcast();
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        Path first = Files.write(Files.createDirectories(tmp.resolve("first")).resolve(NAME + ".tar"), randomBytes(300_000));
        Path other = Files.write(Files.createDirectories(tmp.resolve("other")).resolve(NAME + ".tar"), randomBytes(200_000));
        int port = DiodeRig.freePortPair();
        Receiver rx = Receiver.start(List.of(), "lo", port, inbox, 3);
        for (Path f : List.of(first, other, other)) {
            Tools.Result tx = send("lo", port, List.of("--copies", "1"), f);
            assertEquals(0, tx.exitCode(), tx.stderr());
        }
        String out = rx.await();
        String kept = NAME + ".tar.conflict-" + sha256(other).hex().substring(0, 16);
        assertEquals(List.of("ok " + NAME + ".tar", "conflict " + NAME + ".tar", "duplicate " + NAME + ".tar"), verdicts(out), out);
        assertTrue(out.contains("holds other bytes and is never replaced; kept beside it as " + kept), out);
        assertEquals(List.of(NAME + ".tar", kept), names(inbox), "both kept, nothing else left");
        assertEquals(sha256(first), sha256(inbox.resolve(NAME + ".tar")), "the waiting bundle is never replaced");
        assertEquals(sha256(other), sha256(inbox.resolve(kept)));
    }

    @Test
    void diodeReceive_withoutHardLinks_deliversByExclusiveCreate_andStillNeverReplaces() throws Exception {
        assumeUdpcast();
        // Stands in for vfat, whose link(2) answers EPERM: no file system here can be made to refuse hard links on demand
        // (vfat cannot be mounted in this container). Only `ln` is replaced; everything else is the real thing.
        Path shims = Files.createDirectories(tmp.resolve("no-hard-links"));
        Path ln = Files.writeString(shims.resolve("ln"),
                "#!/bin/sh\necho \"ln: failed to create hard link '$4' => '$3': Operation not permitted\" >&2\nexit 1\n");
        ln.toFile().setExecutable(true);
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        Path first = Files.write(Files.createDirectories(tmp.resolve("first")).resolve(NAME + ".tar"), randomBytes(300_000));
        Path other = Files.write(Files.createDirectories(tmp.resolve("other")).resolve(NAME + ".tar"), randomBytes(200_000));
        int port = DiodeRig.freePortPair();
        Receiver rx = Receiver.start(List.of("env", "PATH=" + shims + ":" + System.getenv("PATH")), "lo", port, inbox, 3);
        for (Path f : List.of(first, other, first)) {
            Tools.Result tx = send("lo", port, List.of("--copies", "1"), f);
            assertEquals(0, tx.exitCode(), tx.stderr());
        }
        String out = rx.await();
        String kept = NAME + ".tar.conflict-" + sha256(other).hex().substring(0, 16);
        assertEquals(List.of("ok " + NAME + ".tar", "conflict " + NAME + ".tar", "duplicate " + NAME + ".tar"), verdicts(out), out);
        assertEquals(List.of(NAME + ".tar", kept), names(inbox), "both kept, no dot-name left");
        assertEquals(sha256(first), sha256(inbox.resolve(NAME + ".tar")));
        assertEquals(sha256(other), sha256(inbox.resolve(kept)));
    }

    @Test
    void diodeReceive_stoppedWithSigterm_idleOrMidSession_stopsItsUdpReceiver_andLeavesNoDotFile() throws Exception {
        assumeUdpcast();
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        int port = DiodeRig.freePortPair();
        try {
            stopWithSigterm(inbox, port);
        } finally {
            receiversOn(port).forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy)); // an orphan, on failure
        }
    }

    private void stopWithSigterm(Path inbox, int port) throws Exception {
        // Idle: udp-receiver waits for a session.
        Receiver idle = Receiver.start(List.of(), "lo", port, inbox, 5);
        awaitReceiverOn(port);
        idle.stopWithSigterm();
        assertEquals(List.of(), receiversOn(port), "no udp-receiver left on port " + port);

        // Mid-session: a large file sent slowly, stopped while its dot-name grows.
        Receiver busy = Receiver.start(List.of(), "lo", port, inbox, 5);
        awaitReceiverOn(port);
        Path big = Files.write(tmp.resolve("big.tar"), randomBytes(40 << 20));
        Process sender = startRawSession(port, header(Files.size(big), "big.tar"), big, "SHA256 " + sha256(big).hex() + "\n", "20m");
        try {
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (names(inbox).stream().noneMatch(n -> n.startsWith(".diode." + port + ".big.tar.")) && System.nanoTime() < until) {
                Thread.sleep(50);
            }
            assertTrue(names(inbox).stream().anyMatch(n -> n.startsWith(".diode." + port + ".big.tar.")), "a session under way: " + names(inbox));
            busy.stopWithSigterm();
            assertEquals(List.of(), receiversOn(port), "no udp-receiver left on port " + port);
            assertEquals(List.of(), names(inbox), "no half-received dot-name, no log left");
        } finally {
            sender.destroyForcibly(); // udp-sender --async would go on sending into nothing for 15 s
            assertTrue(sender.waitFor(10, TimeUnit.SECONDS), "udp-sender stopped");
        }

        // The port is free: a freshly started receiver gets the next session.
        Path small = Files.write(Files.createDirectories(tmp.resolve("small")).resolve("small.tar"), randomBytes(100_000));
        Receiver fresh = Receiver.start(List.of(), "lo", port, inbox, 1);
        Tools.Result tx = send("lo", port, List.of("--copies", "1"), small);
        assertEquals(0, tx.exitCode(), tx.stderr());
        assertEquals(List.of("ok small.tar"), verdicts(fresh.await()));
        assertEquals(sha256(small), sha256(inbox.resolve("small.tar")));
    }

    @Test
    void twoReceiversIntoOneInbox_onTwoPorts_theSecondStartingMidSession_leavesTheFirstsArrivalIntact() throws Exception {
        assumeUdpcast();
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        int first = DiodeRig.freePortPair();
        int second = DiodeRig.freePortPair();
        assumeTrue(first != second, "two port pairs");
        Receiver one = Receiver.start(List.of(), "lo", first, inbox, 1);
        awaitReceiverOn(first);
        Path big = Files.write(tmp.resolve("big.tar"), randomBytes(10 << 20));
        Process sender = startRawSession(first, header(Files.size(big), "big.tar"), big, "SHA256 " + sha256(big).hex() + "\n", "20m");
        try {
            awaitDotName(inbox, "big.tar");
            // A second diode on another port, started while the first one's session is under way.
            Receiver two = Receiver.start(List.of(), "lo", second, inbox, 1);
            awaitReceiverOn(second);
            Path small = Files.write(Files.createDirectories(tmp.resolve("small")).resolve("small.tar"), randomBytes(100_000));
            Tools.Result tx = send("lo", second, List.of("--copies", "1"), small);
            assertEquals(0, tx.exitCode(), tx.stderr());
            assertEquals(List.of("ok small.tar"), verdicts(two.await()));
            String out = one.await();
            assertEquals(List.of("ok big.tar"), verdicts(out), out);
            assertEquals(sha256(big), sha256(inbox.resolve("big.tar")));
            assertEquals(sha256(small), sha256(inbox.resolve("small.tar")));
            assertEquals(List.of("big.tar", "small.tar"), names(inbox), "no dot-name or log left");
        } finally {
            sender.destroyForcibly();
            assertTrue(sender.waitFor(10, TimeUnit.SECONDS), "udp-sender stopped");
        }
    }

    @Test
    void aSecondReceiverOnTheSamePortAndInbox_exits1NamingTheLock_andTheFirstGoesOn() throws Exception {
        assumeUdpcast();
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        int port = DiodeRig.freePortPair();
        Receiver one = Receiver.start(List.of(), "lo", port, inbox, 1);
        awaitReceiverOn(port);
        Tools.Result again = run(List.of(script("diode-receive"), "--interface", "lo", "--port", String.valueOf(port), "--sessions", "1",
                "--idle-exit", "2", inbox.toString()));
        assertEquals(1, again.exitCode(), again.stderr() + again.stdout());
        assertEquals("diode-receive: another diode-receive is running on port " + port + " into " + inbox.toRealPath() + " (it holds "
                + inbox.toRealPath().resolve(".diode-receive." + port + ".lock") + ")", again.stderr().strip());
        assertEquals(1, receiversOn(port).size(), "one udp-receiver on port " + port);
        Path small = Files.write(Files.createDirectories(tmp.resolve("small")).resolve("small.tar"), randomBytes(100_000));
        Tools.Result tx = send("lo", port, List.of("--copies", "1"), small);
        assertEquals(0, tx.exitCode(), tx.stderr());
        assertEquals(List.of("ok small.tar"), verdicts(one.await()));
        assertEquals(sha256(small), sha256(inbox.resolve("small.tar")));
    }

    @Test
    void aDotNameRemovedMidSession_isShort_sayingItWasRemoved() throws Exception {
        assumeUdpcast();
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        int port = DiodeRig.freePortPair();
        Receiver rx = Receiver.start(List.of(), "lo", port, inbox, 1);
        awaitReceiverOn(port);
        Path big = Files.write(tmp.resolve("big.tar"), randomBytes(10 << 20));
        Process sender = startRawSession(port, header(Files.size(big), "big.tar"), big, "SHA256 " + sha256(big).hex() + "\n", "20m");
        try {
            awaitDotName(inbox, "big.tar");
            // Only once bytes land in it: a name removed between mktemp and tee's open would just be made again by tee.
            Path part = awaitGrowing(inbox, "big.tar");
            Files.deleteIfExists(part);   // what another process's rm of it does
            Files.deleteIfExists(part.resolveSibling(part.getFileName() + ".sha"));
            String out = rx.await();
            assertEquals(List.of("short big.tar"), verdicts(out), out);
            assertTrue(Pattern.compile("short big\\.tar \\(its dot-name \\S+ was removed mid-session; udp-receiver exit \\d+\\), dropped")
                    .matcher(out).find(), out);
            assertEquals(List.of(), names(inbox));
        } finally {
            sender.destroyForcibly();
            assertTrue(sender.waitFor(10, TimeUnit.SECONDS), "udp-sender stopped");
        }
    }

    /**
     * Red-team pass I: {@code done} and {@code rejected} are the watcher's directories in the inbox
     * (serve refuses them as names). diode-receive took them as bundle names: a session named
     * {@code done} into an inbox the watcher has not yet started on (or whose done/ an admin cleared)
     * left a regular file there, and every start of {@code watch} then failed ("cannot create
     * INBOX/done", InboxLayout): anyone who can send into the diode stopped every later import.
     */
    @Test
    void sessionsNamedLikeTheWatchersDirectories_areRefused_andNothingIsWritten() throws Exception {
        assumeUdpcast();
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        Path body = tmp.resolve("body");
        Files.write(body, randomBytes(1000));
        int port = DiodeRig.freePortPair();
        String end = "SHA256 " + sha256(body).hex() + "\n";
        Receiver rx = Receiver.start(List.of(), "lo", port, inbox, 2);
        rawSession(port, header(1000, "done"), body, end);
        rawSession(port, header(1000, "rejected"), body, end);
        String out = rx.await();
        assertEquals(List.of("refused done", "refused rejected"), verdicts(out), out);
        assertEquals(List.of(), names(inbox), "nothing in the inbox");
    }

    @Test
    void aSessionThatWouldLeaveLessThanMinFree_isRefused_andNothingIsWritten() throws Exception {
        assumeUdpcast();
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        int port = DiodeRig.freePortPair();
        // Far above any disk's free space: the disk is shared with other tests and processes, whose
        // writes and removals move its free space by more than the session's size.
        long free = 1L << 45; // 32 TiB, 14 digits (the script takes at most 15)
        Receiver rx = Receiver.start(List.of(), List.of("--min-free", String.valueOf(free)), "lo", port, inbox, 1);
        Path small = Files.write(Files.createDirectories(tmp.resolve("small")).resolve("small.tar"), randomBytes(100_000));
        Tools.Result tx = send("lo", port, List.of("--copies", "1"), small);
        assertEquals(0, tx.exitCode(), tx.stderr());
        String out = rx.await();
        assertEquals(List.of("refused small.tar"), verdicts(out), out);
        assertTrue(out.contains("100000 bytes would leave less than --min-free " + free + " of "), out);
        assertEquals(List.of(), names(inbox));
    }

    /** Waits (up to 20 s) for this run's dot-name of {@code name} (not its .sha) to hold bytes; returns it. */
    private static Path awaitGrowing(Path inbox, String name) throws Exception {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < until) {
            for (String n : names(inbox)) {
                Path p = inbox.resolve(n);
                if (n.startsWith(".diode.") && n.contains("." + name + ".") && !n.endsWith(".sha")) {
                    try {
                        if (Files.size(p) > 0) {
                            return p;
                        }
                    } catch (java.nio.file.NoSuchFileException gone) {
                        // delivered or dropped meanwhile: the assertion after says which
                    }
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no bytes arrived in a dot-name of " + name + ": " + names(inbox));
    }

    /** Waits (up to 20 s) for this run's dot-names of {@code name} in {@code inbox}; returns them. */
    private static List<String> awaitDotName(Path inbox, String name) throws Exception {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        List<String> found = List.of();
        while (found.isEmpty() && System.nanoTime() < until) {
            Thread.sleep(50);
            found = names(inbox).stream().filter(n -> n.startsWith(".diode.") && n.contains("." + name + ".")).toList();
        }
        assertFalse(found.isEmpty(), "a session under way: " + names(inbox));
        return found;
    }

    /** The pids of udp-receiver processes listening on {@code port} (any parent: an orphan counts). */
    private static List<Long> receiversOn(int port) {
        return ProcessHandle.allProcesses().filter(p -> {
            List<String> cmd = p.info().arguments().map(List::of).orElse(List.of());
            String exe = p.info().command().orElse("");
            int i = cmd.indexOf("--portbase");
            return exe.endsWith("udp-receiver") && i >= 0 && i + 1 < cmd.size() && cmd.get(i + 1).equals(String.valueOf(port));
        }).map(ProcessHandle::pid).toList();
    }

    private static void awaitReceiverOn(int port) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (receiversOn(port).isEmpty() && System.nanoTime() < until) {
            Thread.sleep(50);
        }
        assertFalse(receiversOn(port).isEmpty(), "udp-receiver started on port " + port);
    }

    /** {@link #rawSession}, not waited for, at {@code bitrate}: a session that is still under way. */
    private Process startRawSession(int port, String header, Path body, String end, String bitrate) throws Exception {
        Path stream = tmp.resolve("stream");
        try (OutputStream o = Files.newOutputStream(stream)) {
            o.write(header.getBytes(StandardCharsets.UTF_8));
            Files.copy(body, o);
            o.write(end.getBytes(StandardCharsets.UTF_8));
        }
        return new ProcessBuilder("udp-sender", "--async", "--fec", "8x8/128", "--max-bitrate", bitrate, "--autostart", "5",
                "--rexmit-hello-interval", "100", "--nokbd", "--interface", "lo", "--portbase", String.valueOf(port), "--file",
                stream.toString()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    @Test
    void shortCopies_malformedHeaders_andNamesThatCouldLeaveTheInbox_areDropped_andNothingIsWritten() throws Exception {
        assumeUdpcast();
        Path parent = Files.createDirectories(tmp.resolve("site"));
        Path inbox = Files.createDirectories(parent.resolve("inbox"));
        Path body = tmp.resolve("body");
        Files.write(body, randomBytes(200_000));
        int port = DiodeRig.freePortPair();
        String end = "SHA256 " + sha256(body).hex() + "\n";
        Receiver rx = Receiver.start(List.of(), "lo", port, inbox, 6);
        rawSession(port, header(300_000, "short.tar"), body, "");             // fewer bytes than announced
        rawSession(port, header(200_000, "noend.tar"), body, "");              // all bytes, no end line
        rawSession(port, header(200_000, "../escape.tar"), body, end);
        rawSession(port, header(200_000, ".hidden.tar"), body, end);
        rawSession(port, "AIRLOCK-DIODE/1 200000 a/b.tar\n", body, end);
        rawSession(port, "GET / HTTP/1.0\n", body, end);
        String out = rx.await();
        assertEquals(List.of("short short.tar", "short noend.tar", "refused ..?escape.tar", "refused .hidden.tar", "refused a?b.tar",
                "refused ?"), verdicts(out), out);
        assertTrue(out.contains("got 200000 of 300000 bytes"), out);
        assertTrue(out.contains("got 200000 of 200000 bytes, no end line"), out);
        assertTrue(out.contains("not a bare file name"), out);
        assertTrue(out.contains("no valid header"), out);
        assertEquals(List.of(), names(inbox), "nothing in the inbox, not even a dot-name");
        assertEquals(List.of("inbox"), names(parent), "nothing beside it");
    }

    @Test
    void usageErrorsAreExit2_anUnreadableFileIsExit1_andNothingIsSent() throws Exception {
        assumeUdpcast();
        Path f = Files.writeString(tmp.resolve("ok.tar"), "x");
        Tools.Result odd = run(List.of(script("diode-send"), "--port", "9001", f.toString()));
        assertEquals(2, odd.exitCode(), odd.stderr());
        assertTrue(odd.stderr().contains("--port must be an even number"), odd.stderr());
        Tools.Result missing = run(List.of(script("diode-send"), "--port", "9000", tmp.resolve("nope.tar").toString()));
        assertEquals(1, missing.exitCode(), missing.stderr());
        assertTrue(missing.stderr().contains("nope.tar: not a readable file"), missing.stderr());
        Path bad = Files.writeString(tmp.resolve("-bad name.tar"), "x");
        Tools.Result name = run(List.of(script("diode-send"), "--", bad.toString()));
        assertEquals(2, name.exitCode(), name.stderr());
        assertTrue(name.stderr().contains("the receiver takes only names of letters"), name.stderr());
        Tools.Result noDir = run(List.of(script("diode-receive"), "--port", "9000"));
        assertEquals(2, noDir.exitCode(), noDir.stderr());
        assertTrue(noDir.stderr().contains("no DIR given"), noDir.stderr());
        Tools.Result notDir = run(List.of(script("diode-receive"), f.toString()));
        assertEquals(1, notDir.exitCode(), notDir.stderr());
        assertTrue(notDir.stderr().contains("not a writable directory"), notDir.stderr());
    }

    // ------------------------------------------------------------------ over a one-way link into a namespace

    @Test
    void aVolumeSetSentOverAOneWayLink_arrivesWithItsListLast_andIsImported_andNoPacketReachesTheSenderSide(Registries registries)
            throws Exception {
        assumeUdpcast();
        assumeRootWith("ip", "nft");
        List<Path> set = bundle(registries, "1M");
        int port = DiodeRig.freePortPair();
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        try (OneWayLink link = OneWayLink.create()) {
            long before = link.senderSideReceivedPackets();
            Receiver rx = Receiver.start(link.inNamespace(), link.rx, port, inbox, 2 * set.size());
            // Given the list alone: the whole set goes, volumes first, the list's signature, the list last.
            Tools.Result tx = send(link.tx, port, List.of("--copies", "2", "--max-bitrate", "300m"), list(set));
            String out = rx.await();
            assertEquals(0, tx.exitCode(), tx.stderr());
            List<String> expected = new ArrayList<>();
            for (String verdict : List.of("ok ", "duplicate ")) {
                for (Path p : set) {
                    expected.add(verdict + p.getFileName());
                }
            }
            assertEquals(expected, verdicts(out), out);
            assertEquals(0, link.senderSideReceivedPackets() - before, "not one packet reached the sender's side of the link");
            System.out.println("DiodeIT: the receiver's namespace tried to send " + link.egressDropped()
                    + " packets (IGMP joins, udpcast's end-of-session datagram), all dropped");
        }
        for (Path p : set) {
            assertEquals(sha256(p), sha256(inbox.resolve(p.getFileName().toString())), p.getFileName().toString());
        }
        TestRegistry target = registries.plain();
        importFrom(inbox.resolve(NAME + ".volumes.json"), target).ok();
        assertEquals(image.manifest().digest().toString(), Fixture.skopeoDigest(target, target.host() + "/app/web:1"));
    }

    @Test
    void withOnePercentLossOnTheLink_theBundleStillArrives_andIsImported(Registries registries) throws Exception {
        assumeUdpcast();
        assumeRootWith("ip", "nft");
        Path bundle = bundle(registries, null).get(0);
        int port = DiodeRig.freePortPair();
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        try (OneWayLink link = OneWayLink.create()) {
            String how = link.injectLoss(port);
            Receiver rx = Receiver.start(link.inNamespace(), link.rx, port, inbox, 2);
            Tools.Result tx = send(link.tx, port, List.of("--copies", "2", "--max-bitrate", "300m"), bundle);
            String out = rx.await();
            assertEquals(0, tx.exitCode(), tx.stderr());
            assertTrue(verdicts(out).contains("ok " + NAME + ".tar"), how + "\n" + out);
            long lost = link.lostPackets();
            assertTrue(lost > 0, "loss was injected (" + how + "): " + lost + " packets lost");
            System.out.println("DiodeIT: " + how + ": " + lost + " packets lost, the bundle arrived (" + verdicts(out) + ")");
        }
        assertEquals(sha256(bundle), sha256(inbox.resolve(NAME + ".tar")));
        TestRegistry target = registries.plain();
        importFrom(inbox.resolve(NAME + ".tar"), target).ok();
        assertEquals(image.manifest().digest().toString(), Fixture.skopeoDigest(target, target.host() + "/app/web:1"));
    }

    // ------------------------------------------------------------------ into the watched inbox

    @Test
    void diodeSendToDiodeReceiveToWatch_aDamagedCopyIsRejectedWithItsReason_andTheGoodCopyIsImported(Registries registries)
            throws Exception {
        assumeUdpcast();
        Airlock.Run probe = Airlock.importer(List.of("watch", tmp.toString(), "--once"));
        assumeTrue(!probe.err().contains("Unmatched argument"), "airlock-import has no watch command yet: " + probe.err().strip());
        Path bundle = bundle(registries, null).get(0);
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        TestRegistry target = registries.plain();
        int port = DiodeRig.freePortPair();
        Path damaged = Files.copy(bundle, tmp.resolve("damaged.tar"));
        Fixture.flipByte(damaged, "blobs/sha256/" + image.manifest().digest().hex(), 20);

        Receiver rx = Receiver.start(List.of(), "lo", port, inbox, 1);
        rawSession(port, header(Files.size(bundle), NAME + ".tar"), damaged, "SHA256 " + sha256(bundle).hex() + "\n");
        assertTrue(rx.await().contains("damaged " + NAME + ".tar"));
        Airlock.Run first = watchOnce(inbox, target);
        Path reason = inbox.resolve("rejected/" + NAME + ".tar.reason");
        assertTrue(Files.exists(inbox.resolve("rejected/" + NAME + ".tar")), first.toString());
        assertTrue(Files.readString(reason).contains("3"), "the reason names exit 3: " + Files.readString(reason));
        assertEquals("{\"repositories\":[]}", Fixture.get(target, "/v2/_catalog").trim(), "nothing of the damaged copy imported");

        rx = Receiver.start(List.of(), "lo", port, inbox, 2);
        Tools.Result tx = send("lo", port, List.of("--copies", "2"), bundle);
        assertEquals(0, tx.exitCode(), tx.stderr());
        assertEquals(List.of("ok " + NAME + ".tar", "duplicate " + NAME + ".tar"), verdicts(rx.await()));
        Airlock.Run second = watchOnce(inbox, target);
        assertEquals(0, second.code(), second.toString());
        assertEquals(sha256(bundle), sha256(inbox.resolve("done/" + NAME + ".tar")), second.toString());
        assertFalse(Files.exists(inbox.resolve(NAME + ".tar")), "moved to done/");
        assertEquals(image.manifest().digest().toString(), Fixture.skopeoDigest(target, target.host() + "/app/web:1"));
    }

    /**
     * Red-team pass L (issue 17): a volume damaged on the link was handed to the importer like a
     * damaged single-file bundle, and the set was complete with it (the right size): watch refused
     * the whole set (its list, signature and every intact volume to rejected/). The second round of
     * {@code diode-send --copies 2} then brought a good copy of that volume, but every other file of the
     * set was dropped as a duplicate of what was delivered before: the set was never imported, and its
     * channel waited behind it until an admin moved it back. A damaged part of a set is not handed on:
     * the good copy completes the set.
     */
    @Test
    void diodeToWatch_aVolumeDamagedOnTheLink_theSetIsImportedOnceAGoodCopyOfItArrives(Registries registries) throws Exception {
        assumeUdpcast();
        List<Path> set = bundle(registries, "1M");
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        TestRegistry target = registries.plain();
        int port = DiodeRig.freePortPair();
        Path first = set.get(0);
        Path damaged = Files.copy(first, tmp.resolve("damaged-volume"));
        byte[] b = Files.readAllBytes(damaged);
        b[b.length / 2] ^= 0x20;
        Files.write(damaged, b);

        Receiver rx = Receiver.start(List.of(), "lo", port, inbox, set.size());
        rawSession(port, header(Files.size(first), first.getFileName().toString()), damaged, "SHA256 " + sha256(first).hex() + "\n");
        for (Path p : set.subList(1, set.size())) {
            rawSession(port, header(Files.size(p), p.getFileName().toString()), p, "SHA256 " + sha256(p).hex() + "\n");
        }
        String round1 = rx.await();
        assertTrue(round1.contains("damaged " + first.getFileName()), round1);
        Airlock.Run watch1 = watchOnce(inbox, target);

        rx = Receiver.start(List.of(), "lo", port, inbox, set.size());
        Tools.Result tx = send("lo", port, List.of("--copies", "1"), list(set));
        assertEquals(0, tx.exitCode(), tx.stderr());
        String round2 = rx.await();
        Airlock.Run watch2 = watchOnce(inbox, target);
        assertEquals(0, watch2.code(), watch2.toString());
        assertTrue(watch2.out().contains("imported " + NAME + ".volumes.json"), "round 1:\n" + round1 + "\nwatch:\n" + watch1
                + "\nround 2:\n" + round2 + "\nwatch:\n" + watch2);
        assertEquals(image.manifest().digest().toString(), Fixture.skopeoDigest(target, target.host() + "/app/web:1"));
    }

    private Airlock.Run watchOnce(Path inbox, TestRegistry target) throws IOException {
        List<String> args = new ArrayList<>(List.of("watch", inbox.toString(), "--once", "--trust", keys[1].toString(), "--registry",
                target.host(), "--state", tmp.resolve("watch-state").toString()));
        args.addAll(target.cliFlags());
        return Airlock.importer(args);
    }

    // ------------------------------------------------------------------ the service unit

    @Test
    void theReceiverUnit_isHardened_andSystemdAnalyzeVerifiesIt() throws Exception {
        Path unit = REPO.resolve("scripts/systemd/airlock-diode-receive.service");
        String text = Files.readString(unit);
        for (String line : List.of("ProtectSystem=strict", "ReadWritePaths=/var/lib/airlock/inbox", "NoNewPrivileges=yes",
                "ExecStart=/usr/local/bin/diode-receive ")) {
            assertTrue(text.lines().anyMatch(l -> l.startsWith(line)), line + " in\n" + text);
        }
        assertEquals(1, text.lines().filter(l -> l.startsWith("ReadWritePaths=")).count(), "the inbox is the only writable path");
        assertTrue(text.contains("--port 9000 /var/lib/airlock/inbox"), "it writes into the inbox it may write");
        assumeTrue(Tools.has("systemd-analyze"), "systemd-analyze is not installed: the unit is not verified");
        // Verified as installed: the repository's script standing in for /usr/local/bin's, so that ExecStart exists.
        Path copy = Files.writeString(tmp.resolve(unit.getFileName()), text.replace("/usr/local/bin/diode-receive",
                REPO.resolve("scripts/diode-receive").toString()));
        Tools.Result r = run(List.of("systemd-analyze", "verify", copy.toString()));
        assertEquals(0, r.exitCode(), r.stderr() + r.stdout());
        assertEquals("", (r.stderr() + r.stdout()).strip(), "no warning (an unknown or misspelt key is only a warning)");
    }

    // ------------------------------------------------------------------ helpers

    /** Exports the seeded image: one file, or volumes of {@code volumeSize} (then the set in delivery order). */
    /** A bundle without its approver's report: these tests count the sessions of the bundle's own files. */
    private List<Path> bundle(Registries registries, String volumeSize) throws Exception {
        return bundle(registries, volumeSize, false);
    }

    private List<Path> bundle(Registries registries, String volumeSize, boolean report) throws Exception {
        source = registries.plain();
        image = TestImages.image(true, "amd64", null, Layer.random(61, 1_500_000), Layer.random(62, 900_000));
        TestImages.push(source.client(), source.host(), "app/web", "1", image);
        keys = Fixture.keygen(tmp, "exporter");
        Path out = tmp.resolve("out");
        List<String> args = new ArrayList<>(List.of("bundle", "--image", source.host() + "/app/web:1", "--channel", CHANNEL, "--key",
                keys[0].toString(), "--out", out.toString(), "--state", tmp.resolve("xs").toString()));
        if (volumeSize != null) {
            args.addAll(List.of("--max-volume-size", volumeSize));
        }
        if (!report) {
            args.add("--no-report");
        }
        args.addAll(source.cliFlags());
        Airlock.export(args).ok();
        if (volumeSize == null) {
            return List.of(out.resolve(NAME + ".tar"));
        }
        List<Path> set = new ArrayList<>();
        try (Stream<Path> s = Files.list(out)) {
            s.filter(p -> p.getFileName().toString().matches(Pattern.quote(NAME) + "\\.tar\\.\\d+")).sorted().forEach(set::add);
        }
        assertTrue(set.size() >= 2, "a set of volumes: " + set);
        set.add(out.resolve(NAME + ".volumes.json.asc"));
        set.add(out.resolve(NAME + ".volumes.json"));
        return set;
    }

    private static Path list(List<Path> set) {
        return set.get(set.size() - 1);
    }

    private Airlock.Run importFrom(Path given, TestRegistry target) throws IOException {
        List<String> args = new ArrayList<>(List.of("import", given.toString(), "--trust", keys[1].toString(), "--registry", target.host(),
                "--state", tmp.resolve("is-" + target.host().replace(':', '-')).toString()));
        args.addAll(target.cliFlags());
        return Airlock.importer(args);
    }

    private static Tools.Result send(String iface, int port, List<String> options, Path file) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(script("diode-send"), "--interface", iface, "--port", String.valueOf(port),
                "--max-bitrate", "400m"));
        cmd.addAll(options);
        cmd.add(file.toString());
        return run(cmd);
    }

    private static String header(long size, String name) {
        return "AIRLOCK-DIODE/1 " + size + " " + name + "\n";
    }

    /**
     * One session sent by udp-sender itself, as diode-send does, but framing a body of our choice:
     * what a link that damages, cuts or garbles a stream delivers.
     */
    private void rawSession(int port, String header, Path body, String end) throws Exception {
        Path stream = tmp.resolve("stream");
        try (OutputStream o = Files.newOutputStream(stream)) {
            o.write(header.getBytes(StandardCharsets.UTF_8));
            Files.copy(body, o);
            o.write(end.getBytes(StandardCharsets.UTF_8));
        }
        Tools.Result r = run(List.of("udp-sender", "--async", "--fec", "8x8/128", "--max-bitrate", "400m", "--autostart", "5",
                "--rexmit-hello-interval", "100", "--nokbd", "--interface", "lo", "--portbase", String.valueOf(port), "--file",
                stream.toString()));
        assertEquals(0, r.exitCode(), r.stderr());
    }

    /** "VERDICT NAME" of each arrival line, in order. */
    private static List<String> verdicts(String out) {
        List<String> v = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^diode-receive: (ok|conflict|duplicate|short|damaged|refused) (\\S+)").matcher(out);
        while (m.find()) {
            v.add(m.group(1) + " " + m.group(2));
        }
        return v;
    }

    /** diode-receive running until it has seen {@code sessions} sessions (or 20 s of silence). */
    private record Receiver(Process process, Path out) {
        static Receiver start(List<String> prefix, String iface, int port, Path inbox, int sessions) throws Exception {
            return start(prefix, List.of(), iface, port, inbox, sessions);
        }

        static Receiver start(List<String> prefix, List<String> options, String iface, int port, Path inbox, int sessions) throws Exception {
            List<String> cmd = new ArrayList<>(prefix);
            cmd.add(script("diode-receive"));
            cmd.addAll(options);
            cmd.addAll(List.of("--interface", iface, "--port", String.valueOf(port), "--sessions",
                    String.valueOf(sessions), "--idle-exit", "20", inbox.toString()));
            Path out = Files.createTempFile("diode-receive", ".out");
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            Thread.sleep(300);   // udp-receiver bound (the sender announces each session for 0.5 s)
            return new Receiver(p, out);
        }

        /** SIGTERM, as systemctl stop or kill(1) sends it to the script alone; it must exit 0 within 10 s. */
        void stopWithSigterm() throws Exception {
            process.destroy();
            boolean done = process.waitFor(10, TimeUnit.SECONDS);
            String text = Files.readString(out);
            Files.delete(out);
            assertTrue(done, "diode-receive did not stop within 10 s of SIGTERM:\n" + text);
            assertEquals(0, process.exitValue(), "SIGTERM is 'stopped as asked': " + text);
        }

        String await() throws Exception {
            boolean done = process.waitFor(60, TimeUnit.SECONDS);
            if (!done) {
                process.descendants().forEach(ProcessHandle::destroy);
                process.destroy();
            }
            String text = Files.readString(out);
            Files.delete(out);
            assertTrue(done, "diode-receive did not finish in 60 s:\n" + text);
            assertEquals(0, process.exitValue(), text);
            return text;
        }
    }

    /**
     * A veth pair: the sender's end here, the receiver's end in a network namespace of its own
     * whose every outgoing packet nft drops (and counts): the one-way link of a diode.
     */
    private static final class OneWayLink implements AutoCloseable {
        final String ns;
        final String tx;
        final String rx;
        private String loss = "";

        private OneWayLink(String id) {
            ns = "airlock-diode-" + id;
            tx = "dtx" + id;
            rx = "drx" + id;
        }

        static OneWayLink create() throws Exception {
            String id = String.format("%06x", RANDOM.nextInt(1 << 24));
            int net = RANDOM.nextInt(1 << 14) * 4;   // a /30 in 10.212.0.0/16
            String a = "10.212." + (net >> 8) + "." + ((net & 0xff) + 1);
            String b = "10.212." + (net >> 8) + "." + ((net & 0xff) + 2);
            OneWayLink link = new OneWayLink(id);
            Tools.Result add = run(List.of("ip", "netns", "add", link.ns));
            assumeTrue(add.exitCode() == 0, "cannot create a network namespace (ip netns add): " + add.stderr().strip());
            try {
                ok(run(List.of("ip", "link", "add", link.tx, "type", "veth", "peer", "name", link.rx, "netns", link.ns)));
                // No IPv6 on the pair: no router or neighbour solicitations in the counts.
                run(List.of("sysctl", "-qw", "net.ipv6.conf." + link.tx + ".disable_ipv6=1"));
                run(List.of("ip", "netns", "exec", link.ns, "sysctl", "-qw", "net.ipv6.conf." + link.rx + ".disable_ipv6=1"));
                ok(run(List.of("ip", "addr", "add", a + "/30", "brd", "+", "dev", link.tx)));
                ok(run(List.of("ip", "netns", "exec", link.ns, "ip", "addr", "add", b + "/30", "brd", "+", "dev", link.rx)));
                link.nftIn("add table inet airlock_diode");
                link.nftIn("add chain inet airlock_diode out { type filter hook output priority 0 ; policy accept ; }");
                link.nftIn("add rule inet airlock_diode out counter drop");
                ok(run(List.of("ip", "link", "set", link.tx, "up")));
                ok(run(List.of("ip", "netns", "exec", link.ns, "ip", "link", "set", link.rx, "up")));
                return link;
            } catch (Throwable t) {
                link.close();
                throw t;
            }
        }

        List<String> inNamespace() {
            return List.of("ip", "netns", "exec", ns);
        }

        /** 1 % of the packets towards the receiver lost: tc netem where the kernel has it, else nft's random numbers. */
        String injectLoss(int port) throws Exception {
            if (run(List.of("tc", "qdisc", "add", "dev", tx, "root", "netem", "loss", "1%")).exitCode() == 0) {
                loss = "netem";
                return "tc netem loss 1% on " + tx;
            }
            nftIn("add chain inet airlock_diode loss { type filter hook prerouting priority -300 ; policy accept ; }");
            nftIn("add rule inet airlock_diode loss udp dport " + port + " numgen random mod 100 0 counter drop");
            loss = "nft";
            return "tc netem unavailable (" + tcError() + "); nft 'numgen random mod 100 0 drop' on the receiver's ingress";
        }

        private String tcError() throws Exception {
            return run(List.of("tc", "qdisc", "add", "dev", tx, "root", "netem", "loss", "1%")).stderr().strip();
        }

        long lostPackets() throws Exception {
            if (loss.equals("netem")) {
                Matcher m = Pattern.compile("dropped (\\d+)").matcher(run(List.of("tc", "-s", "qdisc", "show", "dev", tx)).stdout());
                return m.find() ? Long.parseLong(m.group(1)) : -1;
            }
            return counter(ns, "airlock_diode", "loss");
        }

        long egressDropped() throws Exception {
            return counter(ns, "airlock_diode", "out");
        }

        long senderSideReceivedPackets() throws IOException {
            return Long.parseLong(Files.readString(Path.of("/sys/class/net", tx, "statistics/rx_packets")).strip());
        }

        private void nftIn(String command) throws Exception {
            nft(ns, command);
        }

        @Override
        public void close() throws Exception {
            run(List.of("ip", "link", "del", tx));
            Tools.Result r = run(List.of("ip", "netns", "del", ns));
            assertEquals(0, r.exitCode(), "namespace " + ns + " removed: " + r.stderr());
        }
    }

    // ------------------------------------------------------------------ small things

    private static void nft(String ns, String command) throws Exception {
        List<String> cmd = new ArrayList<>();
        if (ns != null) {
            cmd.addAll(List.of("ip", "netns", "exec", ns));
        }
        cmd.add("nft");
        cmd.addAll(List.of(command.split(" ")));
        ok(run(cmd));
    }

    private static long counter(String ns, String table) throws Exception {
        return counter(ns, table, "out");
    }

    private static long counter(String ns, String table, String chain) throws Exception {
        List<String> cmd = new ArrayList<>();
        if (ns != null) {
            cmd.addAll(List.of("ip", "netns", "exec", ns));
        }
        cmd.addAll(List.of("nft", "list", "chain", "inet", table, chain));
        Matcher m = Pattern.compile("counter packets (\\d+)").matcher(ok(run(cmd)).stdout());
        assertTrue(m.find(), "a counter in " + table + " " + chain);
        return Long.parseLong(m.group(1));
    }

    private static void assumeUdpcast() {
        assumeTrue(Tools.has("udp-sender") && Tools.has("udp-receiver"), "udpcast (udp-sender, udp-receiver) is not installed");
    }

    private static void assumeRootWith(String... tools) throws Exception {
        assumeTrue("0".equals(run(List.of("id", "-u")).stdout().strip()), "not root: cannot set packet filter rules or namespaces");
        for (String t : tools) {
            assumeTrue(Tools.has(t), t + " is not installed");
        }
    }

    private static Tools.Result run(List<String> cmd) throws Exception {
        return Tools.run(cmd, Map.of(), null);
    }

    private static Tools.Result ok(Tools.Result r) {
        return r.ok();
    }

    private static String script(String name) {
        return REPO.resolve("scripts").resolve(name).toString();
    }


    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            // the shared ledgers and the receivers' lock files stay (a lock file is never removed)
            return s.map(p -> p.getFileName().toString()).filter(n -> !n.equals(".diode-received") && !n.equals(".diode-damaged")
                    && !n.matches("\\.diode-(receive\\.\\d+|deliver)\\.lock")).sorted().toList();
        }
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    private static Digest sha256(Path p) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (var in = Files.newInputStream(p)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0;) {
                md.update(buf, 0, n);
            }
        }
        return Digest.sha256(md.digest());
    }
}
