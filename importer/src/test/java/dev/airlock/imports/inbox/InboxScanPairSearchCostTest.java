package dev.airlock.imports.inbox;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.bundle.VolumeList;
import dev.airlock.crypto.BundleSigner;
import dev.airlock.crypto.OpenPgpKeys;
import dev.airlock.crypto.TrustPolicy;
import dev.airlock.digest.Digest;
import java.nio.charset.StandardCharsets;
import org.bouncycastle.openpgp.PGPSecretKeyRing;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import dev.airlock.crypto.SignatureBlock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass O, O2: the search for a set's signed list checked every pair of a list and a
 * signature delivered before the real pair, so its work grew with the square of a stranger's copies
 * while his grew with their number: 150 lists of this set and 150 real signatures by the trusted key
 * over other files (last month's .asc files), sent first, took 67 scans and 16 s of CPU; 9,000 of each
 * would have taken about 16 hours of one core. The exporter's volume-list signatures name the sha256
 * of the list they sign (a hashed notation, {@link dev.airlock.crypto.BundleSigner#SIGNED_SHA256}),
 * so the real signature is checked against the real list only, after each copy is read once.
 */
class InboxScanPairSearchCostTest {
    private static final String BUNDLE = SignedSetFixture.BUNDLE;
    private static final String LIST = SignedSetFixture.LIST;

    @TempDir
    Path root;

    @Test
    void aHundredAndFiftyListsAndTrustedKeySignaturesSentFirst_theSignedPairIsFoundInAFewScans() throws Exception {
        found(false);
    }

    /** The same with every stranger's signature forged to name the sha256 of one of his lists: one check each. */
    @Test
    void aHundredAndFiftyListsAndSignaturesNamingThemSentFirst_theSignedPairIsFoundInAFewScans() throws Exception {
        found(true);
    }

    private void found(boolean strangersName) throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        SignedSetFixture.Keys keys = SignedSetFixture.keys(root);
        BundleSigner signer = keys.signer();
        TrustPolicy trust = keys.trust();
        PGPSecretKeyRing stranger = keys.stranger();
        for (int i = 0; i < 150; i++) {
            byte[] forged = SignedSetFixture.list(("a stranger's volume " + i).getBytes(StandardCharsets.UTF_8));
            byte[] sig = strangersName ? InboxScanNamingCopiesCostTest.forgedNaming(signer, stranger, forged, 1) : signer.sign(("last month's " + i).getBytes(StandardCharsets.UTF_8));
            SignedSetFixture.put(inbox, LIST + ".conflict-00" + String.format("%014x", i), forged);
            SignedSetFixture.put(inbox, LIST + ".asc.conflict-00" + String.format("%014x", i), sig);
        }
        Thread.sleep(20);
        byte[] volume = "the real volume".getBytes(StandardCharsets.UTF_8);
        byte[] list = SignedSetFixture.list(volume);
        byte[] asc = SignatureBlock.signNaming(list, List.of(signer)); // as the exporter signs a volume list
        SignedSetFixture.put(inbox, BUNDLE + ".000", volume);
        SignedSetFixture.put(inbox, LIST + ".conflict-" + Digest.sha256Of(list).hex().substring(0, 16), list);
        SignedSetFixture.put(inbox, LIST + ".asc.conflict-" + Digest.sha256Of(asc).hex().substring(0, 16), asc);
        InboxScan scan = new InboxScan(inbox, Duration.ofMillis(10), InboxScan.MAX_FILES, trust);
        int scans = 0;
        InboxScan.Candidate c = null;
        while ((c == null || c.state() != InboxScan.State.READY) && scans < 100) {
            scans++;
            c = scan.scan().candidates().stream().filter(x -> x.key().equals(LIST)).findFirst().orElse(null);
        }
        assertTrue(scans <= 5, "the signed pair was found after " + scans + " scans");
    }
}
