package dev.airlock.imports.inbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
 * Red-team pass L3: the copies kept beside a set's name are looked at, but a stranger must not make
 * the scan look at (and hash) as many as he sends: at most {@link SignedCopies#MAX_COPIES} a name,
 * by name; the rest are named and left where they are, looked at once those before them are gone.
 */
class InboxScanSquatBoundTest {
    private static final String BUNDLE = "daily-000001.airlock.tar";
    private static final String SHA_X = "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"; // sha256("x")

    @TempDir
    Path inbox;

    private Path file(String name, String content) throws IOException {
        Path p = Files.writeString(inbox.resolve(name), content);
        Files.setLastModifiedTime(p, FileTime.from(Instant.now().minusSeconds(60)));
        return p;
    }

    private static String copy(int i) {
        return BUNDLE + ".000.conflict-" + String.format("%016x", i);
    }

    @Test
    void copiesBesideAVolumesName_theFirstFourAreLookedAt_theRestNamedAndLeft() throws IOException {
        file(VolumeList.listName(BUNDLE), "{\"format\":\"airlock-volumes/v1\",\"channel\":\"daily\",\"sequence\":1,\"bundle\":\"" + BUNDLE
                + "\",\"bundleDigest\":\"sha256:" + "0".repeat(64) + "\",\"size\":1,\"volumeSize\":1,\"volumes\":[{\"name\":\"" + BUNDLE
                + ".000\",\"size\":1,\"digest\":\"sha256:" + SHA_X + "\"}]}");
        file(VolumeList.listName(BUNDLE) + ".asc", "a signature");
        Path squatter = file(BUNDLE + ".000", "");
        for (int i = 1; i <= 6; i++) {
            file(copy(i), i == 2 ? "x" : "not x " + i); // copy 2 is the real one; the others are not of the listed size
        }
        InboxScan.Result r = new InboxScan(inbox, Duration.ofMillis(10)).scan();
        InboxScan.Candidate c = r.candidates().get(0);
        assertEquals(InboxScan.State.READY, c.state(), c.note());
        assertEquals(List.of(inbox.resolve(copy(2))), c.arrangement().promote());
        assertEquals(List.of(squatter, inbox.resolve(copy(1)), inbox.resolve(copy(3)), inbox.resolve(copy(4))),
                c.arrangement().squats().stream().map(SignedCopies.Squat::file).toList());
        assertTrue(c.arrangement().squats().get(0).why().startsWith("squatted " + BUNDLE + ".000: "), c.arrangement().toString());
        for (int i = 5; i <= 6; i++) {
            String name = copy(i);
            assertTrue(r.ignored().stream().anyMatch(l -> l.startsWith("ignoring " + name + ": more than 4 copies are kept beside "
                    + BUNDLE + ".000")), r.ignored().toString());
        }
    }
}
