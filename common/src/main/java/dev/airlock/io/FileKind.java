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
        return switch (type(file)) {
            case FIFO -> "a FIFO (named pipe)";
            case CHARACTER_DEVICE -> "a character device";
            case BLOCK_DEVICE -> "a block device";
            case SOCKET -> "a socket";
            default -> "a special file";
        };
    }

    /** Whether {@code file} (with {@code a} read as in {@link #of}) is a FIFO. */
    static boolean isFifo(Path file, BasicFileAttributes a) {
        return a.isOther() && type(file) == Type.FIFO;
    }

    private enum Type { FIFO, CHARACTER_DEVICE, BLOCK_DEVICE, SOCKET, OTHER }

    private static Type type(Path file) {
        try {
            int mode = (Integer) Files.getAttribute(file, "unix:mode");
            return switch (mode & 0170000) {
                case 0010000 -> Type.FIFO;
                case 0020000 -> Type.CHARACTER_DEVICE;
                case 0060000 -> Type.BLOCK_DEVICE;
                case 0140000 -> Type.SOCKET;
                default -> Type.OTHER;
            };
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | ClassCastException e) {
            return Type.OTHER;
        }
    }
}
