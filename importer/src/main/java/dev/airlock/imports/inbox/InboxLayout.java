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

    static InboxLayout of(Path inbox) {
        Path dir = inbox.toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            throw AirlockException.usage("inbox " + inbox + " is not a directory");
        }
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
        }
        return l;
    }

    Path lockFile() {
        return control.resolve("lock");
    }

    Path journalFile() {
        return control.resolve("journal.json");
    }
}
