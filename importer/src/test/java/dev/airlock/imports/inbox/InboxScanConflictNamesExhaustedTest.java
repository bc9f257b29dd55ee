package dev.airlock.imports.inbox;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.airlock.crypto.SignatureBlock;
import dev.airlock.digest.Digest;
import dev.airlock.io.NoReplaceDelivery;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass R, R1: a volume of a set arrives after its list (diode-send's second round after a
 * loss in the first, or the bundle sent again as docs/data-diode.md says). The signed list, readable
 * in the inbox, names the volume's sha256, so a stranger knows every name the delivery rule can give
 * the real volume: he fills the name and its 100 conflict names ({@code NAME.conflict-SHA16},
 * {@code -2} … {@code -100}) with files of his own. The receiver then cannot deliver the real volume
 * at all (diode-receive drops it, serve fails the upload), every time it is sent, and the set waits
 * for good as incomplete. The real volume must be delivered under a name the watcher takes as the
 * volume's copy, and the set imported. (Run as root, the stranger's files are given to nobody.)
 */
@org.junit.jupiter.api.condition.EnabledIf("asRoot")
class InboxScanConflictNamesExhaustedTest {
    @TempDir
    Path root;

    @Test
    void aStrangerHoldingEveryConflictNameOfAListedVolume_doesNotKeepTheRealVolumeOut() throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        SignedSetFixture.Keys keys = SignedSetFixture.keys(root);
        byte[] volume = "the real volume, lost in the first round".getBytes(StandardCharsets.UTF_8);
        byte[] list = SignedSetFixture.list(volume);
        SignedSetFixture.put(inbox, SignedSetFixture.LIST + ".asc", SignatureBlock.signNaming(list, List.of(keys.signer())));
        SignedSetFixture.put(inbox, SignedSetFixture.LIST, list);
        String name = SignedSetFixture.BUNDLE + ".000";
        String sha16 = Digest.sha256Of(volume).hex().substring(0, 16); // read off the signed list
        for (int n = 0; n <= 100; n++) {
            String his = n == 0 ? name : name + ".conflict-" + sha16 + (n == 1 ? "" : "-" + n);
            SignedSetFixture.put(inbox, his, ("his " + n).getBytes(StandardCharsets.UTF_8));
            Files.setAttribute(inbox.resolve(his), "unix:uid", 65534);
        }
        Path received = Files.write(root.resolve("received"), volume); // the receiver's complete, fsynced copy
        try {
            NoReplaceDelivery.deliver(received, inbox.resolve(name));
        } catch (java.io.IOException e) {
            Files.deleteIfExists(received); // what diode-receive does with it ("failed NAME: could not deliver it")
        }
        InboxScan scan = new InboxScan(inbox, Duration.ofMillis(200), InboxScan.MAX_FILES, keys.trust());
        InboxScan.Candidate c = set(scan);
        for (int i = 0; i < 40 && c.state() != InboxScan.State.READY; i++) {
            Thread.sleep(100);
            c = set(scan);
        }
        assertEquals(InboxScan.State.READY, c.state(), "the real volume was never delivered: " + c.note());
        Path chosen = c.arrangement().promote().stream().filter(p -> p.getFileName().toString().startsWith(name)).findFirst().orElseThrow();
        assertArrayEquals(volume, Files.readAllBytes(chosen));
    }

    static boolean asRoot() {
        try {
            return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (Exception e) {
            return false;
        }
    }

    private static InboxScan.Candidate set(InboxScan scan) throws Exception {
        return scan.scan().candidates().stream().filter(x -> x.key().equals(SignedSetFixture.LIST)).findFirst().orElseThrow();
    }
}
