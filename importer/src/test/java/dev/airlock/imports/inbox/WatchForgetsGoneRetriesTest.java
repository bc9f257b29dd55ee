package dev.airlock.imports.inbox;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.error.AirlockException;
import dev.airlock.imports.ImportRequest;
import dev.airlock.imports.TargetNaming;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass K (issue 17): a long-running watch remembers when to try again a bundle whose
 * import failed for a reason not its own, and forgot it only when that bundle was imported or
 * rejected. A sender's file that cannot be read by the watcher's user (mode 000: permission
 * denied, exit 1, tried again later) and is then renamed or deleted stayed for good: renaming one
 * such file again and again grew the heap without bound. The import stands in for the real
 * permission-denied failure, which a test running as root cannot get from the file system. Read
 * by reflection: the map is the watcher's own state, and its size is what is at stake.
 */
class WatchForgetsGoneRetriesTest {
    private static final int ROUNDS = 200;

    @TempDir
    Path root;

    @Test
    void watch_bundlesLeftForRetryThatGoAway_areForgotten() throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        FileTime old = FileTime.fromMillis(System.currentTimeMillis() - 60_000);
        List<String> lines = new CopyOnWriteArrayList<>();
        ImportRequest template = new ImportRequest(null, null, new TargetNaming("127.0.0.1:5000", List.of()), root.resolve("state"), 1, false);
        InboxWatcher w = new InboxWatcher(inbox, new WatchOptions(Duration.ofMillis(100), Duration.ofMillis(1), Duration.ofSeconds(1)),
                template, r -> {
                    throw AirlockException.local("cannot read " + r.bundle() + ": permission denied", null);
                }, lines::add);
        Thread t = new Thread(w::run, "watch");
        t.start();
        try {
            for (int i = 0; i < ROUNDS; i++) {
                String name = String.format("r%04d.airlock.tar", i);
                Path part = inbox.resolve(name + ".part");
                Files.writeString(part, "x");
                Files.setLastModifiedTime(part, old);
                Path bundle = Files.move(part, inbox.resolve(name));
                awaitLine(lines, "retry in", name);
                Files.delete(bundle);
            }
        } finally {
            w.stop();
            t.join(30_000);
        }
        Field f = InboxWatcher.class.getDeclaredField("retries");
        f.setAccessible(true);
        int retries = ((Map<?, ?>) f.get(w)).size();
        assertTrue(retries <= 10, "after " + ROUNDS + " bundles left for retry went away, the watcher still holds " + retries + " retries");
    }

    private static void awaitLine(List<String> lines, String what, String name) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < end) {
            if (lines.stream().anyMatch(l -> l.contains(what) && l.contains(name))) {
                return;
            }
            Thread.sleep(5);
        }
        throw new AssertionError("the watcher never logged " + what + " " + name + ": " + lines.subList(Math.max(0, lines.size() - 5), lines.size()));
    }
}
