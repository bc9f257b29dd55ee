package dev.airlock.imports.inbox;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.bundle.BundleManifest;
import dev.airlock.digest.Digest;
import dev.airlock.imports.ImportRequest;
import dev.airlock.imports.ImportResult;
import dev.airlock.imports.TargetNaming;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass M (issue 17): a bundle's report name is predictable ({@code NAME.report.md}). A
 * stranger who can make a directory in a folder inbox (plain OpenSSH sftp, a shared directory,
 * media copied in) makes one under the next bundle's report name. The real bundle is imported; its
 * report "is not a regular file", so the watcher sets it aside to rejected/, which fails for a
 * directory (no hard link, no copy): the signed, already applied bundle was left to retry, every
 * retry a duplicate whose move failed again, and its channel waited with it for good: the next
 * bundle of the channel was never taken. A report that cannot be set aside is no veto on its bundle.
 */
class WatchStrayReportDirectoryTest {
    private static final String FIRST = "daily-000001.airlock.tar";
    private static final String SECOND = "daily-000002.airlock.tar";

    @TempDir
    Path root;

    @Test
    void watch_aDirectoryUnderTheNextBundlesReportName_doesNotStopItsChannel() throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        FileTime old = FileTime.fromMillis(System.currentTimeMillis() - 60_000);
        Files.createDirectories(inbox.resolve("daily-000001.airlock.report.md")); // the stranger's
        bundle(inbox.resolve(FIRST), "{\"format\":\"airlock-bundle/v1\",\"channel\":\"daily\",\"sequence\":\"1\",\"parent\":null}", old);
        bundle(inbox.resolve(SECOND), "{\"format\":\"airlock-bundle/v1\",\"channel\":\"daily\",\"sequence\":\"2\",\"parent\":null}", old);
        CountDownLatch second = new CountDownLatch(1);
        List<String> lines = new CopyOnWriteArrayList<>();
        ImportRequest template = new ImportRequest(null, null, new TargetNaming("127.0.0.1:5000", List.of()), root.resolve("state"), 1, false);
        InboxWatcher w = new InboxWatcher(inbox, new WatchOptions(Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofSeconds(1)),
                template, r -> {
                    String name = r.bundle().getFileName().toString();
                    long sequence = name.equals(FIRST) ? 1 : 2;
                    if (sequence == 2) {
                        second.countDown();
                    }
                    return applied(sequence);
                }, lines::add);
        Thread t = new Thread(w::run, "watch");
        t.start();
        try {
            assertTrue(second.await(10, TimeUnit.SECONDS), "a stranger's directory under the report name of " + FIRST
                    + " kept the next bundle of its channel out: " + lines);
            assertTrue(Files.exists(inbox.resolve("done").resolve(FIRST)), "the imported bundle goes to done/: " + lines);
        } finally {
            w.stop();
            t.join(20_000);
        }
    }

    /** What a signed bundle whose bundle.json names its report {@code daily-NNNNNN.airlock.report.md} imports as. */
    private static ImportResult applied(long sequence) {
        String report = String.format("daily-%06d.airlock.report.md", sequence);
        BundleManifest m = new BundleManifest(BundleManifest.FORMAT, "daily", sequence, null, "2026-01-01T00:00:00Z", "test", null,
                List.of(), List.of(), List.of(), new BundleManifest.Report(report, "0".repeat(64)));
        return new ImportResult(m, Digest.parse("sha256:" + String.valueOf(sequence).repeat(64)), List.of(), List.of(), 0, 0, 0, 0, 0,
                false);
    }

    private static Path bundle(Path to, String manifest, FileTime mtime) throws Exception {
        return UnsignedBundles.write(to, manifest, mtime);
    }
}
