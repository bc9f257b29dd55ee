package dev.airlock.imports.serve;

import dev.airlock.error.AirlockException;
import dev.airlock.io.AtomicFiles;
import dev.airlock.io.FileOwners;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Where serve keeps the {@code NAME.part} files of resumable pushes: {@code DIR/.airlock-serve-parts},
 * serve's own, mode 0700 (a dot name: watch never looks at it). A client still sees and names them as
 * {@code NAME.part} in the inbox; the rename to {@code NAME} delivers into the inbox by the one rule.
 * Kept in the shared inbox under a name known in advance (the bundle's), a {@code .part} was another
 * local user's to hold: serve as root wrote a push into his inode, and one he made again the moment
 * serve set his aside failed the push on every try (red-team pass S, S5 and S5b).
 *
 * <p>Each authorized key has a directory of its own in it ({@link #forKey}): a session sees, reads,
 * writes and renames only its own key's {@code .part} files. Shared by every key, one push's
 * {@code .part} was another key's to hold open for writing, which refused that push's rename for
 * good, or to write into (red-team pass T, T8). A push resumed after a dropped connection comes
 * with the same key, so it finds its {@code .part}.
 */
final class PartsDirectory {
    static final String NAME = ".airlock-serve-parts";
    /** A key's directory name: its SHA-256 fingerprint's base64 with {@code -} and {@code _}. */
    private static final Pattern KEY_DIRECTORY = Pattern.compile("[A-Za-z0-9_-]{16,100}");

    private PartsDirectory() {
    }

    /**
     * Makes {@code inbox}'s parts directory (or checks it: a directory of serve's user, not a link,
     * then mode 0700), and logs the {@code .part} files of serve's user an earlier version left in
     * the inbox or in it ({@link #logOldParts}). Another user's directory there, a link or a file is
     * renamed aside ({@link #setAside}); only when serve may not rename it, serve refuses to start
     * (exit 1, naming it).
     */
    static Path prepare(Path inbox, Consumer<String> log) {
        Path dir = inbox.resolve(NAME);
        try {
            for (int tries = 1; !ours(dir); tries++) {
                if (tries > TRIES || !putInPlace(inbox, dir, log)) {
                    throw AirlockException.local(dir + " (where serve keeps the .part files of pushes) is not a directory of the user serve"
                            + " runs as (uid " + FileOwners.SELF + "), and serve cannot rename it aside: someone else put it there; check it,"
                            + " remove it, then start again", null);
                }
            }
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            AtomicFiles.fsyncDirectory(inbox);
            logOldParts(inbox, dir, log);
            return dir;
        } catch (IOException e) {
            throw AirlockException.local("cannot make " + dir + " (where serve keeps the .part files of pushes): " + e.getMessage(), e);
        }
    }

    /**
     * The mode the process's umask gives a new file (Java cannot read the umask itself): a file made
     * in serve's own directory {@code parts} without a mode, looked at, removed.
     */
    static java.util.Set<java.nio.file.attribute.PosixFilePermission> umaskMode(Path parts) {
        Path probe = parts.resolve(".mode-probe-" + random());
        try {
            Files.createFile(probe);
            try {
                return Files.getPosixFilePermissions(probe, LinkOption.NOFOLLOW_LINKS);
            } finally {
                Files.deleteIfExists(probe);
            }
        } catch (IOException e) {
            throw AirlockException.local("cannot make a file in " + parts + " (where serve keeps the .part files of pushes): "
                    + e.getMessage(), e);
        }
    }

    /** How often serve puts its directory in place at start before it gives up (exit 1): each try is lost only to a stranger's race. */
    private static final int TRIES = 100;

    /** Whether {@code dir} is a directory of serve's user (not a link). */
    private static boolean ours(Path dir) throws IOException {
        try {
            BasicFileAttributes a = Files.readAttributes(dir, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            return a.isDirectory() && !FileOwners.foreign(dir);
        } catch (java.nio.file.NoSuchFileException e) {
            return false;
        }
    }

    /**
     * Makes serve's directory under a random name of its own, then renames it to {@code dir} in one
     * rename(2), which takes the name when it is free or holds an empty directory; what else is there
     * (another user's directory, a link, a file) is renamed aside ({@link #setAside}) and the rename
     * follows at once. Made at the name itself, after the set-aside and an fsync, the name was a
     * stranger's again first: watching the inbox (inotify), he made his directory anew each time, and
     * serve exited 1 at every start (red-team pass W, R2). False when serve may not rename his aside.
     */
    private static boolean putInPlace(Path inbox, Path dir, Consumer<String> log) throws IOException {
        Path fresh = inbox.resolve(NAME + ".new-" + random());
        Files.createDirectory(fresh, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        try {
            if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS) || !ours(dir) && setAside(inbox, dir, log)) {
                Files.move(fresh, dir, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                return true;
            }
            return ours(dir);
        } catch (IOException e) {
            return true; // taken again meanwhile (a file, a directory with something in it): looked at again
        } finally {
            Files.deleteIfExists(fresh);
        }
    }

    private static String random() {
        byte[] b = new byte[6];
        new java.security.SecureRandom().nextBytes(b);
        return java.util.HexFormat.of().formatHex(b);
    }

    /**
     * Renames another user's entry (or a link, or a file) under the parts directory's name aside within
     * the inbox, to {@code NAME.aside-RANDOM}: on a fresh shared inbox a stranger's directory there
     * made every start exit 1 (red-team pass U, U4). Serve, the sticky inbox's owner or root, may; false
     * when it may not. Logged, and the inbox synced, once serve's directory is in place.
     */
    private static boolean setAside(Path inbox, Path dir, Consumer<String> log) {
        Path aside = inbox.resolve(NAME + ".aside-" + random());
        try {
            Files.move(dir, aside, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            return false;
        }
        log.accept("renamed " + NAME + " (not a directory of the user serve runs as: someone else put it there) to " + aside.getFileName()
                + "; remove it once checked");
        return true;
    }

    /**
     * The directory of {@code .part} files of the key whose fingerprint ({@code SHA256:BASE64}) is
     * {@code fingerprint}: {@code PARTS/BASE64}, with {@code +} and {@code /} written {@code -} and
     * {@code _}. Made only when the key first writes a {@code .part} ({@link #ensure}).
     */
    static Path forKey(Path parts, String fingerprint) {
        String id = fingerprint == null ? "" : fingerprint.substring(fingerprint.indexOf(':') + 1).replace('+', '-').replace('/', '_');
        if (!KEY_DIRECTORY.matcher(id).matches()) {
            throw new IllegalStateException("no key fingerprint for this session: " + fingerprint);
        }
        return parts.resolve(id);
    }

    /** Makes a key's directory ({@link #forKey}, mode 0700) if it is not there yet. */
    static void ensure(Path keyParts) throws IOException {
        if (Files.isDirectory(keyParts, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            Files.createDirectory(keyParts, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (java.nio.file.FileAlreadyExistsException e) {
            return; // another session of the key made it just now (or it is not a directory: the open below fails)
        }
        AtomicFiles.fsyncDirectory(keyParts.getParent());
    }

    /**
     * Names in the log, once at start, each key directory in {@code parts} of a key that
     * {@code fingerprints} (the authorized keys now) does not list, with what it holds: a removed or
     * rotated key's {@code .part} files are never resumed nor delivered, and take space only an admin
     * can free (red-team pass U, U5).
     */
    static void logUnlistedKeys(Path parts, java.util.Collection<String> fingerprints, Consumer<String> log) {
        java.util.Set<Path> listed = new java.util.HashSet<>();
        fingerprints.forEach(f -> listed.add(forKey(parts, f)));
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(parts)) {
            for (Path d : ds) {
                if (listed.contains(d) || !Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                long files = 0;
                long bytes = 0;
                try (DirectoryStream<Path> in = Files.newDirectoryStream(d)) {
                    for (Path f : in) {
                        files++;
                        bytes += Files.readAttributes(f, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).size();
                    }
                }
                log.accept(NAME + "/" + d.getFileName() + " holds " + files + " .part file" + (files == 1 ? "" : "s") + " (" + bytes
                        + " bytes) of a key the authorized keys no longer list: never resumed nor delivered; remove it once checked");
            }
        } catch (IOException e) {
            log.accept("cannot look at " + parts + " for the .part files of keys no longer listed: " + e.getMessage());
        }
    }

    /**
     * {@code .part} files an earlier serve left in the inbox itself or in this directory, when a
     * {@code .part} was not yet any one key's: a push is resumed only from its own key's
     * {@code .part}, so these are left where they are and named in the log once (their pushes start
     * again from the beginning), for an admin to remove.
     */
    private static void logOldParts(Path inbox, Path dir, Consumer<String> log) throws IOException {
        for (Path d : List.of(inbox, dir)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(d, "*" + InboxNames.PART)) {
                for (Path p : ds) {
                    if (!p.getFileName().toString().startsWith(".") && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)
                            && !FileOwners.foreign(p)) {
                        log.accept("left " + inbox.relativize(p) + " (a push's partial file from an earlier serve, which kept the .part"
                                + " files of every key together) in place: pushes resume only from their own key's .part, so its push"
                                + " starts again from the beginning; remove it when no push of it is running");
                    }
                }
            }
        }
    }
}
