package dev.airlock.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;

/**
 * Writing files so that a final name only ever holds complete content: write under a temporary
 * name in the same directory, fsync, rename, fsync the directory.
 *
 * <p>The temporary name of {@link #write}, {@link #writePartial} and {@link #openPartial} is
 * {@code .NAME.RANDOM.partial}, created exclusively ({@code O_CREAT|O_EXCL}): it never names a file
 * that was there before, so nothing that happens to hold a temporary-looking name (an input named
 * {@code .x.tar.partial}, an admin's directory) is ever replaced or deleted — only the file this
 * call created is (issue 17, C2). {@link #partialName} is the fixed name of writers that own their
 * directory and find their leftovers by it after a crash (bundle volumes, see BundleWriter).
 */
public final class AtomicFiles {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int ATTEMPTS = 16;

    private AtomicFiles() {
    }

    /** The fixed temporary name of {@code target}: hidden, and clearly partial (for writers that own the directory). */
    public static Path partialName(Path target) {
        return target.resolveSibling("." + target.getFileName() + ".partial");
    }

    /** A newly created, empty temporary file beside a target, and the channel to write it through. */
    public record Partial(Path path, FileChannel channel) {
    }

    /**
     * Creates a new temporary file {@code .NAME.RANDOM.partial} beside {@code target} (exclusively: a
     * name taken meanwhile is never reused) and opens it for writing; {@code secret} files get mode
     * 0600 from the start. The caller deletes it on failure, or renames it with {@link #commit}.
     */
    public static Partial openPartial(Path target, boolean secret) throws IOException {
        Set<StandardOpenOption> opts = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        FileAttribute<?>[] attrs = secret && supportsPosix(target)
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
                : new FileAttribute<?>[0];
        for (int i = 1; ; i++) {
            byte[] r = new byte[6];
            RANDOM.nextBytes(r);
            Path tmp = target.resolveSibling("." + target.getFileName() + "." + HexFormat.of().formatHex(r) + ".partial");
            try {
                return new Partial(tmp, FileChannel.open(tmp, opts, attrs));
            } catch (FileAlreadyExistsException taken) {
                if (i == ATTEMPTS) {
                    throw taken;
                }
            }
        }
    }

    /**
     * Deletes the temporary files {@code .NAME.HEX12.partial} ({@link #openPartial}'s form) that a
     * killed earlier run left beside {@code target}. Only for a writer that owns {@code target}'s
     * name — the exporter's report of the bundle it is about to write, whose unfinished run left
     * them — as {@link #partialName} is; never for a name the user chose.
     */
    public static void deleteLeftovers(Path target) throws IOException {
        java.util.regex.Pattern ours = java.util.regex.Pattern.compile(
                java.util.regex.Pattern.quote("." + target.getFileName() + ".") + "[0-9a-f]{12}\\.partial");
        Path dir = target.toAbsolutePath().getParent();
        try (java.nio.file.DirectoryStream<Path> ds = Files.newDirectoryStream(dir,
                p -> ours.matcher(p.getFileName().toString()).matches() && Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS))) {
            for (Path p : ds) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Writes {@code bytes} to {@code target} atomically; {@code secret} files get mode 0600 from the start. */
    public static void write(Path target, byte[] bytes, boolean secret) throws IOException {
        commit(writePartial(target, bytes, secret), target);
    }

    /**
     * The first half of {@link #write}: {@code bytes} in a new temporary file beside {@code target}
     * ({@link #openPartial}), fsynced; returns its path for a caller that renames it later with
     * {@link #commit}. Nothing is left on failure, and nothing else is ever deleted.
     */
    public static Path writePartial(Path target, byte[] bytes, boolean secret) throws IOException {
        Partial p = openPartial(target, secret);
        try (FileChannel ch = p.channel()) {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        } catch (IOException e) {
            Files.deleteIfExists(p.path());
            throw e;
        }
        return p.path();
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
