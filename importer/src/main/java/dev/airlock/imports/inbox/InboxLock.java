package dev.airlock.imports.inbox;

import dev.airlock.error.AirlockException;
import dev.airlock.io.ChannelLock;
import java.io.IOException;
import java.nio.file.Path;

/**
 * One watcher per inbox, whatever its {@code --state}: two would import and move the same files.
 * The lock lives in the inbox's own control directory ({@value InboxLayout#CONTROL}), is held by
 * the OS, and so never outlives a killed watcher.
 */
final class InboxLock {
    private InboxLock() {
    }

    /**
     * The lock, or LOCAL naming it when it is held, or when it is not a regular file of this
     * process's user (a link, a FIFO or a file someone else put there: the inbox is written by others).
     */
    static ChannelLock acquire(InboxLayout layout) {
        Path file = layout.lockFile();
        try {
            ControlDirectory.refuseForeign(file, "the watcher's lock");
        } catch (IOException e) {
            throw AirlockException.local("cannot lock " + file + ": " + e.getMessage(), e);
        }
        return ChannelLock.onFile(file, () -> AirlockException.local("another airlock-import watch or serve (which watches"
                + " its inbox too) is working on the inbox " + layout.inbox() + " (it holds " + file + "); stop it first: one watcher per inbox",
                null));
    }
}
