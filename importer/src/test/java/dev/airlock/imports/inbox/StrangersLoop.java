package dev.airlock.imports.inbox;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;

/** What a stranger's loop does to his own file while the import reads it, unchecked (for the tests that stand in for it inside the import). */
final class StrangersLoop {
    private StrangersLoop() {
    }

    static void overwrite(Path p, byte[] bytes) {
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.seek(0);
            f.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void truncate(Path p, long size) {
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(size);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static FileTime mtime(Path p) {
        try {
            return Files.getLastModifiedTime(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void setMtime(Path p, FileTime t) {
        try {
            Files.setLastModifiedTime(p, t);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Its bytes, or none when it cannot be read. */
    static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            return new byte[0];
        }
    }

    /**
     * Waits until this JVM holds {@code file} open (what inotify's {@code IN_OPEN} tells the stranger),
     * by its descriptors in {@code /proc/self/fd}; {@code by} names the reader in the failure.
     */
    static void awaitOpen(Path file, String by) throws IOException {
        long end = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < end) {
            try (java.util.stream.Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
                if (fds.anyMatch(fd -> {
                    try {
                        return Files.readSymbolicLink(fd).equals(file);
                    } catch (IOException e) {
                        return false;
                    }
                })) {
                    return;
                }
            }
        }
        throw new AssertionError(file + " was never opened by " + by);
    }

    /** Runs {@code reader} (an import's step) on a thread of its own; the latch opens when it returns, whatever it threw. */
    static java.util.concurrent.CountDownLatch inBackground(String what, Runnable reader) {
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        Thread t = new Thread(() -> {
            try {
                reader.run();
            } catch (RuntimeException e) {
                System.out.println(what + ": " + e.getMessage());
            }
            done.countDown();
        });
        t.setDaemon(true);
        t.start();
        return done;
    }
}
