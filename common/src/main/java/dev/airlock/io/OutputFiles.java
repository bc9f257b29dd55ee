package dev.airlock.io;

import dev.airlock.error.AirlockException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;

/**
 * The one way a command opens a file the user named for it to write (an archive, a key, a
 * receipt, a signature). Built on {@link AtomicFiles}: the content goes to a new temporary file
 * {@code .NAME.RANDOM.partial} in the same directory ({@link AtomicFiles#openPartial}: created
 * exclusively, so no file that was there before — an input, say — is ever deleted or replaced), is
 * fsynced, and is renamed into place.
 *
 * <p>Contract of {@link #check}, which a command calls before any long work, and which
 * {@link #create} and {@link #write} repeat just before they touch the disk (kind {@code USAGE},
 * exit 2, one line naming the option, the path and what is there):
 * <ul>
 * <li>a target that exists must be a regular file: a directory, a device, a FIFO, a socket, or a
 *     symbolic link to one of those (or to nothing) is refused; a symbolic link to a regular file
 *     is replaced by the new file (the rename replaces the link; the file it pointed to is left
 *     alone — never written through a link, which as root could reach any file);</li>
 * <li>a target in, or leading through links into, the system's {@code /proc}, {@code /sys} or
 *     {@code /dev} is refused ({@link SystemTrees}): {@code /dev/stdout} is a link to
 *     {@code /proc/self/fd/1}, a regular file when stdout is redirected, and the system's link must
 *     never be replaced;</li>
 * <li>a target that is one of the command's inputs (the same path, or the same file through a
 *     link, a hard link or another mount of it) is refused, so a command never destroys what it
 *     reads;</li>
 * <li>missing parent directories are created only with {@link Parents#CREATE}, for a command whose
 *     help says so; with {@link Parents#MUST_EXIST} a missing one is named. A parent that exists
 *     and is not a directory is refused either way.</li>
 * </ul>
 *
 * <p>{@link #create} and {@link #write} turn a permission denied into one line (kind {@code LOCAL},
 * exit 1): {@code DIR: permission denied (PROGRAM runs as user 'U', which needs write access to DIR)}.
 */
public final class OutputFiles {
    /** Whether a command creates missing parent directories of its output (its help says so) or refuses. */
    public enum Parents { CREATE, MUST_EXIST }

    private OutputFiles() {
    }

    /**
     * Checks {@code target} as the contract says, without writing anything.
     *
     * @param what how the command line names the file, e.g. {@code "--docker-archive"}
     * @param inputs the files this command reads (or writes besides), each with what it is, e.g. "a file of the bundle
     *     being read": each is refused as the target
     * @return {@code target} as an absolute path
     */
    public static Path check(String what, Path target, Parents parents, Map<Path, String> inputs) {
        Path abs = target.toAbsolutePath().normalize();
        if (abs.getFileName() == null) {
            throw AirlockException.usage(what + " " + target + " names no file");
        }
        checkTarget(what, target, abs);
        checkParents(what, abs.getParent(), parents);
        for (Map.Entry<Path, String> in : inputs.entrySet()) {
            if (sameFile(abs, in.getKey())) {
                throw AirlockException.usage(what + " " + target + " is " + in.getValue() + " (" + in.getKey()
                        + "); name another file to write (nothing was written)");
            }
        }
        return abs;
    }

    /**
     * Re-checks {@code target} (no inputs), creates missing parents where allowed, and opens its
     * temporary file, new and empty. The caller writes through {@link Partial#channel()}, then
     * calls {@link Partial#commit()}; closing a partial that was not committed deletes it.
     */
    public static Partial create(String what, Path target, Parents parents) throws IOException {
        Path abs = check(what, target, parents, Map.of());
        createParents(abs, parents);
        try {
            AtomicFiles.Partial p = AtomicFiles.openPartial(abs, false);
            return new Partial(what, target, abs, p.path(), p.channel());
        } catch (AccessDeniedException e) {
            throw denied(abs.getParent(), e);
        }
    }

    /** {@link AtomicFiles#write} after the checks of {@link #create}; {@code secret} files get mode 0600 from the start. */
    public static void write(String what, Path target, Parents parents, byte[] bytes, boolean secret) throws IOException {
        Path abs = check(what, target, parents, Map.of());
        createParents(abs, parents);
        Path tmp;
        try {
            tmp = AtomicFiles.writePartial(abs, bytes, secret);
        } catch (AccessDeniedException e) {
            throw denied(abs.getParent(), e);
        }
        commit(what, target, abs, tmp);
    }

    /**
     * The one line for a permission denied while writing in {@code dir} (exit 1), naming the
     * directory and the user who needs write access to it.
     */
    public static AirlockException denied(Path dir, AccessDeniedException e) {
        return AirlockException.local(dir + ": permission denied (" + BoundedFiles.whoNeeds("write access to " + dir) + ")", e);
    }

    private static void createParents(Path abs, Parents parents) throws IOException {
        if (parents != Parents.CREATE) {
            return;
        }
        try {
            Files.createDirectories(abs.getParent());
        } catch (AccessDeniedException e) {
            Path failed = e.getFile() == null ? abs.getParent() : Path.of(e.getFile());
            throw denied(failed.getParent() == null ? failed : failed.getParent(), e);
        }
    }

    /** A temporary file on its way to an output's final name. */
    public static final class Partial implements AutoCloseable {
        private final String what;
        private final Path target;
        private final Path abs;
        private final Path tmp;
        private final FileChannel channel;
        private boolean committed;

        private Partial(String what, Path target, Path abs, Path tmp, FileChannel channel) {
            this.what = what;
            this.target = target;
            this.abs = abs;
            this.tmp = tmp;
            this.channel = channel;
        }

        /** Where to write; {@link #commit} forces and closes it. */
        public FileChannel channel() {
            return channel;
        }

        /** The temporary file's path (for messages). */
        public Path tmp() {
            return tmp;
        }

        /** Fsyncs and closes the file, checks the target again, renames it into place and fsyncs the directory. */
        public void commit() throws IOException {
            channel.force(true);
            channel.close();
            OutputFiles.commit(what, target, abs, tmp);
            committed = true;
        }

        /** Deletes the temporary file unless it was committed. */
        @Override
        public void close() {
            try {
                channel.close();
                if (!committed) {
                    Files.deleteIfExists(tmp);
                }
            } catch (IOException ignored) {
                // a hidden .partial name; nothing more to do
            }
        }
    }

    /** The rename, after a last check: something that appeared at the target meanwhile is not replaced. */
    private static void commit(String what, Path target, Path abs, Path tmp) throws IOException {
        try {
            checkTarget(what, target, abs);
        } catch (AirlockException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        try {
            AtomicFiles.commit(tmp, abs);
        } catch (AccessDeniedException e) {
            Files.deleteIfExists(tmp);
            throw denied(abs.getParent(), e);
        }
    }

    private static void checkTarget(String what, Path target, Path abs) {
        Path system = SystemTrees.reached(abs);
        if (system != null) {
            throw AirlockException.usage(what + " " + target + (system.equals(abs) ? " is" : " leads to " + system + ", which is")
                    + " under " + SystemTrees.root(system) + ", the system's own files (a device, a process's stdout); only a regular"
                    + " file is written, renamed into place: name a file to write (nothing was written)");
        }
        BasicFileAttributes own = attributes(abs, LinkOption.NOFOLLOW_LINKS);
        if (own == null || own.isRegularFile()) {
            return;
        }
        if (!own.isSymbolicLink()) {
            throw AirlockException.usage(what + " " + target + " is " + FileKind.of(abs, own) + ", not a regular file; "
                    + (own.isDirectory() ? "name the file to write inside it" : "name a file to write") + " (nothing was written)");
        }
        BasicFileAttributes pointed = attributes(abs);
        String to = linkTarget(abs);
        if (pointed == null) {
            throw AirlockException.usage(what + " " + target + " is a symbolic link to " + to + ", which does not exist;"
                    + " name a file to write (nothing was written)");
        }
        if (!pointed.isRegularFile()) {
            throw AirlockException.usage(what + " " + target + " is a symbolic link to " + to + ", " + FileKind.of(abs, pointed)
                    + ", not a regular file; name a file to write (nothing was written)");
        }
    }

    private static void checkParents(String what, Path parent, Parents parents) {
        Path p = parent;
        while (p != null && attributes(p) == null) {
            if (parents == Parents.MUST_EXIST) {
                throw AirlockException.usage(what + ": directory " + p + " does not exist; create it first");
            }
            p = p.getParent();
        }
        if (p != null && !attributes(p).isDirectory()) {
            throw AirlockException.usage(what + ": " + p + " is not a directory, so nothing can be written under it");
        }
    }

    /** Same path (normalized), or the same file (device and inode) however it is reached. */
    private static boolean sameFile(Path abs, Path input) {
        if (abs.equals(input.toAbsolutePath().normalize())) {
            return true;
        }
        if (attributes(abs) == null || attributes(input) == null) {
            return false;
        }
        try {
            return Files.isSameFile(abs, input);
        } catch (IOException e) {
            return false;
        }
    }


    private static BasicFileAttributes attributes(Path p, LinkOption... options) {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, options);
        } catch (IOException e) {
            // Missing, a loop of links, or a path through a non-directory: nothing usable there.
            return null;
        }
    }

    private static String linkTarget(Path link) {
        try {
            return Files.readSymbolicLink(link).toString();
        } catch (IOException e) {
            return "?";
        }
    }
}
