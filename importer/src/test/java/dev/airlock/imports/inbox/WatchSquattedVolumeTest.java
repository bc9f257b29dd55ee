package dev.airlock.imports.inbox;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.bundle.VolumeList;
import dev.airlock.error.AirlockException;
import dev.airlock.imports.ImportRequest;
import dev.airlock.imports.TargetNaming;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass L (issue 17): volume names are predictable ({@code CHANNEL-NNNNNN.airlock.tar.000}),
 * and a set's volumes arrive before its list. A stranger's empty file sent first under the name of
 * a volume of the next set makes the real volume arrive as {@code NAME.000.conflict-SHA16} (the
 * delivery rule never replaces): the set then waits for good ("incomplete: waiting for NAME.000 (0
 * of N bytes)"), and every later delta of its channel behind it, until an admin acts. The signed list
 * names each volume's size and sha256, so the real copy beside the name can be told from the
 * stranger's. (Found and left open by pass L: the test fails until that is built.)
 */
class WatchSquattedVolumeTest {
    private static final String BUNDLE = "daily-000001.airlock.tar";

    @TempDir
    Path root;

    @Test
    void watch_aStrangersFileUnderAVolumesName_doesNotKeepTheRealSetOut() throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        Files.createFile(inbox.resolve(BUNDLE + ".000")); // the stranger's, first
        Files.writeString(inbox.resolve(BUNDLE + ".000.conflict-2d711642b726b044"), "x"); // the real one, kept beside it
        Files.writeString(inbox.resolve(VolumeList.listName(BUNDLE) + ".asc"), "not a signature");
        Files.writeString(inbox.resolve(VolumeList.listName(BUNDLE)), "{\"format\":\"airlock-volumes/v1\",\"channel\":\"daily\","
                + "\"sequence\":1,\"bundle\":\"" + BUNDLE + "\",\"bundleDigest\":\"sha256:" + "0".repeat(64) + "\",\"size\":1,"
                + "\"volumeSize\":1,\"volumes\":[{\"name\":\"" + BUNDLE + ".000\",\"size\":1,\"digest\":\"sha256:"
                + "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881\"}]}");
        try (var s = Files.list(inbox)) {
            for (Path p : s.toList()) {
                Files.setLastModifiedTime(p, FileTime.from(Instant.now().minusSeconds(60)));
            }
        }
        CountDownLatch taken = new CountDownLatch(1);
        List<String> lines = new CopyOnWriteArrayList<>();
        ImportRequest template = new ImportRequest(null, null, new TargetNaming("127.0.0.1:5000", List.of()), root.resolve("state"), 1, false);
        InboxWatcher w = new InboxWatcher(inbox, new WatchOptions(Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofSeconds(1)),
                template, r -> {
                    taken.countDown();
                    throw AirlockException.malformed(r.bundle() + " is not a bundle"); // enough: it was tried
                }, lines::add);
        Thread t = new Thread(w::run, "watch");
        t.start();
        try {
            assertTrue(taken.await(10, TimeUnit.SECONDS), "the set whose real volume was kept as a conflict beside a stranger's empty"
                    + " file under its name was never tried: " + lines);
        } finally {
            w.stop();
            t.join(20_000);
        }
    }
}
