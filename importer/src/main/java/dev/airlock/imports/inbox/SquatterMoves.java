package dev.airlock.imports.inbox;

import dev.airlock.error.AirlockException;
import dev.airlock.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * Carries out a ready set's {@link InboxScan.Arrangement} before its import: each squatter (a copy
 * that is not the one its signed list names, {@link SignedCopies}) goes to {@code rejected/} with
 * {@code NAME.reason} naming the name it took, by the inbox's delivery rule (never deleted, never
 * replacing); then each chosen copy takes the name it was kept beside, with link(2), which fails if
 * the name was taken again meanwhile (then the next listing looks again). The set is imported by
 * its own names from the next listing on, as any other.
 */
final class SquatterMoves {
    private final Path inbox;
    /** Whose files are the receivers' deliveries (red-team pass S, S1). */
    private final Receivers receivers;
    private final InboxMoves moves;
    private final Consumer<String> log;

    SquatterMoves(Path inbox, InboxMoves moves, Consumer<String> log) {
        this.inbox = inbox;
        this.receivers = Receivers.of(inbox);
        this.moves = moves;
        this.log = log;
    }

    /** Sets {@code c}'s squatters aside and gives its chosen copies their names; {@code c} is taken again by the next listing. */
    void arrange(InboxScan.Candidate c) {
        setAside(c, c.arrangement().squats());
        promote(c);
    }

    /**
     * Moves each of {@code squats} to {@code rejected/} with its reason, naming the set {@code c}: each
     * by name up to {@link InboxScan#STRAYS_NAMED}, then counted (a stranger's flood of copies is set
     * aside whole, in one line more).
     */
    void setAside(InboxScan.Candidate c, List<SignedCopies.Squat> squats) {
        int n = 0;
        for (SignedCopies.Squat s : squats) {
            String name = s.file().getFileName().toString();
            String to = moves.move(name, List.of(s.file()), true, "airlock-import: " + s.why() + "\n");
            if (n++ < InboxScan.STRAYS_NAMED) {
                log.accept("set aside " + name + " beside volume set " + c.key() + ": " + s.why() + " -> " + to + " (reason in " + to
                        + ".reason)");
            }
        }
        if (n > InboxScan.STRAYS_NAMED) {
            log.accept("set aside " + (n - InboxScan.STRAYS_NAMED) + " more copies beside volume set " + c.key() + " to "
                    + InboxLayout.REJECTED + "/, each with its reason");
        }
    }

    /**
     * Sets aside what lies under {@code name} when it is no regular file (a symbolic link, a FIFO, a
     * socket: a shared folder's stranger's, which the scan never looks at), so that the chosen copy
     * takes the name at the next listing; true if it did. Left there, the set was looked at again on
     * every listing and never imported (red-team pass N). A directory is named, and left.
     */
    private boolean setAsideNonRegular(InboxScan.Candidate c, String name) {
        Path there = inbox.resolve(name);
        java.nio.file.attribute.BasicFileAttributes a;
        try {
            a = Files.readAttributes(there, java.nio.file.attribute.BasicFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            return false;
        }
        if (a.isRegularFile()) {
            return false;
        }
        if (a.isDirectory()) {
            return setAsideDirectory(c, name);
        }
        setAside(c, List.of(new SignedCopies.Squat(there, name, "squatted " + name + ": not a regular file (a symbolic link or"
                + " device is never imported from an inbox), under a name of the volume set " + c.key())));
        return true;
    }

    /**
     * Moves a directory that someone put under {@code name} aside within the inbox, to a dot name no
     * one can tell in advance (the scan never looks at dot names): it cannot go to {@code rejected/}
     * (moving another user's directory to another parent needs write access to it), and left there it
     * kept the set out for good, every later bundle of its channel behind it (red-team pass R, R2).
     * The inbox's owner may rename what is in it, sticky or not. True if the name is free now.
     */
    private boolean setAsideDirectory(InboxScan.Candidate c, String name) {
        String aside = "." + name + ".directory-" + Long.toHexString(new java.security.SecureRandom().nextLong() & Long.MAX_VALUE);
        try {
            Files.move(inbox.resolve(name), inbox.resolve(aside));
            AtomicFiles.fsyncDirectory(inbox);
            log.accept("moved aside " + name + ", a directory that someone put under a name of volume set " + c.key() + ", to " + aside
                    + " (remove it)");
            return true;
        } catch (IOException | RuntimeException e) {
            log.accept(name + " is a directory that someone put under a name of volume set " + c.key() + ", and it cannot be moved aside"
                    + " (" + e.getMessage() + "): the set's copy cannot take the name until it is removed");
            return true;
        }
    }

    /**
     * Sets aside another user's regular file under {@code name} when the chosen {@code copy} is the
     * receivers' (the copy the receivers delivered and the signed list named): one the scan left
     * out among a stranger's flood of files beside the set (red-team pass R, R4), or one a stranger
     * made again under the name since its last was set aside (R7). True if it did: the copy takes the
     * name at the next listing.
     */
    private boolean setAsideStrangers(InboxScan.Candidate c, String name, Path copy) {
        Path there = inbox.resolve(name);
        if (!receivers.stranger(there) || !receivers.theirs(copy) || !Files.isRegularFile(there, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        setAside(c, List.of(new SignedCopies.Squat(there, name, "squatted " + name + ": another user's file under a name of the volume set "
                + c.key() + ", whose signed list names " + copy.getFileName() + ", the receivers'")));
        return true;
    }

    private void promote(InboxScan.Candidate c) {
        for (Path copy : c.arrangement().promote()) {
            String name = SignedCopies.base(copy.getFileName().toString());
            try {
                Files.createLink(inbox.resolve(name), copy);
                Files.delete(copy);
                AtomicFiles.fsyncDirectory(inbox);
                log.accept("took " + copy.getFileName() + " as " + name + ": it is the copy the signed list of " + c.key() + " names");
            } catch (FileAlreadyExistsException e) {
                if (!setAsideNonRegular(c, name) && !setAsideStrangers(c, name, copy)) {
                    log.accept(name + " was taken again (or " + copy.getFileName() + " went) meanwhile: volume set " + c.key()
                            + " is looked at again");
                }
            } catch (NoSuchFileException e) {
                log.accept(name + " was taken again (or " + copy.getFileName() + " went) meanwhile: volume set " + c.key()
                        + " is looked at again");
            } catch (IOException | UnsupportedOperationException e) {
                throw AirlockException.local("cannot give " + copy.getFileName() + " the name " + name + " (a hard link in the inbox): "
                        + e.getMessage(), e);
            }
        }
    }
}
