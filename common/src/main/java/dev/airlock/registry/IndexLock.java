package dev.airlock.registry;

import dev.airlock.digest.Digest;
import dev.airlock.error.AirlockException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Serializes the writers of one referrers tag index, keyed by {@code registry/repository@subject}.
 *
 * <p>In this JVM: one lock per key, shared by every {@link RegistrySink} (and dropped when no one
 * holds or waits for it, so a long-running importer does not collect them). It is JVM-wide on
 * purpose: Java's file locks belong to the whole JVM, so two threads must never both reach for the
 * file lock of one key.
 *
 * <p>Across processes on this host, when a lock directory is given: an exclusive lock on the file
 * {@code <lockDir>/<sha256 of the key>.lock} (created on first use, never deleted: deleting a lock
 * file while another process waits on it would let a third one lock a new file of the same name).
 *
 * <p>Waits are bounded by {@link #WAIT}: a holder only reads, merges and writes one small index.
 */
final class IndexLock implements AutoCloseable {
    static final Duration WAIT = Duration.ofMinutes(5);
    private static final ConcurrentHashMap<String, Shared> LOCKS = new ConcurrentHashMap<>();

    private final String key;
    private final Shared shared;
    private FileChannel channel;
    private FileLock fileLock;

    private static final class Shared {
        final ReentrantLock lock = new ReentrantLock();
        int users;
    }

    private IndexLock(String key, Shared shared) {
        this.key = key;
        this.shared = shared;
    }

    /** Takes the lock of {@code key} (and its file in {@code lockDir}, when not null), waiting at most {@code wait}. */
    static IndexLock acquire(String key, Path lockDir, Duration wait, String what) {
        Shared s = LOCKS.compute(key, (k, v) -> {
            Shared held = v == null ? new Shared() : v;
            held.users++;
            return held;
        });
        IndexLock lock = new IndexLock(key, s);
        long deadline = System.nanoTime() + wait.toNanos();
        try {
            if (!s.lock.tryLock(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                lock.release(false);
                throw AirlockException.transientFailure("waited " + wait.toSeconds() + " s for another writer of " + what
                        + " in this process; giving up", null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            lock.release(false);
            throw AirlockException.transientFailure("interrupted while waiting to write " + what, e);
        }
        if (lockDir != null) {
            try {
                lock.lockFile(lockDir, deadline, what);
            } catch (RuntimeException e) {
                lock.close();
                throw e;
            }
        }
        return lock;
    }

    private void lockFile(Path lockDir, long deadline, String what) {
        Path file = lockDir.resolve(Digest.sha256Of(key.getBytes(StandardCharsets.UTF_8)).hex() + ".lock");
        try {
            Files.createDirectories(lockDir);
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            while ((fileLock = channel.tryLock()) == null) {
                if (System.nanoTime() > deadline) {
                    throw AirlockException.transientFailure("waited " + WAIT.toSeconds() + " s for the lock " + file + " on " + what
                            + ", held by another process; giving up", null);
                }
                Thread.sleep(10 + ThreadLocalRandom.current().nextInt(40));
            }
        } catch (IOException e) {
            throw AirlockException.local("cannot lock " + file + " to write " + what + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw AirlockException.transientFailure("interrupted while waiting for the lock " + file + " on " + what, e);
        }
    }

    @Override
    public void close() {
        try {
            if (channel != null) {
                channel.close(); // releases fileLock too
            }
        } catch (IOException ignored) {
            // the lock goes with the channel (and with the process) anyway
        } finally {
            release(true);
        }
    }

    private void release(boolean held) {
        if (held) {
            shared.lock.unlock();
        }
        LOCKS.computeIfPresent(key, (k, v) -> --v.users == 0 ? null : v);
    }
}
