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
}
