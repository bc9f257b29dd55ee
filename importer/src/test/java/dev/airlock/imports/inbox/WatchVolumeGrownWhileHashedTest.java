package dev.airlock.imports.inbox;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.bundle.BundleInput;
import dev.airlock.bundle.VolumeList;
import dev.airlock.digest.Digest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass W (issue 17, R5): a stranger's file under a real set's volume name, of the listed
 * size when the import checks the sizes, made a sparse file of terabytes (one ftruncate, no disk)
 * once the import hashes the volumes before it (inotify IN_OPEN), was hashed to its end: hours of
 * reading zeros per try, the import, the watcher and every channel behind it held meanwhile (a link
 * to /dev/zero put in its place, followed, never ended). A volume is read no further than its listed
 * size and one byte. Timed here as in {@link WatchVolumeFifoSwapTest}.
 */
class WatchVolumeGrownWhileHashedTest {
    @TempDir
    Path root;

    @Test
    void theImportOfASetWhoseLastVolumeGrowsToTerabytesWhileHashed_returns() throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        SignedSetFixture.Keys k = SignedSetFixture.keys(root);
        String b = SignedSetFixture.BUNDLE;
        byte[] big = new byte[256 << 20];
        byte[] small = "the real volume 2".getBytes();
        byte[] list = new VolumeList(VolumeList.FORMAT, "daily", 1, b, "sha256:" + "0".repeat(64), big.length * 2L + small.length, big.length,
                List.of(new VolumeList.Volume(b + ".000", big.length, Digest.sha256Of(big).toString()),
                        new VolumeList.Volume(b + ".001", big.length, Digest.sha256Of(big).toString()),
                        new VolumeList.Volume(b + ".002", small.length, Digest.sha256Of(small).toString()))).toJson();
        Files.write(inbox.resolve(SignedSetFixture.LIST), list);
        Files.write(inbox.resolve(SignedSetFixture.LIST + ".asc"), k.signer().sign(list));
        Files.write(inbox.resolve(b + ".000"), big);
        Files.write(inbox.resolve(b + ".001"), big);
        Path his = Files.write(inbox.resolve(b + ".002"), "a strangers vol 2".getBytes()); // of the listed size
        CountDownLatch done = new CountDownLatch(1);
        Thread importer = new Thread(() -> {
            try {
                BundleInput.open(inbox.resolve(SignedSetFixture.LIST), k.trust(), false).close();
            } catch (RuntimeException e) {
                System.out.println("import: " + e.getMessage());
            }
            done.countDown();
        });
        importer.start();
        awaitOpen(inbox.resolve(b + ".000")); // the sizes are checked, the hashing has begun
        StrangersLoop.truncate(his, 4L << 40); // 4 TiB, sparse
        boolean returned = done.await(60, TimeUnit.SECONDS);
        StrangersLoop.truncate(his, 0); // let it go
        importer.join(60_000);
        assertTrue(returned, "the import hashes a volume grown to 4 TiB after its size was checked, to its end");
    }

    private static void awaitOpen(Path file) throws Exception {
        long end = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < end) {
            try (java.util.stream.Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
                if (fds.anyMatch(fd -> {
                    try {
                        return Files.readSymbolicLink(fd).equals(file);
                    } catch (Exception e) {
                        return false;
                    }
                })) {
                    return;
                }
            }
        }
        throw new AssertionError(file + " was never opened by the import");
    }
}
