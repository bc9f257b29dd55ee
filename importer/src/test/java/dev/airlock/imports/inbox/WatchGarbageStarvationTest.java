package dev.airlock.imports.inbox;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.bundle.UntrustedBundle;
import dev.airlock.error.AirlockException;
import dev.airlock.imports.ImportRequest;
import dev.airlock.imports.TargetNaming;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass L (issue 17): a file named like a bundle whose bundle.json cannot be read is taken
 * before every bundle that can, all of one listing's at once, and only a listing with none of them
 * lets a real bundle go. A stranger who renames one new empty {@code .tar} into the inbox every few
 * milliseconds (back-dated, so settled at first sight; fewer than the watcher rejects in the time)
 * leaves one in every listing: the real bundle lying there the whole time is never taken while the
 * trickle lasts. The real bundle goes before the next batch of unreadable ones.
 */
class WatchGarbageStarvationTest {
    @TempDir
    Path root;

    @Test
    void watch_aSteadyTrickleOfUnreadableFiles_doesNotStarveAReadyBundle() throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        FileTime old = FileTime.fromMillis(System.currentTimeMillis() - 60_000);
        Path real = fullBundle(inbox.resolve("daily-000001.airlock.tar"), old);
        CountDownLatch taken = new CountDownLatch(1);
        AtomicInteger garbage = new AtomicInteger();
        ImportRequest template = new ImportRequest(null, null, new TargetNaming("127.0.0.1:5000", List.of()), root.resolve("state"), 1, false);
        InboxWatcher w = new InboxWatcher(inbox, new WatchOptions(Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofSeconds(1)),
                template, r -> {
                    if (r.bundle().getFileName().equals(real.getFileName())) {
                        taken.countDown();
                        throw AirlockException.malformed("enough: it was taken");
                    }
                    garbage.incrementAndGet();
                    UntrustedBundle.open(r.bundle()).close(); // the real refusal of an empty file
                    throw new AssertionError("an empty file was opened as a bundle");
                }, line -> { });
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger dropped = new AtomicInteger();
        Thread trickle = new Thread(() -> {
            try {
                while (!stop.get()) {
                    String name = String.format("g%07d.tar", dropped.incrementAndGet());
                    Path part = Files.createFile(inbox.resolve("." + name + ".part"));
                    Files.setLastModifiedTime(part, old);
                    Files.move(part, inbox.resolve(name));
                    Thread.sleep(5);
                }
            } catch (Exception e) {
                // the test ends
            }
        }, "trickle");
        Thread t = new Thread(w::run, "watch");
        try {
            trickle.start();
            Thread.sleep(200);
            t.start();
            assertTrue(taken.await(15, TimeUnit.SECONDS), "a ready bundle was not taken in 15 s while " + dropped.get()
                    + " empty .tar files trickled in (" + garbage.get() + " of them rejected meanwhile)");
        } finally {
            stop.set(true);
            trickle.join(5_000);
            w.stop();
            t.join(30_000);
        }
    }

    /** A bundle whose (unsigned) bundle.json says a full bundle: ready at once. */
    private static Path fullBundle(Path to, FileTime mtime) throws Exception {
        return UnsignedBundles.write(to, "{\"format\":\"airlock-bundle/v1\",\"channel\":\"daily\",\"sequence\":\"1\",\"parent\":null}", mtime);
    }
}
