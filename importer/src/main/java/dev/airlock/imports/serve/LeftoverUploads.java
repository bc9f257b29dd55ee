package dev.airlock.imports.serve;

import dev.airlock.io.FileOwners;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Consumer;

/**
 * The temporary files of plain uploads ({@link InboxNames#isTemp}) that a serve killed mid-upload
 * (SIGKILL, a power cut) left in the inbox: nothing else ever removes them. Removed when serve
 * starts; only regular files of serve's own user with exactly that name form go (another user's is
 * left: in a sticky inbox he cannot swap serve's own for a FIFO that would hold the open, red-team
 * pass S, S9; a {@code .part} is kept: the exporter
 * resumes it), and only those no process holds the lock of: a serve holds it on each upload it
 * writes ({@link InboxSftpSubsystem.RefusingAccessor}), so a second serve started on the same
 * inbox by mistake (refused by the inbox lock moments later) leaves the first one's uploads alone.
 */
final class LeftoverUploads {
    private LeftoverUploads() {
    }

    /** Removes each leftover and logs it; a file that cannot be removed is logged and left. */
    static void remove(Path inbox, Consumer<String> log) {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(inbox)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                if (!InboxNames.isTemp(name) || !Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS) || FileOwners.foreign(f)) {
                    continue; // another user's is not serve's leftover, and opening it would wait on a FIFO he swaps in (S9)
                }
                try {
                    removeIfNotHeld(f, log);
                } catch (IOException e) {
                    log.accept("cannot remove the leftover upload " + f + ": " + e.getMessage());
                }
            }
        } catch (IOException e) {
            log.accept("cannot look for leftover uploads in " + inbox + ": " + e.getMessage());
        }
    }

    /** Removes {@code f} unless a serve holds its lock (the file is being written: another serve on this inbox). */
    private static void removeIfNotHeld(Path f, Consumer<String> log) throws IOException {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
            FileLock held;
            try {
                held = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                held = null; // this process writes it
            }
            if (held == null) {
                log.accept("left " + f.getFileName() + " in place: an upload another serve on this inbox is writing");
                return;
            }
            long size = ch.size();
            Files.delete(f); // under the lock, so no serve takes it up in between
            log.accept("removed " + f.getFileName() + " (" + size + " bytes): an upload cut short when serve last stopped");
        }
    }
}
