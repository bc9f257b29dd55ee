package dev.airlock.imports.inbox;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.error.AirlockException;
import dev.airlock.imports.ImportRequest;
import dev.airlock.imports.TargetNaming;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass T, T7: a bundle whose import fails for a reason not its own is tried again later,
 * and every later bundle of the channel its unsigned bundle.json names waits with it. A stranger who
 * can write the inbox sends a forged bundle naming the channel's next sequence, lets the watcher
 * read its bundle.json (what was read is kept while the file's size, modification time and inode
 * stay: its mode is none of them), then takes away its read permission (chmod 000, his own file):
 * run as airlock, the watcher's import fails "permission denied" (exit 1, not the bundle's fault)
 * every time, and the real bundle of that channel waits behind it for good. (Sent as a held delta,
 * nothing is raced: it is read while it waits for its parent, and made unreadable at leisure.) The
 * import stands in for the permission-denied failure, which a test run as root cannot get from the
 * file system (as WatchForgetsGoneRetriesTest); the forged file is another user's (nobody), the
 * real one the receivers'. (Run as root.)
 */
@EnabledIf("dev.airlock.imports.inbox.InboxScanConflictNamesExhaustedTest#asRoot")
class WatchStrangersRetryHoldsChannelTest {
    private static final int STRANGER = 65_534;

    @TempDir
    Path root;

    @Test
    void aStrangersBundleThatCannotBeRead_doesNotHoldItsChannelsRealBundle() throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        Files.setAttribute(inbox, "unix:mode", 01777);
        FileTime old = FileTime.fromMillis(System.currentTimeMillis() - 60_000);
        List<String> lines = new CopyOnWriteArrayList<>();
        List<String> tried = new CopyOnWriteArrayList<>();
        ImportRequest template = new ImportRequest(null, null, new TargetNaming("127.0.0.1:5000", List.of()), root.resolve("state"), 1, false);
        InboxWatcher w = new InboxWatcher(inbox, new WatchOptions(Duration.ofMillis(100), Duration.ofMillis(1), Duration.ofSeconds(1)),
                template, r -> {
                    String name = r.bundle().getFileName().toString();
                    tried.add(name);
                    if (name.startsWith("a-")) {
                        throw AirlockException.local("cannot read " + r.bundle() + ": permission denied", null);
                    }
                    throw AirlockException.untrusted("stands in for the real bundle's import");
                }, lines::add);
        Path forged = UnsignedBundles.write(inbox.resolve("a-forged.airlock.tar"), full("daily"), old);
        Files.setAttribute(forged, "unix:uid", STRANGER);
        Thread t = new Thread(w::run, "watch");
        t.start();
        try {
            awaitLine(lines, "retry in", "a-forged.airlock.tar");
            UnsignedBundles.write(inbox.resolve("daily-000001.airlock.tar"), full("daily"), old);
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(8);
            while (System.nanoTime() < end && !tried.contains("daily-000001.airlock.tar")) {
                Thread.sleep(20);
            }
        } finally {
            w.stop();
            t.join(30_000);
        }
        assertTrue(tried.contains("daily-000001.airlock.tar"), "the real bundle of channel daily was never tried: a stranger's bundle left"
                + " to retry holds the channel: " + lines.subList(Math.max(0, lines.size() - 6), lines.size()));
    }

    private static String full(String channel) {
        return "{\"format\":\"airlock-bundle/v1\",\"channel\":\"" + channel + "\",\"sequence\":\"1\",\"parent\":null}";
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
