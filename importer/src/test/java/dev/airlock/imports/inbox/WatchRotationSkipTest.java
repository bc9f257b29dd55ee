package dev.airlock.imports.inbox;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.bundle.UntrustedBundle;
import dev.airlock.bundle.VolumeList;
import dev.airlock.error.AirlockException;
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
 * Red-team pass J (issue 17): past the scan bound, each scan goes on after the last bundle the scan
 * before took (pass I), also the scan right after an import. A sender's forged bundle (its unsigned
 * bundle.json says sequence 1, full: taken first, then refused at its signature) beside a real one
 * made the next scan move on to other bundles, and the real one waited a whole round of scans (a
 * poll interval each) behind each forged bundle: 20,000 forged bundles of a few KiB were days; 10
 * here. The bound is passed with 40,001 volume lists whose volumes never come (a few hundred bytes
 * each, waiting for good by design).
 */
class WatchRotationSkipTest {
    private static final int FORGED = 10;

    @TempDir
    Path root;

    @Test
    void watch_forgedBundlesBesideARealOne_pastTheBound_doNotPutItOffARoundEach() throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        FileTime old = FileTime.fromMillis(System.currentTimeMillis() - 60_000);
        for (int i = 0; i <= 2 * InboxScan.MAX_FILES; i++) {
            String bundle = String.format("a%05d.airlock.tar", i);
            Path list = inbox.resolve(VolumeList.listName(bundle));
            Files.writeString(list, "{\"format\":\"airlock-volumes/v1\",\"channel\":\"c\",\"sequence\":1,\"bundle\":\"" + bundle
                    + "\",\"bundleDigest\":\"sha256:" + "0".repeat(64) + "\",\"size\":1,\"volumeSize\":1,\"volumes\":[{\"name\":\""
                    + bundle + ".000\",\"size\":1,\"digest\":\"sha256:" + "0".repeat(64) + "\"}]}");
            Files.setLastModifiedTime(list, old);
        }
        for (int i = 0; i < FORGED; i++) {
            unsigned(inbox.resolve(String.format("f%02d.airlock.tar", i)), "forged" + i, 1, old);
        }
        Path real = unsigned(inbox.resolve("gitlab-000002.airlock.tar"), "gitlab", 2, old);
        List<Path> imported = java.util.Collections.synchronizedList(new ArrayList<>());
        ImportRequest template = new ImportRequest(null, null, new TargetNaming("127.0.0.1:5000", List.of()), root.resolve("state"), 1, false);
        // Stands in for the import's signature check, which refuses every one of these unsigned bundles (UNTRUSTED).
        InboxWatcher w = new InboxWatcher(inbox, new WatchOptions(Duration.ofSeconds(10), Duration.ofMillis(1), Duration.ofSeconds(1)),
                template, r -> {
                    imported.add(r.bundle().getFileName());
                    UntrustedBundle.open(r.bundle()).close();
                    throw AirlockException.untrusted(r.bundle() + " is not signed by a trusted key");
                }, line -> { });
        Thread t = new Thread(w::run, "watch");
        t.start();
        try {
            // A scan of 40,001 names takes a second or a few here: reaching the real bundle's scan is up to
            // two poll intervals, then one scan per forged bundle; a round per forged bundle (two poll intervals or more) was 200 s.
            long end = System.nanoTime() + Duration.ofSeconds(100).toNanos();
            while (!imported.contains(real.getFileName()) && System.nanoTime() < end) {
                Thread.sleep(100);
            }
        } finally {
            w.stop();
            t.join(60_000);
        }
        assertTrue(imported.contains(real.getFileName()), "in 100 s watch did not take " + real.getFileName() + ", only " + imported);
    }

    /** A bundle file whose bundle.json says channel, sequence and full, with a signature that is not one. */
    private static Path unsigned(Path to, String channel, int sequence, FileTime mtime) throws Exception {
        return UnsignedBundles.write(to, "{\"format\":\"airlock-bundle/v1\",\"channel\":\"" + channel + "\",\"sequence\":\"" + sequence
                + "\",\"parent\":null}", mtime);
    }
}
