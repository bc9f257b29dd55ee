package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.airlock.bundle.VolumeList;
import dev.airlock.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass J (issue 17): since pass I, a scan takes every volume-named file of each bundle it
 * takes "whatever their number", so that a real set of 50,000 volumes is never cut. A sender (serve
 * and diode-receive accept these names; serve's quota counts bytes, and these files are empty)
 * leaves a few volume lists, each beside 50,000 empty files named as its volumes, and one
 * {@code NAME.tar} beside as many more: the scan held them all, some 600 bytes each, on every scan,
 * and watch (and serve, which runs it) ended in OutOfMemoryError with a stack trace on every start
 * while the files stayed, so no bundle was imported again. 250,000 such files here in a 64 MiB heap.
 */
class InboxVolumeFloodMemoryIT {
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    private static final int VOLUMES = VolumeList.MAX_VOLUMES;

    @TempDir
    Path tmp;

    @Test
    void watchOnce_listsAndBundlesBesideFiftyThousandVolumeNamesEach_inA64MiBHeap_isNotOutOfMemory() throws Exception {
        Tools.Result k = Tools.run(List.of(REPO.resolve("scripts/airlock-export").toString(), "keygen", "--key",
                tmp.resolve("k.asc").toString(), "--cert", tmp.resolve("k.pub.asc").toString(), "--uid", "t <t@example.org>"), Map.of(), null);
        assertFalse(k.exitCode() != 0, k.stderr());
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        for (int s = 0; s < 4; s++) {
            String bundle = "flood" + s + ".airlock.tar";
            // A list that parses and names two volumes that never come: the set waits for good (INCOMPLETE).
            Files.writeString(inbox.resolve(VolumeList.listName(bundle)), "{\"format\":\"airlock-volumes/v1\",\"channel\":\"c\",\"sequence\":1,"
                    + "\"bundle\":\"" + bundle + "\",\"bundleDigest\":\"sha256:" + "0".repeat(64) + "\",\"size\":2,\"volumeSize\":1,"
                    + "\"volumes\":[{\"name\":\"" + bundle + ".000\",\"size\":1,\"digest\":\"sha256:" + "0".repeat(64) + "\"},"
                    + "{\"name\":\"" + bundle + ".001\",\"size\":1,\"digest\":\"sha256:" + "0".repeat(64) + "\"}]}");
            emptyVolumes(inbox, bundle);
        }
        Files.createFile(inbox.resolve("single.airlock.tar"));
        emptyVolumes(inbox, "single.airlock.tar");
        Tools.Result r = Tools.run(List.of(REPO.resolve("scripts/airlock-import").toString(), "watch", "--once", "--settle", "1ms",
                "--registry", "127.0.0.1:1", "--trust", tmp.resolve("k.pub.asc").toString(), "--state", tmp.resolve("state").toString(),
                inbox.toString()), Map.of("AIRLOCK_JAVA_OPTS", "-XX:+UseSerialGC -Xmx64m"), null);
        assertFalse(r.stderr().contains("OutOfMemoryError"), r.stderr().lines().limit(3).toList().toString());
        assertNotEquals(1, r.exitCode(), r.stderr().lines().limit(5).toList().toString());
    }

    /** {@code BUNDLE.000002} … : names of the volume form that no list of two volumes names, all empty. */
    private static void emptyVolumes(Path inbox, String bundle) throws Exception {
        for (int i = 2; i < VOLUMES; i++) {
            Files.createFile(inbox.resolve(bundle + String.format(".%06d", i)));
        }
    }
}
