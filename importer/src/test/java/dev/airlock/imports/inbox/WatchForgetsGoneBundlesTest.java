package dev.airlock.imports.inbox;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.bundle.VolumeList;
import dev.airlock.imports.ImportRequest;
import dev.airlock.imports.TargetNaming;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass K (issue 17): a long-running watch (or serve) remembers per bundle what it read of
 * it (its unsigned bundle.json, to order it) and per waiting bundle or channel what it last logged,
 * and forgets an entry only when that bundle is imported. A bundle that waits and then goes away
 * unimported (a forged delta whose parent never comes, a volume list whose volumes never come,
 * deleted or renamed by the sender that dropped it) stays in both maps for good: a sender renaming
 * one such file again and again (each rename wakes the watcher, and a back-dated file is settled at
 * once) grows the heap without bound, a few hundred bytes per rename. Read by reflection: the maps
 * are the watcher's own state, and their size is what is at stake.
 */
class WatchForgetsGoneBundlesTest {
    private static final int ROUNDS = 200;

    @TempDir
    Path root;

    @Test
    void watch_waitingBundlesThatGoAway_areForgotten() throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        FileTime old = FileTime.fromMillis(System.currentTimeMillis() - 60_000);
        List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        ImportRequest template = new ImportRequest(null, null, new TargetNaming("127.0.0.1:5000", List.of()), root.resolve("state"), 1, false);
        InboxWatcher w = new InboxWatcher(inbox, new WatchOptions(Duration.ofMillis(100), Duration.ofMillis(1), Duration.ofSeconds(1)),
                template, r -> {
                    throw new AssertionError("nothing here may be imported: " + r.bundle());
                }, lines::add);
        Thread t = new Thread(w::run, "watch");
        t.start();
        try {
            for (int i = 0; i < ROUNDS; i++) {
                Path held = forgedDelta(inbox.resolve(String.format("h%04d.airlock.tar", i)), "churn" + i, old);
                Path list = waitingList(inbox, String.format("v%04d.airlock.tar", i), old);
                awaitLine(lines, held.getFileName().toString());
                awaitLine(lines, list.getFileName().toString());
                Files.delete(held);
                Files.delete(list);
            }
            Path last = forgedDelta(inbox.resolve("zlast.airlock.tar"), "last", old);
            awaitLine(lines, last.getFileName().toString());
        } finally {
            w.stop();
            t.join(30_000);
        }
        int peeks = size(w, "peeks");
        int noted = size(w, "noted");
        assertTrue(peeks <= 10 && noted <= 10, "after " + ROUNDS + " waiting bundles came and went, the watcher still holds "
                + peeks + " read bundle.json files and " + noted + " logged topics");
    }

    private static void awaitLine(List<String> lines, String name) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < end) {
            if (lines.stream().anyMatch(l -> l.contains(name))) {
                return;
            }
            Thread.sleep(5);
        }
        throw new AssertionError("the watcher never logged " + name + ": " + lines.subList(Math.max(0, lines.size() - 8), lines.size()));
    }

    private static int size(InboxWatcher w, String field) throws Exception {
        Field f = InboxWatcher.class.getDeclaredField(field);
        f.setAccessible(true);
        return ((Map<?, ?>) f.get(w)).size();
    }

    /** A list whose one volume never comes: it waits, by design. */
    private static Path waitingList(Path inbox, String bundle, FileTime mtime) throws Exception {
        Path list = inbox.resolve(VolumeList.listName(bundle));
        Path part = inbox.resolve(list.getFileName() + ".part");
        Files.writeString(part, "{\"format\":\"airlock-volumes/v1\",\"channel\":\"c\",\"sequence\":1,\"bundle\":\"" + bundle
                + "\",\"bundleDigest\":\"sha256:" + "0".repeat(64) + "\",\"size\":1,\"volumeSize\":1,\"volumes\":[{\"name\":\""
                + bundle + ".000\",\"size\":1,\"digest\":\"sha256:" + "0".repeat(64) + "\"}]}");
        Files.setLastModifiedTime(part, mtime);
        return Files.move(part, list); // as senders deliver: a .part is never looked at
    }

    /** A bundle file whose unsigned bundle.json says a delta after sequence 4 of {@code channel}: it waits for a parent that never comes. */
    private static Path forgedDelta(Path to, String channel, FileTime mtime) throws Exception {
        return UnsignedBundles.write(to, "{\"format\":\"airlock-bundle/v1\",\"channel\":\"" + channel + "\",\"sequence\":\"5\",\"parent\":{\"sequence\":\"4\","
                + "\"digest\":\"sha256:" + "0".repeat(64) + "\"}}", mtime);
    }
}
