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
 * Red-team pass P, P3: the real list of a set arrives under its name (sent last, so it is the file
 * still settling); a stranger who can read the inbox copies its bytes beside it at once, his copy's
 * modification time set back so that it has settled first. The signed pair the search found was his
 * copy with the real signature (the same bytes verify alike), and the file under the name, changing,
 * was set aside at once (red-team pass O, O3): the real list went to rejected/ as "squatted", and the
 * stranger's copy, a file he may still write, took its name. The real list is waited for while it
 * settles, then kept under its name; the copy of its bytes is the one set aside.
 */
class InboxScanCopyOfArrivingListTest {
    private static final String BUNDLE = "daily-000001.airlock.tar";
    private static final String LIST = VolumeList.listName(BUNDLE);

    @TempDir
    Path root;

    @Test
    void aStrangersCopyOfTheArrivingListSettledFirst_theRealListIsWaitedForAndKept() throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        OpenPgpKeys.Generated g = OpenPgpKeys.generate("Exporter <e@airlock.test>", null);
        BundleSigner signer = new BundleSigner(OpenPgpKeys.readSecretKey(Files.write(root.resolve("key.asc"), g.secretArmored())), null);
        TrustPolicy trust = new TrustPolicy(OpenPgpKeys.readCertificates(Files.write(root.resolve("cert.asc"), g.certArmored())), 1);
        byte[] volume = "the real volume".getBytes(StandardCharsets.UTF_8);
        byte[] list = new VolumeList(VolumeList.FORMAT, "daily", 1, BUNDLE, "sha256:" + "0".repeat(64), volume.length, volume.length,
                List.of(new VolumeList.Volume(BUNDLE + ".000", volume.length, Digest.sha256Of(volume).toString()))).toJson();
        old(Files.write(inbox.resolve(BUNDLE + ".000"), volume));
        old(Files.write(inbox.resolve(LIST + ".asc"), SignatureBlock.signNaming(list, List.of(signer))));
        Files.write(inbox.resolve(LIST), list); // the real list, just arrived
        String copy = LIST + ".conflict-0123456789abcdef";
        old(Files.write(inbox.resolve(copy), list)); // the stranger's copy of its bytes, settled at once
        InboxScan scan = new InboxScan(inbox, Duration.ofMillis(500), InboxScan.MAX_FILES, trust);
        InboxScan.Candidate c = set(scan);
        assertTrue(c.state() != InboxScan.State.READY && c.arrangement().squats().isEmpty(),
                "the real list, still settling, is set aside: " + c.state() + " " + c.arrangement().squats());
        Thread.sleep(700);
        c = set(scan);
        assertEquals(InboxScan.State.READY, c.state(), c.note());
        assertTrue(c.files().contains(inbox.resolve(LIST)), "the list under its name is not the one imported: " + c.files());
        assertEquals(List.of(inbox.resolve(copy)), c.arrangement().squats().stream().map(SignedCopies.Squat::file).toList());
        assertTrue(c.arrangement().promote().isEmpty(), "a copy takes the real list's name: " + c.arrangement().promote());
    }

    private static InboxScan.Candidate set(InboxScan scan) throws Exception {
        return scan.scan().candidates().stream().filter(x -> x.key().equals(LIST)).findFirst().orElseThrow();
    }

    private static void old(Path p) throws Exception {
        Files.setLastModifiedTime(p, FileTime.from(Instant.now().minusSeconds(60)));
    }
}
