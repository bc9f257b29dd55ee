package dev.airlock.imports.inbox;

import dev.airlock.error.AirlockException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One watcher per inbox, whatever its {@code --state}: two would import and move the same files.
 * The lock lives in the inbox's own control directory ({@value InboxLayout#CONTROL}), is held by
 * the OS, and so never outlives a killed watcher.
 */
final class InboxLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private InboxLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    static InboxLock acquire(InboxLayout layout) {
        Path file = layout.lockFile();
        try {
            FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock l;
            try {
                l = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                l = null;
            }
            if (l == null) {
                ch.close();
                throw AirlockException.local("another airlock-import watch is working on the inbox " + layout.inbox() + " (it holds "
                        + file + "); stop it first: one watcher per inbox", null);
            }
            return new InboxLock(ch, l);
        } catch (IOException e) {
            throw AirlockException.local("cannot lock " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException ignored) {
            // released with the process anyway
        }
    }
}
