package dev.airlock.imports.inbox;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.crypto.SignatureBlock;
import dev.airlock.digest.Digest;
import dev.airlock.io.NoReplaceDelivery;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass R, R5: a volume's candidates before the chosen copy that are still being written are
 * waited for (pass P, P4: one may be the real volume, of which a stranger's chosen copy was made as it
 * arrived), each until it has changed for 10 settle times (5 s at least). A stranger who holds two of
 * them (the volume's name and the copy the delivery rule names by the listed sha256, as in R1) writes
 * to them in turns: the set waits 5 s for each, more than the 10 settle times a stranger may delay a
 * set, and with the 101 a volume may have, some 8 minutes, though the chosen copy is the receiver's
 * delivery (this watcher's user's, complete, of the listed sha256), which no file still being
 * written can be the real volume of. (Run as root, the stranger's files are nobody's.)
 * Another user's file still being written is not waited for when the chosen copy is this watcher's
 * user's (a same-user writer still is: InboxScanCopyOfArrivingCopyTest).
 */
@org.junit.jupiter.api.condition.EnabledIf("asRoot")
class InboxScanAlternatingWritersTest {
    @TempDir
    Path root;

    @Test
    void aStrangerWritingTwoCandidatesInTurns_doesNotHoldASetWhoseCopyIsTheReceivers() throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        SignedSetFixture.Keys keys = SignedSetFixture.keys(root);
        byte[] volume = "the real volume".getBytes(StandardCharsets.UTF_8);
        byte[] list = SignedSetFixture.list(volume);
        SignedSetFixture.put(inbox, SignedSetFixture.LIST + ".asc", SignatureBlock.signNaming(list, List.of(keys.signer())));
        SignedSetFixture.put(inbox, SignedSetFixture.LIST, list);
        String name = SignedSetFixture.BUNDLE + ".000";
        Path a = inbox.resolve(name);
        Path b = inbox.resolve(name + ".conflict-" + Digest.sha256Of(volume).hex().substring(0, 16));
        for (Path p : List.of(a, b)) {
            SignedSetFixture.put(inbox, p.getFileName().toString(), "his".getBytes(StandardCharsets.UTF_8));
            Files.setAttribute(p, "unix:uid", 65534);
        }
        NoReplaceDelivery.Outcome real = NoReplaceDelivery.deliver(Files.write(root.resolve("received"), volume), a); // beside both: -2
        Files.setLastModifiedTime(real.path(), java.nio.file.attribute.FileTime.from(java.time.Instant.now().minusSeconds(60)));
        long start = System.nanoTime();
        Thread his = new Thread(() -> { // a for 4 s, then b from 3 s to 7 s: one of them is always being written
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    long t = (System.nanoTime() - start) / 1_000_000 % 6_000;
                    if (t < 4_000) {
                        Files.write(a, ("his " + t).getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
                    }
                    if (t >= 3_000 || t < 1_000) {
                        Files.write(b, ("his " + t).getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
                    }
                    Thread.sleep(30);
                }
            } catch (Exception e) {
                // stopped
            }
        }, "stranger");
        his.start();
        InboxScan scan = new InboxScan(inbox, Duration.ofMillis(200), InboxScan.MAX_FILES, keys.trust());
        InboxScan.Candidate c = null;
        try {
            for (int i = 0; i < 70 && (c == null || c.state() != InboxScan.State.READY); i++) {
                Thread.sleep(100);
                c = scan.scan().candidates().stream().filter(x -> x.key().equals(SignedSetFixture.LIST)).findFirst().orElseThrow();
            }
        } finally {
            his.interrupt();
            his.join();
        }
        assertTrue(c.state() == InboxScan.State.READY, "the set still waits after 7 s (10 settle times: 5 s): " + c.note());
    }

    static boolean asRoot() {
        try {
            return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (Exception e) {
            return false;
        }
    }
}
