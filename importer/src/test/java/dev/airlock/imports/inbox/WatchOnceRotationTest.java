package dev.airlock.imports.inbox;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.bundle.UntrustedBundle;
import dev.airlock.imports.ImportRequest;
import dev.airlock.imports.TargetNaming;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass J (issue 17): past the scan bound, each scan takes the next bundles after the last
 * one the scan before took (pass I). But {@code watch --once} (the README's way for cron) ended
 * after the first scan that found nothing to do, and every run starts from the smallest name: a
 * sender's 20,001 volume lists whose volumes never come (a few hundred bytes each, waiting for good
 * by design) kept every bundle sorting after them out of every run, for good.
 */
class WatchOnceRotationTest {
    @TempDir
    Path root;

    @Test
    void watchOnce_takesABundleSortingAfterMoreWaitingListsThanTheScanBound() throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        FileTime old = FileTime.fromMillis(System.currentTimeMillis() - 60_000);
        for (int i = 0; i <= InboxScan.MAX_FILES; i++) {
            String bundle = String.format("a%05d.airlock.tar", i);
            Path list = inbox.resolve(String.format("a%05d.airlock.volumes.json", i));
            Files.writeString(list, "{\"format\":\"airlock-volumes/v1\",\"channel\":\"c\",\"sequence\":1,\"bundle\":\"" + bundle
                    + "\",\"bundleDigest\":\"sha256:" + "0".repeat(64) + "\",\"size\":1,\"volumeSize\":1,\"volumes\":[{\"name\":\""
                    + bundle + ".000\",\"size\":1,\"digest\":\"sha256:" + "0".repeat(64) + "\"}]}");
            Files.setLastModifiedTime(list, old);
        }
        Path real = inbox.resolve("gitlab-000002.airlock.tar");
        Files.setLastModifiedTime(Files.createFile(real), old);
        List<Path> imported = new ArrayList<>();
        ImportRequest template = new ImportRequest(null, null, new TargetNaming("127.0.0.1:5000", List.of()), root.resolve("state"), 1, false);
        // Any import that is asked for the bundle will do: an empty file fails where UntrustedBundle opens it, the real refusal.
        InboxWatcher w = new InboxWatcher(inbox, new WatchOptions(Duration.ofMillis(100), Duration.ofMillis(1), Duration.ofSeconds(1)),
                template, r -> {
                    imported.add(r.bundle().getFileName());
                    UntrustedBundle.open(r.bundle()).close();
                    throw new AssertionError("an empty file was opened as a bundle");
                }, line -> { });
        w.runOnce();
        assertTrue(imported.contains(real.getFileName()), "watch --once never looked at " + real.getFileName() + " behind "
                + (InboxScan.MAX_FILES + 1) + " waiting lists: " + imported);
    }
}
