package dev.airlock.imports.serve;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Which {@code .part} files are open for writing, through any handle of any session of the server
 * (a file is its path in serve's directory of them: each key's {@code .part} files are its own,
 * {@link PartsDirectory}, so only sessions of the same key meet here).
 * A {@code .part} is delivered by link and unlink ({@code NoReplaceDelivery}), so its inode becomes
 * the delivered file: a handle still open on it would keep writing into a file already logged as
 * received (two pushes of one bundle at once). So a delivery runs only while no handle has the
 * file open for writing, and an open cannot slip in between the check and the delivery: the check
 * marks the file as being delivered under this object's monitor, and an open of it is refused until
 * the delivery is done. The delivery itself (an fsync; for a taken name, the sha256 of the whole file)
 * runs outside the monitor: run under it, one key's rename of a huge sparse {@code .part} onto a name
 * of his held every other key's opens, closes and renames for as long as it hashed (red-team pass X,
 * R3). Opening a {@code .part} that another handle already writes is
 * allowed (an exporter resuming after a dropped connection; the old handle goes when the server
 * notices the connection gone, at the latest after the idle timeout).
 */
final class OpenWriters {
    interface Opening<T> {
        T open() throws IOException;
    }

    interface Delivery {
        void deliver() throws IOException;
    }

    private final Map<Path, Integer> open = new HashMap<>();
    private final java.util.Set<Path> delivering = new java.util.HashSet<>();

    /**
     * Runs {@code opening} (which opens {@code name} for writing) and, if it succeeded, counts one more
     * handle on it; refused while {@code name} is being delivered.
     */
    synchronized <T> T open(Path name, Opening<T> opening) throws IOException {
        if (delivering.contains(name)) {
            throw new IOException(name.getFileName() + " is being delivered (renamed to its name in the inbox) by another session of"
                    + " this key; open it again once that is done");
        }
        T handle = opening.open();
        open.merge(name, 1, Integer::sum);
        return handle;
    }

    /** One handle on {@code name} is closed (by its client, or because its connection went). */
    synchronized void closed(Path name) {
        open.computeIfPresent(name, (k, n) -> n == 1 ? null : n - 1);
    }

    /** Handles open for writing on {@code name} now. */
    synchronized int count(Path name) {
        return open.getOrDefault(name, 0);
    }

    /**
     * Runs {@code delivery} of {@code name} if no handle has it open for writing, with no open let
     * in until it is done; else returns the number of such handles and delivers nothing.
     */
    int deliverIfNoneOpen(Path name, Delivery delivery) throws IOException {
        synchronized (this) {
            int n = count(name) + (delivering.contains(name) ? 1 : 0);
            if (n > 0) {
                return n;
            }
            delivering.add(name);
        }
        try {
            delivery.deliver();
        } finally {
            synchronized (this) {
                delivering.remove(name);
            }
        }
        return 0;
    }
}
