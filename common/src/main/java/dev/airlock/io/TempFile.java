package dev.airlock.io;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * A temporary file in {@link #dir()} that is removed on every way out: {@link #close}, and a JVM
 * shutdown hook for the file's life (SIGTERM, SIGINT, {@code System.exit}), so that a run
 * stopped half-way leaves no gigabytes behind. Only SIGKILL (nothing runs) leaves it; its name
 * starts with {@code airlock-}.
 *
 * <p>The hook is registered before the file is created and removed after it is deleted, and both
 * happen under one lock with the hook's own deletion: there is no moment in which the file exists
 * and a shutdown would miss it.
 */
public final class TempFile implements AutoCloseable {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path path;
    private final Thread hook;
    private boolean gone;

    private TempFile(Path path) {
        this.path = path;
        this.hook = new Thread(this::delete, "airlock-temp-cleanup");
    }

    /**
     * The directory temporary files go to: {@code java.io.tmpdir}, which the launchers
     * (scripts/lib/launch.sh) set from {@code $TMPDIR} when it is set.
     */
    public static Path dir() {
        return Path.of(System.getProperty("java.io.tmpdir"));
    }

    /** A new, empty file {@code PREFIX<random>SUFFIX} in {@link #dir()}, mode 0600. */
    public static TempFile create(String prefix, String suffix) throws IOException {
        Path dir = dir();
        for (int attempt = 0; ; attempt++) {
            byte[] r = new byte[8];
            RANDOM.nextBytes(r);
            TempFile t = new TempFile(dir.resolve(prefix + HexFormat.of().formatHex(r) + suffix));
            try {
                t.createFile();
                return t;
            } catch (FileAlreadyExistsException e) {
                if (attempt >= 10) {
                    throw e;
                }
            }
        }
    }

    private synchronized void createFile() throws IOException {
        try {
            Runtime.getRuntime().addShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            throw new IOException("the process is shutting down; no temporary file created");
        }
        try {
            if (path.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                Files.createFile(path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } else {
                Files.createFile(path);
            }
        } catch (IOException | RuntimeException e) {
            removeHook();
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    /** Deletes the file (if still there) and drops the shutdown hook. */
    @Override
    public void close() {
        delete();
        removeHook();
    }

    private synchronized void delete() {
        if (gone) {
            return;
        }
        gone = true;
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // nothing more to do: a shutdown or a failure is already under way
        }
    }

    private void removeHook() {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs (or ran) and deletes the file
        }
    }
}
