package dev.airlock.imports.inbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.bundle.VolumeList;
import dev.airlock.crypto.BundleSigner;
import dev.airlock.crypto.OpenPgpKeys;
import dev.airlock.crypto.SignatureBlock;
import dev.airlock.crypto.TrustPolicy;
import dev.airlock.digest.Digest;
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
 * Red-team pass P, P4: a stranger holds a set's list name with his own file (names are predictable);
 * the real list, arriving, is kept beside it as {@code NAME.conflict-SHA16} by the delivery rule, and
 * the stranger copies its bytes beside it at once under another copy name, his copy's modification
 * time set back so that it has settled first. His copy was the one chosen and took the name (a file he
 * may still write before the import reads it), the real one left aside. Of copies of the same bytes,
 * the one the delivery rule named by them is chosen, waited for while it settles.
 */
class InboxScanCopyOfArrivingCopyTest {
    private static final String BUNDLE = "daily-000001.airlock.tar";
    private static final String LIST = VolumeList.listName(BUNDLE);

    @TempDir
    Path root;

    @Test
    void aStrangersCopyOfTheArrivingCopySettledFirst_theDeliveredCopyIsWaitedForAndChosen() throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        OpenPgpKeys.Generated g = OpenPgpKeys.generate("Exporter <e@airlock.test>", null);
        BundleSigner signer = new BundleSigner(OpenPgpKeys.readSecretKey(Files.write(root.resolve("key.asc"), g.secretArmored())), null);
        TrustPolicy trust = new TrustPolicy(OpenPgpKeys.readCertificates(Files.write(root.resolve("cert.asc"), g.certArmored())), 1);
        byte[] volume = "the real volume".getBytes(StandardCharsets.UTF_8);
        byte[] list = new VolumeList(VolumeList.FORMAT, "daily", 1, BUNDLE, "sha256:" + "0".repeat(64), volume.length, volume.length,
                List.of(new VolumeList.Volume(BUNDLE + ".000", volume.length, Digest.sha256Of(volume).toString()))).toJson();
        old(Files.write(inbox.resolve(LIST), "{\"a stranger's\": true}".getBytes(StandardCharsets.UTF_8))); // held before
        old(Files.write(inbox.resolve(BUNDLE + ".000"), volume));
        old(Files.write(inbox.resolve(LIST + ".asc"), SignatureBlock.signNaming(list, List.of(signer))));
        String real = LIST + ".conflict-" + Digest.sha256Of(list).hex().substring(0, 16);
        Files.write(inbox.resolve(real), list); // the real list, just kept beside the name
        String his = LIST + ".conflict-0123456789abcdef";
        old(Files.write(inbox.resolve(his), list)); // the stranger's copy of its bytes, settled at once
        InboxScan scan = new InboxScan(inbox, Duration.ofMillis(500), InboxScan.MAX_FILES, trust);
        InboxScan.Candidate c = set(scan);
        assertTrue(c.state() != InboxScan.State.READY, "the stranger's copy takes the name: " + c.arrangement().promote());
        Thread.sleep(700);
        c = set(scan);
        assertEquals(InboxScan.State.READY, c.state(), c.note());
        assertEquals(List.of(inbox.resolve(real)), c.arrangement().promote());
        assertTrue(c.arrangement().squats().stream().anyMatch(s -> s.file().equals(inbox.resolve(his))), c.arrangement().squats().toString());
    }

    /** The same with a volume: the stranger's copy of the real volume kept beside his file under its name, named as its second copy. */
    @Test
    void aStrangersCopyOfTheArrivingVolumeSettledFirst_theDeliveredCopyIsWaitedForAndChosen() throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        OpenPgpKeys.Generated g = OpenPgpKeys.generate("Exporter <e@airlock.test>", null);
        BundleSigner signer = new BundleSigner(OpenPgpKeys.readSecretKey(Files.write(root.resolve("key.asc"), g.secretArmored())), null);
        TrustPolicy trust = new TrustPolicy(OpenPgpKeys.readCertificates(Files.write(root.resolve("cert.asc"), g.certArmored())), 1);
        byte[] volume = "the real volume".getBytes(StandardCharsets.UTF_8);
        byte[] list = new VolumeList(VolumeList.FORMAT, "daily", 1, BUNDLE, "sha256:" + "0".repeat(64), volume.length, volume.length,
                List.of(new VolumeList.Volume(BUNDLE + ".000", volume.length, Digest.sha256Of(volume).toString()))).toJson();
        old(Files.write(inbox.resolve(BUNDLE + ".000"), "his".getBytes(StandardCharsets.UTF_8))); // held before
        old(Files.write(inbox.resolve(LIST), list));
        old(Files.write(inbox.resolve(LIST + ".asc"), SignatureBlock.signNaming(list, List.of(signer))));
        String real = BUNDLE + ".000.conflict-" + Digest.sha256Of(volume).hex().substring(0, 16);
        Files.write(inbox.resolve(real), volume); // the real volume, just kept beside the name
        String his = real + "-2";
        old(Files.write(inbox.resolve(his), volume)); // the stranger's copy of its bytes, settled at once
        InboxScan scan = new InboxScan(inbox, Duration.ofMillis(500), InboxScan.MAX_FILES, trust);
        InboxScan.Candidate c = set(scan);
        assertTrue(c.state() != InboxScan.State.READY, "the stranger's copy takes the name: " + c.arrangement().promote());
        Thread.sleep(700);
        c = set(scan);
        assertEquals(InboxScan.State.READY, c.state(), c.note());
        assertEquals(List.of(inbox.resolve(real)), c.arrangement().promote());
    }

    private static InboxScan.Candidate set(InboxScan scan) throws Exception {
        return scan.scan().candidates().stream().filter(x -> x.key().equals(LIST)).findFirst().orElseThrow();
    }

    private static void old(Path p) throws Exception {
        Files.setLastModifiedTime(p, FileTime.from(Instant.now().minusSeconds(60)));
    }
}
