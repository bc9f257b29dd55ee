package dev.airlock.imports.inbox;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.imports.ImportRequest;
import dev.airlock.imports.TargetNaming;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass W (issue 17, R1): a thread that cannot be started while a real set is imported
 * ({@code OutOfMemoryError: unable to create native thread}, the process or its unit at its thread
 * limit: a stranger's opens left waiting in FIFOs hold one thread each, {@code UntrustedOpen}) is
 * no fault of the set's. Taken for a hostile file that exhausted the heap, the real signed set went
 * to rejected/. Here the import stands in for the failing thread start, once; the set must stay and
 * be tried again.
 */
class WatchThreadsExhaustedTest {
    private static final byte[] V0 = "the real volume 0".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path root;

    @Test
    void watch_aThreadThatCannotBeStarted_neverTakesTheRealSetToRejected() throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        SignedSetFixture.Keys k = SignedSetFixture.keys(root);
        byte[] list = SignedSetFixture.list(V0);
        SignedSetFixture.put(inbox, SignedSetFixture.LIST, list);
        SignedSetFixture.put(inbox, SignedSetFixture.LIST + ".asc", k.signer().sign(list));
        SignedSetFixture.put(inbox, SignedSetFixture.BUNDLE + ".000", V0);
        AtomicInteger calls = new AtomicInteger();
        CountDownLatch again = new CountDownLatch(1);
        List<String> lines = new CopyOnWriteArrayList<>();
        ImportRequest template = new ImportRequest(null, k.trust(), new TargetNaming("127.0.0.1:5000", List.of()), root.resolve("state"),
                1, false);
        InboxWatcher w = new InboxWatcher(inbox, new WatchOptions(Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofSeconds(1)),
                template, r -> {
                    if (calls.getAndIncrement() == 0) {
                        throw new OutOfMemoryError("unable to create native thread: possibly out of memory or process/resource limits reached");
                    }
                    again.countDown();
                    throw dev.airlock.error.AirlockException.local("the registry is away", null); // enough: tried again
                }, lines::add);
        Thread t = new Thread(w::run, "watch");
        t.start();
        try {
            boolean retried = again.await(10, TimeUnit.SECONDS);
            assertFalse(Files.exists(inbox.resolve(InboxLayout.REJECTED).resolve(SignedSetFixture.LIST)),
                    "the real set went to rejected/ for a thread that could not be started: " + String.join("\n", lines));
            assertTrue(retried, "the real set was never tried again: " + String.join("\n", lines));
        } finally {
            w.stop();
            t.join(20_000);
        }
    }
}
