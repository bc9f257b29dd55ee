package dev.airlock.imports.inbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.bundle.VolumeList;
import dev.airlock.crypto.BundleSigner;
import dev.airlock.crypto.OpenPgpKeys;
import dev.airlock.crypto.TrustPolicy;
import dev.airlock.digest.Digest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass O: the search for a set's signed list among a stranger's copies goes on "at the
 * next scan", but only while the set is in every scan. A crowded inbox takes its bundles in turns
 * ({@link InboxScan#MAX_FILES}), and a scan that did not hold the set forgot how far its search had
 * come: a stranger who adds a second set of copies of his own (beside an empty list name, never
 * imported, never moved) makes the two sets alternate, and a search that needs more than one scan's
 * budget starts over each time, the real set never found, the watcher scanning every 0.1 s for good.
 */
class InboxScanSearchRotationTest {
    private static final String BUNDLE = "daily-000001.airlock.tar";
    private static final String LIST = VolumeList.listName(BUNDLE);
    private static final String DECOY = VolumeList.listName("aaa-000001.airlock.tar");
    private static final byte[] VOLUME = "the real volume".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path root;

    private static byte[] list(byte[] volume) {
        return new VolumeList(VolumeList.FORMAT, "daily", 1, BUNDLE, "sha256:" + "0".repeat(64), volume.length, volume.length,
                List.of(new VolumeList.Volume(BUNDLE + ".000", volume.length, Digest.sha256Of(volume).toString()))).toJson();
    }

    private static String copyOf(String name, byte[] bytes) {
        return name + ".conflict-" + Digest.sha256Of(bytes).hex().substring(0, 16);
    }

    private static void put(Path inbox, String name, byte[] bytes) throws IOException {
        Path p = Files.write(inbox.resolve(name), bytes);
        Files.setLastModifiedTime(p, FileTime.from(Instant.now().minusSeconds(60))); // settled; its status-change time is now
    }

    @Test
    void aStrangersSecondSetOfCopies_makingTheScansTakeTurns_doesNotKeepTheSignedListFromEverBeingFound() throws Exception {
        assertFoundWhileTakingTurns(DECOY, false);
    }

    /**
     * The same with the stranger's set last by name, and an import in its turn each time (a forged
     * bundle of his there, rejected): the scan after an import takes the same bundles again
     * ({@link InboxScan#again}), which must not count as one more round of scans without the real set.
     */
    @Test
    void anImportInTheStrangersTurn_repeatingIt_doesNotMakeTheSearchForgetTheRealSet() throws Exception {
        assertFoundWhileTakingTurns(VolumeList.listName("zzz-000001.airlock.tar"), true);
    }

    private void assertFoundWhileTakingTurns(String decoy, boolean importInItsTurn) throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        OpenPgpKeys.Generated g = OpenPgpKeys.generate("Exporter <e@airlock.test>", null);
        BundleSigner signer = new BundleSigner(OpenPgpKeys.readSecretKey(Files.write(root.resolve("key.asc"), g.secretArmored())), null);
        TrustPolicy trust = new TrustPolicy(OpenPgpKeys.readCertificates(Files.write(root.resolve("cert.asc"), g.certArmored())), 1);
        // the stranger's: 40 lists of this set and 40 real signatures by the trusted key over other files, sent first
        for (int i = 0; i < 40; i++) {
            put(inbox, LIST + ".conflict-00" + String.format("%014x", i), list(("a stranger's volume " + i).getBytes(StandardCharsets.UTF_8)));
            put(inbox, LIST + ".asc.conflict-00" + String.format("%014x", i), signer.sign(("last month's list " + i).getBytes(StandardCharsets.UTF_8)));
        }
        // and 30 copies beside the list name of a set that never comes: its own "bundle" in the scan's turns
        for (int i = 0; i < 30; i++) {
            put(inbox, decoy + ".conflict-00" + String.format("%014x", i), ("not a list " + i).getBytes(StandardCharsets.UTF_8));
        }
        Thread.sleep(20);
        byte[] list = list(VOLUME);
        put(inbox, BUNDLE + ".000", VOLUME); // the real set, delivered after them
        put(inbox, copyOf(LIST, list), list);
        put(inbox, copyOf(LIST + ".asc", signer.sign(list)), signer.sign(list));

        InboxScan scan = new InboxScan(inbox, Duration.ofMillis(10), 100, trust); // a crowded inbox, scaled down
        List<String> seen = new ArrayList<>();
        InboxScan.Candidate real = null;
        for (int i = 0; i < 200 && (real == null || real.state() != InboxScan.State.READY); i++) {
            boolean held = false;
            for (InboxScan.Candidate c : scan.scan().candidates()) {
                if (c.key().equals(LIST)) {
                    real = c;
                    held = true;
                    seen.add(c.state() + " " + c.note());
                }
            }
            if (!held && importInItsTurn) {
                scan.again(); // an import in the stranger's turn: the next scan takes the same bundles
                scan.scan();
            }
        }
        assertTrue(real != null, "the set was never in a scan");
        assertEquals(InboxScan.State.READY, real.state(), "after 200 scans (" + seen.size() + " holding the set): "
                + seen.subList(Math.max(0, seen.size() - 3), seen.size()));
    }
}
