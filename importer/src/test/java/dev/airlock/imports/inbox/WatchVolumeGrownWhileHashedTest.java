package dev.airlock.imports.inbox;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.bundle.BundleInput;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass W (issue 17, R5): a stranger's file under a real set's volume name, of the listed
 * size when the import checks the sizes, made a sparse file of terabytes (one ftruncate, no disk)
 * once the import hashes the volumes before it (inotify IN_OPEN), was hashed to its end: hours of
 * reading zeros per try, the import, the watcher and every channel behind it held meanwhile (a link
 * to /dev/zero put in its place, followed, never ended). A volume is read no further than its listed
 * size and one byte. Timed here as in {@link WatchVolumeFifoSwapTest}.
 */
class WatchVolumeGrownWhileHashedTest {
    @TempDir
    Path root;

    @Test
    void theImportOfASetWhoseLastVolumeGrowsToTerabytesWhileHashed_returns() throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        SignedSetFixture.Keys k = SignedSetFixture.keys(root);
        String b = SignedSetFixture.BUNDLE;
        Path his = SignedSetFixture.setWithStrangersLastVolume(inbox, k);
        CountDownLatch done = StrangersLoop.inBackground("import",
                () -> BundleInput.open(inbox.resolve(SignedSetFixture.LIST), k.trust(), false).close());
        StrangersLoop.awaitOpen(inbox.resolve(b + ".000"), "the import"); // the sizes are checked, the hashing has begun
        StrangersLoop.truncate(his, 4L << 40); // 4 TiB, sparse
        boolean returned = done.await(60, TimeUnit.SECONDS);
        StrangersLoop.truncate(his, 0); // let it go
        assertTrue(returned, "the import hashes a volume grown to 4 TiB after its size was checked, to its end");
    }
}
