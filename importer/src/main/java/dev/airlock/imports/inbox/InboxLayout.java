package dev.airlock.imports.inbox;

import dev.airlock.error.AirlockException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * The inbox directory: bundles arrive at its top level; {@code done/} and {@code rejected/} hold
 * what was processed; {@value #CONTROL} holds the watcher's lock and journal (a dot name, which no
 * sender uses for a finished file, so it is never taken for a bundle); it is the watcher's own, mode
 * 0700, and refused when another user owns it ({@link ControlDirectory}).
 */
record InboxLayout(Path inbox, Path done, Path rejected, Path control) {
    static final String DONE = "done";
    static final String REJECTED = "rejected";
    static final String CONTROL = ".airlock-watch";

    /**
     * Refuses (exit 1) an inbox named through a link that lies in a directory others may write without
     * the sticky bit: the watcher keeps using the name it was given, and any of them could put his own
     * directory, or a link to anywhere, in the link's place; the directories the link leads to were all
     * that was looked at (red-team pass V, V5).
     */
    static void refuseLinksInSharedDirectories(Path dir) {
        for (Path p = dir; p != null && p.getParent() != null; p = p.getParent()) {
            if (Files.isSymbolicLink(p)) {
                dev.airlock.io.FileOwners.refuseSharedWithoutSticky(p.getParent(), "the directory holding " + p.getFileName()
                        + ", a link on the way to the inbox " + dir + ",");
            }
        }
    }

    static InboxLayout of(Path inbox) {
        Path dir = inbox.toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            throw AirlockException.usage("inbox " + inbox + " is not a directory");
        }
        dev.airlock.io.FileOwners.refuseSharedWithoutSticky(dir, "inbox"); // before anything is made in it
        refuseLinksInSharedDirectories(dir);
        InboxLayout l = new InboxLayout(dir, dir.resolve(DONE), dir.resolve(REJECTED), dir.resolve(CONTROL));
        ControlDirectory.secure(l.control);
        for (Path p : new Path[] {l.done, l.rejected}) {
            try {
                if (Files.isSymbolicLink(p)) {
                    throw AirlockException.usage(p + " is a symbolic link; the watcher moves bundles only within the inbox");
                }
                Files.createDirectories(p);
            } catch (IOException e) {
                throw AirlockException.local("cannot create " + p + ": " + e.getMessage(), e);
            }
            if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                throw AirlockException.usage(p + " is not a directory");
            }
            // As the control directory: one another user owns (made before the watcher's first start by a
            // sender, or by a run as root) can be made unwritable at its owner's will, and every move into it
            // then failed and was retried for good, its channel waiting with it (red-team pass M).
            refuseForeign(p, p == l.done ? "imported" : "refused");
        }
        return l;
    }

    /** LOCAL naming {@code dir} when another user owns it, saying what to do: chown it (its files are bundles already handled). */
    private static void refuseForeign(Path dir, String what) {
        try {
            int owner = ControlDirectory.ownerOf(dir);
            int self = ControlDirectory.processUid();
            if (owner >= 0 && owner != self) {
                throw AirlockException.local(dir + " (where the watcher moves " + what + " bundles) belongs to uid " + owner + ", not to uid "
                        + self + " that this watcher runs as: its owner can make it unwritable and stop every import; check it, then chown -R "
                        + self + " " + dir, null);
            }
        } catch (IOException e) {
            throw AirlockException.local("cannot read the owner of " + dir + ": " + e.getMessage(), e);
        }
    }

    Path lockFile() {
        return control.resolve("lock");
    }

    Path journalFile() {
        return control.resolve("journal.json");
    }
}
