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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass L (issue 17): bundle names are predictable ({@code CHANNEL-NNNNNN.airlock.tar}), and
 * the delivery rule keeps a second, different file under a taken name beside it as
 * {@code NAME.conflict-SHA16}, which the watcher never takes. A stranger who sends a forged file under
 * the name of the next real bundle first, whose unsigned bundle.json claims a delta after a sequence
 * that never comes (so the watcher holds it, never reads its signature, and never frees the name),
 * makes the real bundle arrive as a conflict: it is never imported, and every later delta of its
 * channel waits behind it until an admin acts. The forged file is not signed; the real one is; the
 * import tells them apart, so both are tried and the real one goes.
 */
class WatchSquattedNameTest {
    private static final String NAME = "daily-000001.airlock.tar";

    @TempDir
    Path root;

    @Test
    void watch_aForgedHeldFileUnderTheNextBundlesName_doesNotKeepTheRealOneOut() throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        FileTime old = FileTime.fromMillis(System.currentTimeMillis() - 60_000);
        // the stranger's, first: claims a delta after sequence 999 of daily, so it is held for good
        bundle(inbox.resolve(NAME), "{\"format\":\"airlock-bundle/v1\",\"channel\":\"daily\",\"sequence\":\"1000\",\"parent\":{\"sequence\":\"999\","
                + "\"digest\":\"sha256:" + "0".repeat(64) + "\"}}", old);
        // the real one, kept beside it by the delivery rule (serve, diode-receive)
        Path real = bundle(inbox.resolve(NAME + ".conflict-0123456789abcdef"),
                "{\"format\":\"airlock-bundle/v1\",\"channel\":\"daily\",\"sequence\":\"1\",\"parent\":null}", old);
        CountDownLatch taken = new CountDownLatch(1);
        List<String> lines = new CopyOnWriteArrayList<>();
        ImportRequest template = new ImportRequest(null, null, new TargetNaming("127.0.0.1:5000", List.of()), root.resolve("state"), 1, false);
        InboxWatcher w = new InboxWatcher(inbox, new WatchOptions(Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofSeconds(1)),
                template, r -> {
                    if (r.bundle().getFileName().equals(real.getFileName())) {
                        taken.countDown();
                    }
                    throw AirlockException.malformed(r.bundle() + " is not a bundle"); // enough: it was tried
                }, lines::add);
        Thread t = new Thread(w::run, "watch");
        t.start();
        try {
            assertTrue(taken.await(10, TimeUnit.SECONDS), "the real bundle, kept as a conflict beside a stranger's held file under its name,"
                    + " was never tried: " + lines);
        } finally {
            w.stop();
            t.join(20_000);
        }
    }

    private static Path bundle(Path to, String manifest, FileTime mtime) throws Exception {
        return UnsignedBundles.write(to, manifest, mtime);
    }
}
