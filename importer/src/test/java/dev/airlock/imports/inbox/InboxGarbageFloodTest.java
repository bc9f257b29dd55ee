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
    void manyEmptyTarFiles_eachCostsTheSame_notAListingOfAllThatAreLeft() throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        int n = 4000;
        FileTime old = FileTime.fromMillis(System.currentTimeMillis() - 60_000);
        for (int i = 0; i < n; i++) {
            Files.setLastModifiedTime(Files.createFile(inbox.resolve(String.format("g%06d.tar", i))), old);
        }
        AtomicInteger imports = new AtomicInteger();
        long[] at = new long[n + 1];
        ImportRequest template = new ImportRequest(null, null, new TargetNaming("127.0.0.1:5000", List.of()), root.resolve("state"), 1, false);
        // The import of an empty file fails where UntrustedBundle opens it: the real refusal.
        InboxWatcher w = new InboxWatcher(inbox, new WatchOptions(Duration.ofMillis(100), Duration.ofMillis(1), Duration.ofSeconds(1)),
                template, r -> {
                    at[imports.getAndIncrement()] = System.nanoTime();
                    UntrustedBundle.open(r.bundle()).close();
                    throw new AssertionError("an empty file was opened as a bundle");
                }, line -> { });
        WatchSummary s = w.runOnce();
        assertEquals(n, imports.get());
        assertEquals(n, s.rejected());
        // Each file costs its import and its move (fsyncs) alone: the first quarter takes about as long
        // as the last. A listing per file makes each cost grow with the files still there (some 3 times).
        long firstQuarter = at[n / 4] - at[0];
        long lastQuarter = at[n - 1] - at[n - 1 - n / 4];
        assertTrue(firstQuarter < 2 * lastQuarter, "the first " + n / 4 + " of " + n + " empty .tar files took " + firstQuarter / 1_000_000
                + " ms to reject, the last " + n / 4 + " " + lastQuarter / 1_000_000 + " ms: the inbox is listed again for each");
    }
}
