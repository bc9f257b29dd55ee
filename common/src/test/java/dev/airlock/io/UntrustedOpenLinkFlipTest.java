package dev.airlock.io;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass X (issue 17, R2): the bound on opens of other users' files left waiting
 * ({@link UntrustedOpen#MAX_STRANGERS_WAITING}, W's R1) judged a file opened through links by the
 * owner of what the links led to when it looked, a moment before the open. A stranger's link (his own
 * name in the inbox, swapped in after the scan, or one to a link of his he flips between a file of
 * root's and his mode 0644 FIFO) was taken for root's file at the look and led to his FIFO at the
 * open: the open waited for good, uncounted, and he piled up threads past the bound, as before W's R1.
 * Runs as root, the FIFO and the inbox link owned by nobody.
 */
class UntrustedOpenLinkFlipTest {
    private static final int BOUND = 16;

    @TempDir
    Path tmp;

    @Test
    void opensThroughAStrangersFlippedLink_areBounded() throws Exception {
        Path roots = Files.write(tmp.resolve("roots"), new byte[] {1});
        Path fifo = tmp.resolve("his.fifo");
        assertTrue(new ProcessBuilder("mkfifo", "-m", "0644", fifo.toString()).start().waitFor() == 0);
        Files.setOwner(fifo, fifo.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
        Path his = Files.createDirectory(tmp.resolve("his"));
        Path flipped = his.resolve("l");
        Files.createSymbolicLink(flipped, roots);
        Path inbox = Files.createDirectory(tmp.resolve("inbox"));
        Path name = Files.createSymbolicLink(inbox.resolve("x.tar"), flipped);
        assertTrue(new ProcessBuilder("chown", "-h", "nobody", name.toString()).start().waitFor() == 0);
        AtomicBoolean flipping = new AtomicBoolean(true);
        Thread flipper = new Thread(() -> {
            for (long i = 0; flipping.get(); i++) {
                try {
                    Path t = his.resolve("t" + (i % 2));
                    Files.deleteIfExists(t);
                    Files.createSymbolicLink(t, i % 2 == 0 ? fifo : roots);
                    Files.move(t, flipped, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (java.io.IOException e) {
                    // the next flip
                }
            }
        });
        flipper.start();
        int before = UntrustedOpen.stuck();
        int tries = 4 * BOUND;
        ExecutorService callers = Executors.newFixedThreadPool(tries);
        List<Future<?>> calls = new ArrayList<>();
        for (int i = 0; i < tries; i++) {
            calls.add(callers.submit(() -> {
                try {
                    UntrustedOpen.read(name).close();
                } catch (java.io.IOException e) {
                    // refused, or busy: as it may be
                }
                return null;
            }));
        }
        try {
            for (Future<?> c : calls) {
                c.get(30, TimeUnit.SECONDS);
            }
        } finally {
            flipping.set(false);
            flipper.join();
            callers.shutdown();
        }
        int left = UntrustedOpen.stuck() - before;
        for (int i = 0; i < 3; i++) { // the stranger lets them go: nothing is left waiting for the tests after this one
            FileChannel.open(fifo, StandardOpenOption.READ, StandardOpenOption.WRITE).close();
            Thread.sleep(100);
        }
        assertTrue(left <= BOUND, left + " opens left waiting in a stranger's FIFO reached through his flipped link, each holding a"
                + " thread for good (bound " + BOUND + ")");
    }
}
