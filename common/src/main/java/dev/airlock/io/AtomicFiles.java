package dev.airlock.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Writing files so that a final name only ever holds complete content: write under a temporary
 * name in the same directory, fsync, rename, fsync the directory.
 */
public final class AtomicFiles {
    private AtomicFiles() {
    }

    /** The temporary name used while {@code target} is written: hidden, and clearly partial. */
    public static Path partialName(Path target) {
        return target.resolveSibling("." + target.getFileName() + ".partial");
    }

    /** Writes {@code bytes} to {@code target} atomically; {@code secret} files get mode 0600 from the start. */
    public static void write(Path target, byte[] bytes, boolean secret) throws IOException {
        commit(writePartial(target, bytes, secret), target);
    }

    /**
     * The first half of {@link #write}: {@code bytes} under {@link #partialName} of {@code target},
     * fsynced, for a caller that renames it later with {@link #commit}. Nothing is left on failure.
     */
    public static Path writePartial(Path target, byte[] bytes, boolean secret) throws IOException {
        Path tmp = partialName(target);
        Files.deleteIfExists(tmp);
        Set<StandardOpenOption> opts = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        FileAttribute<?>[] attrs = secret && supportsPosix(target)
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
                : new FileAttribute<?>[0];
        try (FileChannel ch = FileChannel.open(tmp, opts, attrs); OutputStream out = java.nio.channels.Channels.newOutputStream(ch)) {
            out.write(bytes);
            out.flush();
            ch.force(true);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        return tmp;
    }

    /** Renames a fully written and fsynced {@code tmp} to {@code target}, then fsyncs the directory. */
    public static void commit(Path tmp, Path target) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        fsyncDirectory(target.toAbsolutePath().getParent());
    }

    public static void fsyncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException ignored) {
            // Some file systems cannot open a directory for sync; the rename itself still happened.
        }
    }

    private static boolean supportsPosix(Path p) {
        Path dir = p.toAbsolutePath().getParent();
        return dir != null && dir.getFileSystem().supportedFileAttributeViews().contains("posix");
    }
}
