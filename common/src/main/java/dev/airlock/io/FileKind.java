package dev.airlock.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/** What a path that is not a regular file is, in the words a refusal uses. */
final class FileKind {
    private FileKind() {
    }

    /**
     * "a directory", "a symbolic link", "a FIFO (named pipe)", "a character device", "a block
     * device", "a socket", from the file's mode where the file system tells it; else "a special file".
     * {@code a} must have been read with the same link option as the caller's check.
     */
    static String of(Path file, BasicFileAttributes a) {
        if (a.isDirectory()) {
            return "a directory";
        }
        if (a.isSymbolicLink()) {
            return "a symbolic link";
        }
        try {
            int mode = (Integer) Files.getAttribute(file, "unix:mode");
            return switch (mode & 0170000) {
                case 0010000 -> "a FIFO (named pipe)";
                case 0020000 -> "a character device";
                case 0060000 -> "a block device";
                case 0140000 -> "a socket";
                default -> "a special file";
            };
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | ClassCastException e) {
            return "a special file";
        }
    }
}
