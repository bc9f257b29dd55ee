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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass L (issue 17): a stranger's file under the name of one more volume of a real set
 * ({@code NAME.tar.999}: set names are predictable, and any sender can make new names) no longer
 * refuses the set, but the watcher still waited for it to settle as if it were part of the set. A
 * stranger dropping one new unlisted {@code NAME.tar.NNN} every few hundred milliseconds (each
 * settling for the settle time when first seen) kept the real, complete set "still being written"
 * for as long as the trickle lasted: {@code watch} never took it, and {@code watch --once} never
 * ended. Only what the list names (and the list and its signature) decides whether a set has settled.
 */
class WatchStrangerVolumeTrickleTest {
    private static final String BUNDLE = "daily-000001.airlock.tar";

    @TempDir
    Path root;

    @Test
    void watch_aTrickleOfUnlistedVolumesBesideACompleteSet_doesNotHoldTheSet() throws Exception {
        Path inbox = completeSet();
        CountDownLatch taken = new CountDownLatch(1);
        InboxWatcher w = watcher(inbox, taken);
        Trickle trickle = new Trickle(inbox);
        Thread t = new Thread(w::run, "watch");
        try {
            Thread.sleep(500);
            t.start();
            assertTrue(taken.await(15, TimeUnit.SECONDS), "the complete set was not picked up in 15 s while " + trickle.dropped.get()
                    + " unlisted volumes trickled in beside it");
        } finally {
            trickle.stop();
            w.stop();
            t.join(20_000);
        }
    }

    @Test
    void watchOnce_aTrickleOfUnlistedVolumesBesideACompleteSet_takesTheSetAndEnds() throws Exception {
        Path inbox = completeSet();
        CountDownLatch taken = new CountDownLatch(1);
        InboxWatcher w = watcher(inbox, taken);
        Trickle trickle = new Trickle(inbox);
        Thread t = new Thread(w::runOnce, "watch-once");
        try {
            Thread.sleep(500);
            t.start();
            t.join(15_000);
            assertTrue(!t.isAlive(), "watch --once still running after 15 s while " + trickle.dropped.get()
                    + " unlisted volumes trickled in beside a complete set");
            assertTrue(taken.getCount() == 0, "watch --once ended without taking the complete set");
        } finally {
            trickle.stop();
            w.stop();
            t.join(20_000);
        }
    }

    private InboxWatcher watcher(Path inbox, CountDownLatch taken) {
        ImportRequest template = new ImportRequest(null, null, new TargetNaming("127.0.0.1:5000", List.of()), root.resolve("state"), 1, false);
        return new InboxWatcher(inbox, new WatchOptions(Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofSeconds(1)),
                template, r -> {
                    if (r.bundle().getFileName().toString().equals(VolumeList.listName(BUNDLE))) {
                        taken.countDown();
                    }
                    throw AirlockException.malformed(r.bundle() + " is not a bundle");
                }, line -> { });
    }

    /** A set of one one-byte volume, its list and its signature, all there and settled long ago. */
    private Path completeSet() throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        FileTime old = FileTime.from(Instant.now().minusSeconds(60));
        Files.writeString(inbox.resolve(BUNDLE + ".000"), "x");
        Files.writeString(inbox.resolve(VolumeList.listName(BUNDLE) + ".asc"), "not a signature");
        Files.writeString(inbox.resolve(VolumeList.listName(BUNDLE)), "{\"format\":\"airlock-volumes/v1\",\"channel\":\"daily\","
                + "\"sequence\":1,\"bundle\":\"" + BUNDLE + "\",\"bundleDigest\":\"sha256:" + "0".repeat(64) + "\",\"size\":1,"
                + "\"volumeSize\":1,\"volumes\":[{\"name\":\"" + BUNDLE + ".000\",\"size\":1,\"digest\":\"sha256:" + "0".repeat(64) + "\"}]}");
        try (var s = Files.list(inbox)) {
            for (Path p : s.toList()) {
                Files.setLastModifiedTime(p, old);
            }
        }
        return inbox;
    }

    /** A new empty {@code NAME.tar.NNN}, renamed in as senders deliver, every 300 ms. */
    private static final class Trickle {
        final AtomicInteger dropped = new AtomicInteger();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final Thread thread;

        Trickle(Path inbox) {
            thread = new Thread(() -> {
                try {
                    while (!stop.get()) {
                        String name = BUNDLE + "." + (900 + dropped.incrementAndGet());
                        Path part = inbox.resolve("." + name + ".part");
                        Files.createFile(part);
                        Files.move(part, inbox.resolve(name));
                        Thread.sleep(300);
                    }
                } catch (Exception e) {
                    // the test ends
                }
            }, "trickle");
            thread.start();
        }

        void stop() throws InterruptedException {
            stop.set(true);
            thread.join(5_000);
        }
    }
}
