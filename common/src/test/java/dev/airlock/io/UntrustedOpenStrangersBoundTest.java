package dev.airlock.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass W (issue 17, R1): each open left waiting in a FIFO that this process cannot open
 * itself (a stranger's mode 0644 FIFO to the service user; or, to root, one he renamed away once
 * the open waited in it) holds a thread for good, and there was no bound: a stranger who kept
 * swapping FIFOs under his own files' names, each file found again once changed, piled them up
 * until the process could start no thread, and the next real import failed. Runs as root, the
 * FIFOs owned by nobody and removed once the opens wait in them; the bound is on other users'
 * files only: a file of this process's user, root or its directory's owner is opened as ever.
 */
class UntrustedOpenStrangersBoundTest {
    /** The most opens of other users' files that may wait at once (UntrustedOpen.MAX_STRANGERS_WAITING). */
    private static final int BOUND = 16;

    @TempDir
    Path tmp;

    @Test
    void opensWaitingInStrangersFifos_areBounded_andOwnFilesStillOpen() throws Exception {
        int strangers = 3 * BOUND;
        List<Path> fifos = new ArrayList<>();
        for (int i = 0; i < strangers; i++) {
            Path f = tmp.resolve("his." + i);
            assertTrue(new ProcessBuilder("mkfifo", "-m", "0644", f.toString()).start().waitFor() == 0);
            Files.setOwner(f, f.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
            fifos.add(f);
        }
        int before = UntrustedOpen.stuck();
        ExecutorService callers = Executors.newFixedThreadPool(strangers);
        List<Future<?>> calls = new ArrayList<>();
        for (Path f : fifos) {
            calls.add(callers.submit(() -> {
                try {
                    UntrustedOpen.read(f).close();
                } catch (java.io.IOException e) {
                    // refused: as it should
                }
                return null;
            }));
        }
        Thread.sleep(700); // the opens wait in the FIFOs; the stranger takes their names away
        Path away = Files.createDirectory(tmp.resolve("away"));
        for (Path f : fifos) {
            Files.move(f, away.resolve(f.getFileName()));
        }
        for (Future<?> c : calls) {
            c.get(15, TimeUnit.SECONDS);
        }
        callers.shutdown();
        int left = UntrustedOpen.stuck() - before;
        Path copied = Files.write(tmp.resolve("a bundle a user copied in"), new byte[] {1}); // his, and real: no fault of its own
        Files.setOwner(copied, copied.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
        try {
            UntrustedOpen.read(copied).close();
        } catch (java.io.IOException e) {
            assertTrue(e instanceof java.nio.file.AccessDeniedException, "refused as not a regular file (a refusal, to rejected/): " + e);
        }
        for (Path f : fifos) { // the stranger lets them go: nothing is left waiting for the tests after this one
            FileChannel.open(away.resolve(f.getFileName()), java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE)
                    .close();
        }
        assertTrue(left <= BOUND, left + " opens left waiting in a stranger's FIFOs, each holding a thread for good"
                + " (bound " + BOUND + ")");
        Path own = Files.write(tmp.resolve("own"), new byte[] {7});
        try (FileChannel ch = UntrustedOpen.read(own)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b);
            assertArrayEquals(new byte[] {7}, b.array());
        }
    }
}
