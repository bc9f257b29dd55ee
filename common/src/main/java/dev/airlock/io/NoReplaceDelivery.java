package dev.airlock.io;

import dev.airlock.digest.Digest;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;

/**
 * The one delivery rule for every file that enters or moves within an inbox (the SFTP inbox's
 * uploads, {@code watch}'s moves into {@code done/} and {@code rejected/}; {@code scripts/diode-receive}
 * implements the same rule in shell): a final name is taken <em>without ever replacing</em> what is
 * there.
 *
 * <ul>
 * <li>The name is taken with link(2), which fails atomically if the name exists, then the source is
 * unlinked and the directories fsynced. Where the file system has no hard links (vfat answers
 * EPERM) an exclusive create ({@code O_CREAT|O_EXCL}) and a copy stand in: the name then shows the
 * file growing, which {@code watch}'s settle time covers.</li>
 * <li>A name already taken by the same bytes (same size, byte-equal, so the same sha256) in a file
 * of the source's owner: a {@link Kind#DUPLICATE}; the source is removed, the file there stays.
 * The same bytes in another user's file count as other bytes (he may rewrite them later).</li>
 * <li>A name taken by other bytes: the source is kept beside it as
 * {@code NAME.conflict-<first 16 hex of its sha256>} ({@link Kind#CONFLICT}); should that name be
 * taken by yet other bytes, {@code NAME.conflict-<sha16>-2}, {@code -3}, … The name is derived from
 * the content, so the same conflicting file sent again is a duplicate of its kept copy rather than
 * a pile of copies. {@code watch} takes a single-file bundle's conflict name
 * {@code NAME.tar.conflict-SHA16} as a bundle of its own (the import tells a forged file from the
 * real one; red-team pass L); a volume set's list, signature and volumes kept so are told from the
 * files under their names by the set's signed list (red-team pass L3: {@code SignedCopies}).</li>
 * </ul>
 * The source must be complete and fsynced, a regular file on the same file system as the target.
 * Callers log the {@link Outcome}; nothing here prints.
 */
public final class NoReplaceDelivery {
    /** What became of the source. */
    public enum Kind {
        /** It took the asked-for name. */
        DELIVERED,
        /** The same bytes were already there (under the name, or under its conflict name): the source is gone. */
        DUPLICATE,
        /** Other bytes were under the name: the source was kept beside them, at {@link Outcome#path()}. */
        CONFLICT
    }

    /** {@code path}: where the bytes now are (the name, the conflict name, or the copy that was already there). */
    public record Outcome(Kind kind, Path path) {
    }

    /** Takes a name for a file; link(2) in production. A test stands in a file system without hard links. */
    @FunctionalInterface
    interface Linker {
        void link(Path name, Path existing) throws IOException;
    }

    private static final int MAX_CONFLICTS = 100;
    /** The highest conflict number (9 digits: {@code watch} takes copies numbered so). */
    private static final int MAX_NUMBER = 999_999_999;
    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();
    private static final NoReplaceDelivery SYSTEM = new NoReplaceDelivery(Files::createLink);

    private final Linker linker;

    NoReplaceDelivery(Linker linker) {
        this.linker = linker;
    }

    /** Delivers {@code src} to {@code target} by the rule above. */
    public static Outcome deliver(Path src, Path target) throws IOException {
        return SYSTEM.move(src, target);
    }

    Outcome move(Path src, Path target) throws IOException {
        String sha = null;
        int vanished = 0;
        for (int n = 0; n <= 2 * MAX_CONFLICTS; n++) {
            if (n == 1 && sha == null) {
                sha = Digest.sha256Of(src, LinkOption.NOFOLLOW_LINKS).hex().substring(0, 16);
            }
            Path candidate = n == 0 ? target
                    : target.resolveSibling(target.getFileName() + ".conflict-" + sha + (n == 1 ? "" : "-" + suffix(n)));
            Taken taken = take(src, candidate);
            if (taken != Taken.NO) {
                if (taken == Taken.LINKED) {
                    Files.delete(src);
                }
                sync(src, candidate);
                return new Outcome(n == 0 ? Kind.DELIVERED : Kind.CONFLICT, candidate);
            }
            Boolean same = sameBytes(src, candidate);
            if (same == null && vanished++ < MAX_CONFLICTS) {
                n--; // taken a moment ago and gone now (watch moved it away): the name is free again
            } else if (Boolean.TRUE.equals(same)) {
                Files.delete(src);
                sync(src, candidate);
                return new Outcome(Kind.DUPLICATE, candidate);
            }
        }
        throw new FileAlreadyExistsException(target.toString(), null, 2 * MAX_CONFLICTS + " conflicting files are already kept beside it");
    }

    /**
     * The number of the {@code n}th conflict name: 2 … 100 in order, then ones no one can tell in
     * advance ({@link #MAX_NUMBER} at most). A set's list, readable in the inbox, names each volume's
     * sha256, so every numbered name of a volume sent after it (diode-send's second round, a bundle
     * sent again) is known: a stranger who held them all kept the real volume from ever being delivered,
     * and its set waited for good (red-team pass R, R1).
     */
    private static String suffix(int n) {
        return String.valueOf(n <= MAX_CONFLICTS ? n : MAX_CONFLICTS + 1 + RANDOM.nextInt(MAX_NUMBER - MAX_CONFLICTS));
    }

    /** How {@link #take} went: {@code name} holds {@code src}'s bytes, {@code src} still there ({@code LINKED}) or renamed to it; or taken. */
    private enum Taken { LINKED, RENAMED, NO }

    private Taken take(Path src, Path name) throws IOException {
        try {
            linker.link(name, src);
            return Taken.LINKED;
        } catch (FileAlreadyExistsException e) {
            return Taken.NO;
        } catch (UnsupportedOperationException | FileSystemException e) {
            if (e instanceof NoSuchFileException || e instanceof AccessDeniedException || isCrossDevice(e)) {
                throw e;
            }
            if (FileOwners.foreign(src) && ownDirectory(name.toAbsolutePath().getParent())) {
                return renameInto(src, name);
            }
            return copyExclusive(src, name) ? Taken.LINKED : Taken.NO; // no hard links here (vfat: EPERM)
        }
    }

    /**
     * Another user's file, which protected hard links (fs.protected_hardlinks, Debian's default) keep
     * from being linked (EPERM, as on vfat), goes by rename(2) into a directory that only this user
     * may write (watch's done/ and rejected/): no one else can take the name meanwhile, so nothing is
     * replaced. Copied, a stranger's sparse file of any size (no disk, no quota) was written out in full
     * (red-team pass R, R6).
     */
    private static Taken renameInto(Path src, Path name) throws IOException {
        if (Files.exists(name, LinkOption.NOFOLLOW_LINKS)) {
            return Taken.NO;
        }
        Files.move(src, name);
        return Taken.RENAMED;
    }

    private static boolean ownDirectory(Path dir) {
        try {
            return !FileOwners.foreign(dir) && java.util.Collections.disjoint(Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS),
                    java.util.Set.of(java.nio.file.attribute.PosixFilePermission.GROUP_WRITE, java.nio.file.attribute.PosixFilePermission.OTHERS_WRITE));
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    private static boolean isCrossDevice(Exception e) {
        return e instanceof FileSystemException f && f.getReason() != null && f.getReason().contains("cross-device");
    }

    private static boolean copyExclusive(Path src, Path name) throws IOException {
        FileChannel out;
        try {
            out = FileChannel.open(name, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
        } catch (FileAlreadyExistsException e) {
            return false;
        }
        try (out; FileChannel in = FileChannel.open(src, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            long size = in.size();
            for (long pos = 0; pos < size; ) {
                pos += out.transferFrom(in, pos, size - pos);
            }
            out.force(true);
        } catch (IOException e) {
            Files.deleteIfExists(name); // ours, created above: never a partial copy left under the name
            throw e;
        }
        return true;
    }

    /**
     * Whether {@code there} is a regular file of {@code src}'s owner with exactly {@code src}'s bytes;
     * null if it is gone. Another user's file is never a delivered copy, whatever it holds: he may
     * rewrite it at any time (red-team pass Q, Q3).
     */
    private static Boolean sameBytes(Path src, Path there) throws IOException {
        try {
            PosixFileAttributes a = Files.readAttributes(there, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            return a.isRegularFile() && a.size() == Files.size(src) && a.owner().equals(Files.getOwner(src, LinkOption.NOFOLLOW_LINKS))
                    && Files.mismatch(src, there) == -1L;
        } catch (NoSuchFileException e) {
            return Files.exists(src, LinkOption.NOFOLLOW_LINKS) ? null : Boolean.FALSE;
        }
    }

    private static void sync(Path src, Path name) {
        Path to = name.toAbsolutePath().getParent();
        Path from = src.toAbsolutePath().getParent();
        AtomicFiles.fsyncDirectory(to);
        if (!from.equals(to)) {
            AtomicFiles.fsyncDirectory(from);
        }
    }
}
