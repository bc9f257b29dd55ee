package dev.airlock.imports.inbox;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.error.AirlockException;
import dev.airlock.imports.ImportRequest;
import dev.airlock.imports.TargetNaming;
import dev.airlock.report.ReportFile;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass O: a bundle waits while its report {@code NAME.report.md} is still being written, so
 * that the two move together. The report's name is predictable and anyone who can write into the
 * inbox can put a file there and keep writing to it (a byte every few hundred milliseconds): the
 * bundle, complete and settled, was "still being written" for as long as he kept on, and the log said
 * nothing. A report is never a veto on its bundle (one that does not match is set aside after the
 * import), so it cannot be a reason to wait for good either.
 */
class WatchReportKeptWritingTest {
    private static final String BUNDLE = "daily-000001.airlock.tar";

    @TempDir
    Path root;

    @Test
    void watch_aStrangerKeepsWritingAFileUnderTheBundlesReportName_theBundleIsStillTried() throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        Files.writeString(inbox.resolve(BUNDLE), "a bundle (the import here is a stand-in)");
        Path report = Files.writeString(inbox.resolve(ReportFile.nameFor(BUNDLE)), "# the stranger's report\n");
        try (var s = Files.list(inbox)) {
            for (Path p : s.toList()) {
                Files.setLastModifiedTime(p, FileTime.from(Instant.now().minusSeconds(60)));
            }
        }
        AtomicBoolean writing = new AtomicBoolean(true);
        FileChannel fd = FileChannel.open(report, StandardOpenOption.APPEND); // his file, wherever it goes
        Thread stranger = new Thread(() -> {
            while (writing.get()) {
                try {
                    fd.write(java.nio.ByteBuffer.wrap(new byte[] {'x'}));
                    Thread.sleep(200);
                } catch (java.io.IOException | InterruptedException e) {
                    return;
                }
            }
        });
        stranger.start();
        CountDownLatch taken = new CountDownLatch(1);
        List<String> lines = new CopyOnWriteArrayList<>();
        ImportRequest template = new ImportRequest(null, null, new TargetNaming("127.0.0.1:5000", List.of()), root.resolve("state"), 1, false);
        InboxWatcher w = new InboxWatcher(inbox, new WatchOptions(Duration.ofMillis(100), Duration.ofMillis(500), Duration.ofSeconds(1)),
                template, r -> {
                    taken.countDown();
                    throw AirlockException.local("the registry is away", null); // enough: the bundle was tried
                }, lines::add);
        Thread t = new Thread(w::run, "watch");
        t.start();
        try {
            assertTrue(taken.await(15, TimeUnit.SECONDS), "the bundle was never tried while the stranger kept writing its report: " + lines);
        } finally {
            writing.set(false);
            stranger.join();
            fd.close();
            w.stop();
            t.join(20_000);
        }
    }
}
