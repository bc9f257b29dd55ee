package dev.airlock.imports.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Red-team pass X (issue 17, R3): a {@code .part}'s delivery ran under serve's one server-wide
 * monitor ({@link OpenWriters}), and with it the fsync and, when the name is taken (by any user: his
 * own earlier upload will do), the sha256 of the whole {@code .part} for its conflict name, and a
 * byte-by-byte compare with a copy of the same size. One authorized key renaming a {@code .part} of
 * hundreds of GiB (sparse: holes count against --min-free only while written, and he writes one byte
 * at the end) onto a name of his held every other key's open, close and rename of a {@code .part}
 * for as long as the hashing took, again at each try. Here the delivery is held by a latch, as by
 * the hashing; another key's {@code .part} (another path) must still open and close.
 */
class OpenWritersHeldDeliveryTest {
    @Test
    void anotherKeysPartOpensAndCloses_whileOneKeysDeliveryRuns() throws Exception {
        OpenWriters writers = new OpenWriters();
        Path his = Path.of("/inbox/.airlock-serve-parts/HISKEY/x.tar.part");
        Path real = Path.of("/inbox/.airlock-serve-parts/REALKEY/daily.tar.part");
        CountDownLatch hashing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<Integer> delivery = pool.submit(() -> writers.deliverIfNoneOpen(his, () -> {
                hashing.countDown();
                try {
                    release.await(60, TimeUnit.SECONDS); // the sha256 of hundreds of GiB
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
            hashing.await(10, TimeUnit.SECONDS);
            Future<String> push = pool.submit(() -> {
                String handle = writers.open(real, () -> "handle");
                writers.closed(real);
                return handle;
            });
            String got;
            try {
                got = push.get(5, TimeUnit.SECONDS);
            } finally {
                release.countDown();
            }
            assertEquals("handle", got);
            assertEquals(0, delivery.get(10, TimeUnit.SECONDS));
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("another key's .part could not be opened while one key's delivery ran: the delivery holds the"
                    + " server-wide monitor", e);
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
    }

    @Test
    void aPartIsNotOpenedForWritingWhileItIsDelivered() throws Exception {
        OpenWriters writers = new OpenWriters();
        Path p = Path.of("/inbox/.airlock-serve-parts/KEY/x.tar.part");
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<Integer> delivery = pool.submit(() -> writers.deliverIfNoneOpen(p, () -> {
                inside.countDown();
                try {
                    release.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
            inside.await(10, TimeUnit.SECONDS);
            Future<Object> open = pool.submit(() -> writers.open(p, () -> "handle"));
            Object r;
            try {
                r = open.get(3, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                r = e.getCause();
            } catch (java.util.concurrent.TimeoutException e) {
                r = "waited"; // the open waits for the delivery: also safe
            }
            assertEquals(true, r instanceof java.io.IOException || "waited".equals(r), "opened for writing while delivered: " + r);
            release.countDown();
            assertEquals(0, delivery.get(10, TimeUnit.SECONDS));
            if ("waited".equals(r)) {
                open.get(10, TimeUnit.SECONDS);
                assertEquals(1, writers.count(p), "the open that waited is counted once it went through");
            } else {
                assertEquals(0, writers.count(p), "a refused open is not counted");
            }
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
    }
}
