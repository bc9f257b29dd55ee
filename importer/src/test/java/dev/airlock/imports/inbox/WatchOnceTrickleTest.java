package dev.airlock.imports.inbox;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.error.AirlockException;
import dev.airlock.imports.ImportRequest;
import dev.airlock.imports.TargetNaming;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass K (issue 17): {@code watch --once} (the README's way for cron) waits for a file
 * that is still settling, so that a bundle being written when the run starts is taken once
 * complete. It waited as well for every file that arrived during the run: a stranger dropping one
 * small new file every few hundred milliseconds (each settling for the settle time when first
 * seen) kept the run going for as long as the trickle lasted, and cron's next runs found the inbox
 * locked. A file that arrives after the run began is the next run's.
 */
class WatchOnceTrickleTest {
    @TempDir
    Path root;

    @Test
    void watchOnce_aTrickleOfNewFilesDuringTheRun_doesNotKeepItGoing() throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        ImportRequest template = new ImportRequest(null, null, new TargetNaming("127.0.0.1:5000", List.of()), root.resolve("state"), 1, false);
        InboxWatcher w = new InboxWatcher(inbox, new WatchOptions(Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofSeconds(1)),
                template, r -> {
                    throw AirlockException.malformed(r.bundle() + " is not a bundle");
                }, line -> { });
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger dropped = new AtomicInteger();
        Thread trickle = new Thread(() -> {
            try {
                while (!stop.get()) {
                    String name = String.format("t%05d.airlock.tar", dropped.incrementAndGet());
                    Path part = inbox.resolve("." + name + ".part");
                    Files.writeString(part, "x");
                    Files.move(part, inbox.resolve(name));
                    Thread.sleep(300);
                }
            } catch (Exception e) {
                // the test ends
            }
        }, "trickle");
        trickle.start();
        Thread t = new Thread(w::runOnce, "watch-once");
        try {
            Thread.sleep(500);
            t.start();
            t.join(20_000);
            assertTrue(!t.isAlive(), "watch --once still running after 20 s while " + dropped.get() + " small files trickled in");
        } finally {
            stop.set(true);
            w.stop();
            t.join(20_000);
            trickle.join(5_000);
        }
    }
}
