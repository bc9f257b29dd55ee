package dev.airlock.io;

import dev.airlock.error.AirlockException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.function.Supplier;

/**
 * An exclusive lock on one channel's state, so two runs on the same state directory cannot
 * interleave (or, through {@link #onFile}, on any one file). Held by the OS: a crashed run leaves
 * no stale lock behind.
 */
public final class ChannelLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private ChannelLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    public static ChannelLock acquire(Path stateDir, String channelName, String program) {
        Path file = stateDir.resolve("channels").resolve(channelName + ".lock");
        try {
            Files.createDirectories(file.getParent());
        } catch (IOException e) {
            throw cannotLock(file, e);
        }
        return onFile(file, () -> AirlockException.usage("another " + program + " is working on channel '" + channelName + "' (it holds "
                + file + "); wait for it to finish, or give this run its own --state"));
    }

    /**
     * The exclusive OS lock on {@code file} (created if missing), or {@code held} thrown when
     * another process or this one already holds it. A file that cannot be opened is LOCAL; so is
     * anything at {@code file} but a regular file: a symbolic link is never followed (it would create
     * the file it names), and a FIFO is never opened (opening one to write blocks until a reader comes).
     * The type is checked before the open, and the open does not follow a link (O_NOFOLLOW), so a link
     * swapped in between fails the open; a FIFO swapped in within that instant would still block the
     * open: only someone who may write the lock's directory can do that, which for the inbox's lock
     * only its owner may ({@code dev.airlock.imports.inbox.ControlDirectory}).
     */
    public static ChannelLock onFile(Path file, Supplier<AirlockException> held) {
        try {
            refuseUnlessRegular(file);
            FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
            FileLock l;
            try {
                l = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                l = null;
            }
            if (l == null) {
                ch.close();
                throw held.get();
            }
            return new ChannelLock(ch, l);
        } catch (IOException e) {
            throw cannotLock(file, e);
        }
    }

    private static void refuseUnlessRegular(Path file) throws IOException {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException missing) {
            return; // created by the open
        }
        if (!a.isRegularFile()) {
            throw AirlockException.local("cannot lock " + file + ": it is " + FileKind.of(file, a) + ", never followed nor opened; a lock is a plain file:"
                    + " check who put it there, remove it, and start again", null);
        }
    }

    /**
     * LOCAL; permission denied said as such, naming what could not be made and who needs to make
     * it (the JDK's message is the bare path: "cannot lock X: /var/lib/airlock/.local").
     */
    private static AirlockException cannotLock(Path file, IOException e) {
        if (e instanceof java.nio.file.AccessDeniedException d) {
            String where = d.getFile() != null ? d.getFile() : String.valueOf(file);
            return AirlockException.local("cannot lock " + file + ": permission denied on " + where + " ("
                    + BoundedFiles.whoNeeds("write access there") + "; or give --state a directory it may write)", e);
        }
        return AirlockException.local("cannot lock " + file + ": " + e.getMessage(), e);
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
