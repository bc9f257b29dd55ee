package dev.airlock.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Who owns a file, and who this process is, by numeric user id. The inbox's rules keep the files of
 * the user the watcher and the receivers run as over a stranger's (who can rewrite his own at will).
 */
public final class FileOwners {
    /**
     * The user this process runs as: the owner of the directory {@code /proc/self} leads to (the
     * link itself is root's whoever looks; read so, the service user airlock took itself for root:
     * red-team pass R, R3), or -1 when it cannot be told.
     */
    public static final int SELF = owner(Path.of("/proc/self"), true);

    private FileOwners() {
    }

    /** The owner of {@code file} itself (a link is not followed), or -1 when it cannot be told. */
    public static int owner(Path file) {
        return owner(file, false);
    }

    /** The owner of what {@code file} leads to (a link followed), or -1 when it cannot be told. */
    public static int ownerFollowingLinks(Path file) {
        return owner(file, true);
    }

    /** Whether {@code file} belongs to another user than this process's (false when either cannot be told). */
    public static boolean foreign(Path file) {
        int o = owner(file);
        return SELF >= 0 && o >= 0 && o != SELF;
    }

    /**
     * Refuses (a usage error, exit 2) a file that decides what is trusted when users other than its
     * owner may write it, or put another file in its place, as OpenSSH refuses such an
     * {@code authorized_keys}: the file writable by group or others (red-team pass R, R9), or a
     * directory it is in (each, up to {@code /}, links followed) writable by group or others without
     * the sticky bit (pass T, T12); or when a user other than root and this process's owns it, a
     * directory it is in, or a link on the way to it (pass V, V7; as {@code StrictModes}). {@code
     * consequence} says what any of them could do. A file that cannot be looked at is left to its reader.
     */
    public static void refuseWritableByOthers(Path file, String what, String consequence) {
        java.util.Set<java.nio.file.attribute.PosixFilePermission> perms;
        try {
            perms = Files.getPosixFilePermissions(file);
        } catch (IOException | UnsupportedOperationException e) {
            return;
        }
        if (writableByOthers(perms)) {
            throw dev.airlock.error.AirlockException.usage(what + " " + file + " is writable by group or others ("
                    + java.nio.file.attribute.PosixFilePermissions.toString(perms) + "): " + consequence + "; run chmod go-w " + file);
        }
        refuseForeignOnTheWay(file, what, consequence);
        Path dir = sharedDirectoryAbove(file);
        if (dir != null) {
            throw dev.airlock.error.AirlockException.usage(what + " " + file + " is in " + dir + ", which group or others may write"
                    + " (and not sticky): anyone who may write it can put a file of theirs in its place, and " + consequence
                    + "; run chmod go-w " + dir + ", or keep the " + what + " in a directory only its owner writes (such as /etc/airlock)");
        }
    }

    private static void refuseForeignOnTheWay(Path file, String what, String consequence) {
        Path foreign = foreignOnTheWay(file, SELF);
        if (foreign == null) {
            return;
        }
        String kind = foreign.equals(file.toAbsolutePath()) && !Files.isSymbolicLink(foreign) ? ""
                : Files.isSymbolicLink(foreign) ? ": the link " + foreign : Files.isDirectory(foreign) ? ": the directory " + foreign : ": " + foreign;
        throw dev.airlock.error.AirlockException.usage(what + " " + file + kind + " belongs to uid " + owner(foreign) + ", neither root nor"
                + " the user airlock runs as (uid " + SELF + "): that user can change it at will, and " + consequence + "; run chown root "
                + foreign + ", or keep the " + what + " where only root writes (such as /etc/airlock)");
    }

    /** {@link #foreignOnTheWay(Path, int, int)} from {@code path}; null also when the way cannot be walked (its reader says why). */
    private static Path foreignOnTheWay(Path path, int alsoAllowed) {
        try {
            return foreignOnTheWay(path.toAbsolutePath(), 0, alsoAllowed);
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * The first entry on the way to {@code path} (absolute) that a user other than root, this
     * process's and {@code alsoAllowed} owns: each directory from {@code /}, each link (and the way to where it leads), the
     * file itself; null if none, or if the owners cannot be told.
     */
    private static Path foreignOnTheWay(Path path, int links, int alsoAllowed) throws IOException {
        if (links > 40) {
            throw new IOException("too many links");
        }
        Path at = path.getRoot();
        for (Path name : path) {
            String n = name.toString();
            if (n.equals(".") || n.equals("..")) {
                at = n.equals("..") && at.getParent() != null ? at.getParent() : at;
                continue;
            }
            Path next = at.resolve(n);
            if (!Files.exists(next, LinkOption.NOFOLLOW_LINKS)) {
                return null; // its reader says it is missing
            }
            int uid = owner(next);
            if (stranger(uid) && uid != alsoAllowed) {
                return next;
            }
            if (Files.isSymbolicLink(next)) {
                Path bad = foreignOnTheWay(at.resolve(Files.readSymbolicLink(next)), links + 1, alsoAllowed);
                if (bad != null) {
                    return bad;
                }
                next = next.toRealPath();
            }
            at = next;
        }
        return null;
    }

    /** Neither root nor this process's user (false when either cannot be told). */
    private static boolean stranger(int uid) {
        return SELF >= 0 && uid >= 0 && uid != 0 && uid != SELF;
    }

    private static boolean writableByOthers(java.util.Set<java.nio.file.attribute.PosixFilePermission> perms) {
        return perms.contains(java.nio.file.attribute.PosixFilePermission.GROUP_WRITE)
                || perms.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_WRITE);
    }

    /**
     * Refuses (exit 1) a directory a service writes into as its user (root, often), when users other
     * than its owners may rename what is in it: it, or a directory above it (links followed),
     * writable by group or others without the sticky bit. Any of them could rename a delivered
     * bundle away, or the service's own directory in it (its directory of {@code .part} files,
     * {@code done/}) and put a link to anywhere in its place, which the service would then write
     * through (red-team pass R, R10, first only warned of; pass U, U7). {@code what} names the
     * directory ("inbox"). A directory not made yet is judged by where it will be made.
     */
    public static void refuseSharedWithoutSticky(Path dir, String what) {
        refuseShared(dir, what, true);
    }

    /**
     * As {@link #refuseSharedWithoutSticky} for a directory only airlock writes (the ledgers of
     * {@code --state}): the directory itself must be root's or this process's user's too, as must
     * each directory above it and each link on the way (red-team pass X, R7).
     */
    public static void refuseSharedOrAnotherUsers(Path dir, String what) {
        refuseShared(dir, what, false);
    }

    private static void refuseShared(Path dir, String what, boolean ownerIsReceiver) {
        Path real;
        boolean made = Files.exists(dir);
        try {
            real = made ? dir.toRealPath() : nearestExisting(dir).toRealPath(); // one yet to be made: where it will be
        } catch (IOException e) {
            return; // its reader says why it cannot be used
        }
        Path shared = firstShared(real);
        if (shared != null) {
            throw dev.airlock.error.AirlockException.local((made && shared.equals(real) ? what + " " + dir : what + " " + dir + " is in " + shared
                    + ", which") + " may be written by other users but has no sticky bit: any of them can rename or remove what is in it"
                    + " (a delivered bundle, or a directory of airlock's, put back as a link to anywhere); run chmod +t " + shared
                    + " (or chmod go-w " + shared + "; for vfat, mount it with umask=022)", null);
        }
        refuseStrangerOnTheWay(made ? dir : dir.toAbsolutePath().normalize(), what, made && ownerIsReceiver ? owner(real) : SELF);
    }

    /**
     * Refuses (exit 1) a directory to which another user's directory or link leads: each directory
     * above it and each link on the way must be root's, this process's user's or {@code ownersUid}'s
     * (the directory's own owner, a receiver); another could move it, or point his link at his own
     * directory, at any time (red-team pass W, R3).
     */
    private static void refuseStrangerOnTheWay(Path dir, String what, int ownersUid) {
        Path foreign = foreignOnTheWay(dir, ownersUid);
        if (foreign != null) {
            throw dev.airlock.error.AirlockException.local(what + " " + dir + ": the " + (Files.isSymbolicLink(foreign) ? "link " : "directory ")
                    + foreign + " belongs to uid " + owner(foreign) + ", neither root" + (ownersUid == SELF ? " nor the user airlock runs as (uid "
                    + SELF + ")" : ", the user airlock runs as (uid " + SELF + ") nor the " + what + "'s owner") + ": that user can move it,"
                    + " or point it at a directory of his, at any time; run chown root " + foreign + ", or keep the " + what
                    + (ownersUid == SELF ? " where only root and airlock's user write" : " where only root and its owner write"), null);
        }
    }

    /** {@code path} if it exists, else the nearest directory above it that does. */
    private static Path nearestExisting(Path path) {
        Path p = path.toAbsolutePath().normalize(); // what mkdir will make: a ".." after a missing directory is that directory's parent
        while (p.getParent() != null && !Files.exists(p)) {
            p = p.getParent();
        }
        return p;
    }

    /** The first directory {@code file} is in (links followed), up to {@code /}, that group or others may write without the sticky bit; null if none. */
    private static Path sharedDirectoryAbove(Path file) {
        try {
            Path dir = file.toRealPath().getParent();
            return dir == null ? null : firstShared(dir);
        } catch (IOException e) {
            return null;
        }
    }

    /** {@code dir} (a real path) or the first directory above it that group or others may write without the sticky bit; null if none. */
    private static Path firstShared(Path dir) {
        for (; dir != null; dir = dir.getParent()) {
            try {
                int mode = (Integer) Files.getAttribute(dir, "unix:mode");
                if ((mode & 0022) != 0 && (mode & 01000) == 0) {
                    return dir;
                }
            } catch (IOException | UnsupportedOperationException | IllegalArgumentException | ClassCastException e) {
                return null;
            }
        }
        return null;
    }

    private static int owner(Path file, boolean follow) {
        try {
            Object uid = follow ? Files.getAttribute(file, "unix:uid") : Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            return uid instanceof Integer i ? i : -1;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return -1;
        }
    }
}
