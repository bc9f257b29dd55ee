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
 * Red-team pass V, V3 (rtv's reproduction): a stranger's file under a real set's volume name, swapped for a
 * FIFO after the import's size check and before its hashing opens it, held the import (and the watcher, every
 * channel behind it) until someone wrote the FIFO. Timed by inotify in the attack; here by a sleep while
 * two 256 MiB volumes are hashed first. The import must return (refusing the set) within seconds.
 */
class WatchVolumeFifoSwapTest {
    @TempDir
    Path root;

    @Test
    void theImportOfASetWhoseLastVolumeBecomesAFifo_returns() throws Exception {
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
        awaitOpen(inbox.resolve(b + ".000")); // the stranger (inotify IN_OPEN on volume 000): the sizes are checked, the hashing has begun
        Files.delete(his);
        new ProcessBuilder("mkfifo", his.toString()).inheritIO().start().waitFor();
        boolean returned = done.await(15, TimeUnit.SECONDS);
        if (!returned) {
            new ProcessBuilder("sh", "-c", ": > " + his).start().waitFor(); // let it go
        }
        assertTrue(returned, "the import hangs in the open of the FIFO for as long as no one writes it");
    }

    /** Waits until this JVM holds {@code file} open (what inotify's IN_OPEN tells the stranger), by its descriptors in /proc/self/fd. */
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
