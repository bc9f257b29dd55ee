package dev.airlock.imports.inbox;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.airlock.bundle.VolumeList;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass N (issue 17): a copy's name carries its own sha256 ({@code NAME.conflict-SHA16}), so a
 * stranger who sends first under a volume's name, then four other files under it, chooses names that
 * sort before the real copy's (a few hundred tries give a hash starting {@code 000}). Only the first
 * {@link SignedCopies#MAX_COPIES} copies by name were looked at: the real volume, kept beside them,
 * was never looked at, and the set waited as incomplete for good, its channel with it.
 */
class InboxScanSquatOrderTest {
    private static final String BUNDLE = "daily-000001.airlock.tar";
    private static final String SHA_X = "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"; // sha256("x")

    @TempDir
    Path inbox;

    private Path file(String name, String content) throws IOException {
        Path p = Files.writeString(inbox.resolve(name), content);
        Files.setLastModifiedTime(p, FileTime.from(Instant.now().minusSeconds(60)));
        return p;
    }

    /**
     * A list kept beside an empty name is its set's key, but counted as one: a stranger's list copies
     * left beside names whose lists went (tried alone and rejected), sorted before the real bundles and
     * more than a scan holds, must not keep them out of every scan.
     */
    @Test
    void listCopiesBesideEmptyNames_pastTheBound_doNotKeepTheNextBundlesOut() throws IOException {
        for (int i = 0; i < 6; i++) {
            file("a" + i + VolumeList.SUFFIX + ".conflict-000000000000000" + i, "not a list");
            file("a" + i + VolumeList.SUFFIX + ".conflict-000000000000001" + i, "not a list either");
        }
        file("z-000001.airlock.tar", "x");
        InboxScan scan = new InboxScan(inbox, Duration.ofMillis(10), 4);
        boolean seen = false;
        for (int pass = 0; pass < 10 && !seen; pass++) {
            seen = scan.scan().candidates().stream().anyMatch(c -> c.key().equals("z-000001.airlock.tar"));
        }
        org.junit.jupiter.api.Assertions.assertTrue(seen, "the real bundle was in no scan");
    }

    @Test
    void fourStrangersCopiesSortedBeforeTheRealOne_theRealVolumeIsStillChosen() throws IOException {
        file(VolumeList.listName(BUNDLE), "{\"format\":\"airlock-volumes/v1\",\"channel\":\"daily\",\"sequence\":1,\"bundle\":\"" + BUNDLE
                + "\",\"bundleDigest\":\"sha256:" + "0".repeat(64) + "\",\"size\":1,\"volumeSize\":1,\"volumes\":[{\"name\":\"" + BUNDLE
                + ".000\",\"size\":1,\"digest\":\"sha256:" + SHA_X + "\"}]}");
        file(VolumeList.listName(BUNDLE) + ".asc", "a signature");
        file(BUNDLE + ".000", "");
        for (int i = 1; i <= 4; i++) {
            file(BUNDLE + ".000.conflict-000" + String.format("%013x", i), "y"); // the stranger's: of the listed size, other bytes
        }
        Path real = file(BUNDLE + ".000.conflict-" + SHA_X.substring(0, 16), "x"); // as the delivery rule names the real one
        InboxScan.Candidate c = new InboxScan(inbox, Duration.ofMillis(10)).scan().candidates().get(0);
        assertEquals(InboxScan.State.READY, c.state(), c.note());
        assertEquals(List.of(real), c.arrangement().promote());
    }
}
