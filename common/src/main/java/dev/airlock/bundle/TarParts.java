package dev.airlock.bundle;

import dev.airlock.io.AtomicFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The files a bundle's tar is written into: one file, or volumes that are consecutive byte
 * ranges of the one tar (volume {@code i} holds bytes {@code [i·V, (i+1)·V)}), so that the volumes
 * concatenated are exactly the single-file bundle. Each file is written under its temporary name
 * ({@link AtomicFiles#partialName}) and renamed only by {@link #renameAll}. Thread-safe for
 * {@link #write}; the rest is called by one thread.
 */
final class TarParts implements AutoCloseable {
    /** One file: its final and temporary names, and the tar bytes {@code [start, start + size)} it holds. */
    record Part(int index, Path target, Path tmp, FileChannel channel, long start, long size, AtomicBoolean dirty) {
        long end() {
            return start + size;
        }
    }

    private final List<Part> parts;
    private final long total;
    /** Bytes per volume; {@link Long#MAX_VALUE} for a single file. */
    private final long volumeSize;
    private final List<Path> renamed = new ArrayList<>();

    private TarParts(List<Part> parts, long total, long volumeSize) {
        this.parts = parts;
        this.total = total;
        this.volumeSize = volumeSize;
    }

    /**
     * Creates the temporary files for a tar of {@code total} bytes bound for {@code target}
     * ({@code NAME.tar}): that one file when {@code volumeSize} is 0, else {@code NAME.tar.000}, … .
     */
    static TarParts create(Path target, long total, long volumeSize) throws IOException {
        List<Part> parts = new ArrayList<>();
        long v = volumeSize <= 0 ? Long.MAX_VALUE : volumeSize;
        try {
            if (volumeSize <= 0) {
                parts.add(open(0, target, 0, total));
            } else {
                int n = Math.toIntExact(VolumeList.count(total, volumeSize));
                for (int i = 0; i < n; i++) {
                    Path t = target.resolveSibling(VolumeList.volumeName(target.getFileName().toString(), i, n));
                    long start = i * volumeSize;
                    parts.add(open(i, t, start, Math.min(volumeSize, total - start)));
                }
            }
        } catch (IOException | RuntimeException e) {
            for (Part p : parts) {
                closeQuietly(p.channel());
                deleteQuietly(p.tmp());
            }
            throw e;
        }
        return new TarParts(List.copyOf(parts), total, v);
    }

    private static Part open(int index, Path target, long start, long size) throws IOException {
        Path tmp = AtomicFiles.partialName(target);
        Files.deleteIfExists(tmp);
        FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        return new Part(index, target, tmp, ch, start, size, new AtomicBoolean());
    }

    List<Part> parts() {
        return parts;
    }

    long total() {
        return total;
    }

    /** Bytes per volume; {@link Long#MAX_VALUE} for a single file. */
    long volumeSize() {
        return volumeSize;
    }

    boolean isVolumes() {
        return volumeSize != Long.MAX_VALUE;
    }

    Part partAt(long position) {
        return parts.get((int) (position / volumeSize));
    }

    /** Writes all of {@code buf} at tar position {@code position}, split across volumes where it crosses one's end. */
    void write(ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            Part p = partAt(pos);
            int n = (int) Math.min(buf.remaining(), p.end() - pos);
            ByteBuffer slice = buf.duplicate();
            slice.limit(slice.position() + n);
            long at = pos - p.start();
            while (slice.hasRemaining()) {
                at += p.channel().write(slice, at);
            }
            p.dirty().set(true);
            buf.position(buf.position() + n);
            pos += n;
        }
    }

    /** fdatasync of every file written to since its last sync: starts writeback early (see BundleWriter). */
    void forceDirty() throws IOException {
        for (Part p : parts) {
            if (p.dirty().getAndSet(false)) {
                p.channel().force(false);
            }
        }
    }

    /** fsync of every file, then closes them: the content is final. */
    void forceAndClose() throws IOException {
        for (Part p : parts) {
            p.channel().force(true);
        }
        for (Part p : parts) {
            p.channel().close();
        }
    }

    /**
     * Renames every file to its final name, then fsyncs the directory. For volumes this comes
     * before the volume list's own rename, which is what makes the set complete.
     */
    void renameAll() throws IOException {
        for (Part p : parts) {
            move(p.tmp(), p.target());
            renamed.add(p.target());
        }
        AtomicFiles.fsyncDirectory(parts.get(0).target().toAbsolutePath().getParent());
    }

    /** A rename in the same directory; the directory fsync is the caller's. */
    static void move(Path tmp, Path target) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target);
        }
    }

    /** Notes a file the caller renamed into place, so that {@link #deleteAll} removes it too. */
    void renamed(Path target) {
        renamed.add(target);
    }

    /** Closes every file and deletes the temporary ones and any already renamed: nothing of a failed bundle stays. */
    void deleteAll() {
        for (Part p : parts) {
            closeQuietly(p.channel());
            deleteQuietly(p.tmp());
        }
        renamed.forEach(TarParts::deleteQuietly);
    }

    @Override
    public void close() {
        for (Part p : parts) {
            closeQuietly(p.channel());
        }
    }

    static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // closing after a failure: the first error is the one reported
            }
        }
    }

    static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // nothing more we can do; a later run's ledger settles what is left
        }
    }
}
