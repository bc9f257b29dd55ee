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
 * Red-team pass V, V3 (rtv's reproduction): a stranger's file under a real set's volume name, swapped for a
 * FIFO after the import's size check and before its hashing opens it, held the import (and the watcher, every
 * channel behind it) until someone wrote the FIFO. Timed by inotify in the attack; here by a sleep while
 * two 256 MiB volumes are hashed first. The import must return (refusing the set) within seconds.
 */
class WatchVolumeFifoSwapTest {
    @TempDir
    Path root;

    @Test
    void theImportOfASetWhoseLastVolumeBecomesAFifo_returns() throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        SignedSetFixture.Keys k = SignedSetFixture.keys(root);
        String b = SignedSetFixture.BUNDLE;
        Path his = SignedSetFixture.setWithStrangersLastVolume(inbox, k);
        CountDownLatch done = StrangersLoop.inBackground("import",
                () -> BundleInput.open(inbox.resolve(SignedSetFixture.LIST), k.trust(), false).close());
        StrangersLoop.awaitOpen(inbox.resolve(b + ".000"), "the import"); // the stranger (inotify IN_OPEN on volume 000): the sizes are checked, the hashing has begun
        Files.delete(his);
        new ProcessBuilder("mkfifo", his.toString()).inheritIO().start().waitFor();
        boolean returned = done.await(15, TimeUnit.SECONDS);
        if (!returned) {
            new ProcessBuilder("sh", "-c", ": > " + his).start().waitFor(); // let it go
        }
        assertTrue(returned, "the import hangs in the open of the FIFO for as long as no one writes it");
    }
}
