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
 * Red-team pass L3 and N: the copies kept beside a set's name are looked at, but a stranger must not
 * make the scan hash as many as he sends, nor keep the real copy out by sending more than a fixed
 * count that sort before it: a copy's name carries the first 16 hex digits of its sha256, so only
 * the copies named by the listed sha256 can be the volume and only they are hashed; every other copy
 * beside the name is set aside as a squatter, however many there are.
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
    void fiftyCopiesOfTheListedSizeBesideAVolumesName_sortedFirst_theOneNamedByTheListedSha256IsChosen_theRestSetAside() throws IOException {
        file(VolumeList.listName(BUNDLE), "{\"format\":\"airlock-volumes/v1\",\"channel\":\"daily\",\"sequence\":1,\"bundle\":\"" + BUNDLE
                + "\",\"bundleDigest\":\"sha256:" + "0".repeat(64) + "\",\"size\":1,\"volumeSize\":1,\"volumes\":[{\"name\":\"" + BUNDLE
                + ".000\",\"size\":1,\"digest\":\"sha256:" + SHA_X + "\"}]}");
        file(VolumeList.listName(BUNDLE) + ".asc", "a signature");
        Path squatter = file(BUNDLE + ".000", "");
        List<Path> strangers = new java.util.ArrayList<>(List.of(squatter));
        for (int i = 1; i <= 50; i++) {
            strangers.add(file(copy(i), "x")); // of the listed size, even the listed bytes, but not named by them: never the volume
        }
        Path real = file(BUNDLE + ".000.conflict-" + SHA_X.substring(0, 16), "x");
        InboxScan.Result r = new InboxScan(inbox, Duration.ofMillis(10)).scan();
        InboxScan.Candidate c = r.candidates().get(0);
        assertEquals(InboxScan.State.READY, c.state(), c.note());
        assertEquals(List.of(real), c.arrangement().promote());
        assertEquals(strangers, c.arrangement().squats().stream().map(SignedCopies.Squat::file).toList());
        assertTrue(c.arrangement().squats().get(0).why().startsWith("squatted " + BUNDLE + ".000: "), c.arrangement().toString());
        assertTrue(r.ignored().isEmpty(), r.ignored().toString());
    }
}
