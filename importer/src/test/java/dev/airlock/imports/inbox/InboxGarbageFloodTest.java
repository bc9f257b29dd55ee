package dev.airlock.imports.inbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.bundle.UntrustedBundle;
import dev.airlock.imports.ImportRequest;
import dev.airlock.imports.TargetNaming;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass I: a file named like a bundle whose bundle.json cannot be read goes before every
 * bundle that can (the import says why, and it is rejected). The watcher listed the whole inbox
 * again after each one: n empty {@code .tar} files from a sender (0 bytes: no byte quota stops
 * them) were n listings of up to n files, 20,000 of them some half an hour of CPU, and every real
 * bundle waited behind them. Each listing's unreadable files are all taken before the next listing.
 */
class InboxGarbageFloodTest {
    @TempDir
    Path root;

    @Test
    void manyEmptyTarFiles_takeAHandfulOfListings_notOneListingEach() throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        int n = 4000;
        FileTime old = FileTime.fromMillis(System.currentTimeMillis() - 60_000);
        for (int i = 0; i < n; i++) {
            Files.setLastModifiedTime(Files.createFile(inbox.resolve(String.format("g%06d.tar", i))), old);
        }
        AtomicInteger imports = new AtomicInteger();
        ImportRequest template = new ImportRequest(null, null, new TargetNaming("127.0.0.1:5000", List.of()), root.resolve("state"), 1, false);
        // The import of an empty file fails where UntrustedBundle opens it: the real refusal.
        InboxWatcher w = new InboxWatcher(inbox, new WatchOptions(Duration.ofMillis(100), Duration.ofMillis(1), Duration.ofSeconds(1)),
                template, r -> {
                    imports.incrementAndGet();
                    UntrustedBundle.open(r.bundle()).close();
                    throw new AssertionError("an empty file was opened as a bundle");
                }, line -> { });
        WatchSummary s = w.runOnce();
        assertEquals(n, imports.get());
        assertEquals(n, s.rejected());
        // Counted, not timed: each listing reads every file still there, so one per file was n listings of
        // up to n files (some 8 million entries read here). All of a listing's unreadable files are taken
        // before the next: a handful of scans, three listings each, whatever n is.
        assertTrue(w.listings() <= 30, n + " empty .tar files took " + w.listings() + " listings of the inbox to reject: it is listed again for each");
    }
}
