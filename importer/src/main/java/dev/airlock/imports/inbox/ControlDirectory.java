package dev.airlock.imports.inbox;

import dev.airlock.error.AirlockException;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The inbox's control directory ({@value InboxLayout#CONTROL}: the watcher's lock and journal) is
 * the watcher's own: its user (uid) owns it and only that user may write it (mode 0700). The inbox
 * itself is written by others (an OpenSSH or sftp-only push login, an NFS share, a stick copied in
 * with its dot files), and what sits in the control directory decides which files the watcher moves;
 * so a control directory, journal or lock owned by another user is never trusted (issue 17, C1).
 */
final class ControlDirectory {
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

    private ControlDirectory() {
    }

    /**
     * Creates {@code dir} mode 0700, or accepts it if this process's user owns it (tightening it to
     * 0700: an older watcher made it with the umask's mode). LOCAL when another user owns it, naming
     * both users; USAGE when it is a link or not a directory.
     */
    static void secure(Path dir) {
        try {
            if (Files.isSymbolicLink(dir)) {
                throw AirlockException.usage(dir + " is a symbolic link; the watcher keeps its lock and journal only in a directory of its own");
            }
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            } catch (FileAlreadyExistsException exists) {
                // checked below
            }
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                throw AirlockException.usage(dir + " is not a directory");
            }
            refuseForeign(dir, "the watcher's control directory");
            if (!Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS).equals(OWNER_ONLY)) {
                Files.setPosixFilePermissions(dir, OWNER_ONLY);
            }
        } catch (IOException e) {
            throw AirlockException.local("cannot create " + dir + ": " + e.getMessage(), e);
        }
    }

    /** LOCAL naming {@code file} (what it is: {@code what}) when it exists and another user owns it. */
    static void refuseForeign(Path file, String what) throws IOException {
        int owner = ownerOf(file);
        int self = processUid();
        if (owner >= 0 && owner != self) {
            throw AirlockException.local(file + " (" + what + ") belongs to uid " + owner + ", not to uid " + self
                    + " that this watcher runs as; someone else wrote it into the inbox: check it, remove it, and start again", null);
        }
    }

    /** The uid owning {@code file} (not following a link), or -1 when there is no such file. */
    static int ownerOf(Path file) throws IOException {
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return -1;
        }
        return (Integer) Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    }

    /** This process's (effective) uid: the owner of {@code /proc/self}. */
    static int processUid() throws IOException {
        return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    }
}
