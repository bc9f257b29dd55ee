package dev.airlock.imports.inbox;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.imports.ImportRequest;
import dev.airlock.imports.TargetNaming;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass I: the watcher remembers each message it logged under a topic, to log it again
 * only when it changes or as a reminder, and never forgets a topic. The topic of a skipped file is
 * the whole message, count included ("ignoring 481 more files…"), so every scan that sees another
 * count or another stray name adds an entry for good: a sender adding a file now and then grows
 * the heap of a long-running watch (or serve) without bound. Read by reflection: the map is the
 * watcher's own state, and its size is what is at stake.
 */
class WatcherNotedBoundTest {
    @TempDir
    Path root;

    @Test
    void topicsOfSkippedFiles_doNotGrowWithEachNewCount() throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        ImportRequest template = new ImportRequest(null, null, new TargetNaming("127.0.0.1:5000", List.of()), root.resolve("state"), 1, false);
        InboxWatcher w = new InboxWatcher(inbox, new WatchOptions(Duration.ofMillis(100), Duration.ofMillis(1), Duration.ofSeconds(1)),
                template, r -> {
                    throw new AssertionError("nothing here is a bundle");
                }, line -> { });
        for (int i = 0; i < 300; i++) {
            Files.createFile(inbox.resolve(String.format("stray%04d", i)));
            w.runOnce();
        }
        Field f = InboxWatcher.class.getDeclaredField("noted");
        f.setAccessible(true);
        int size = ((Map<?, ?>) f.get(w)).size();
        assertTrue(size <= 2 * InboxScan.STRAYS_NAMED + 10, "the watcher holds " + size + " topics after 300 scans of one growing inbox");
    }
}
