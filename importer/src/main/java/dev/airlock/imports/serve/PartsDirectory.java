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
import java.util.function.Consumer;

/**
 * Where serve keeps the {@code NAME.part} files of resumable pushes: {@code DIR/.airlock-serve-parts},
 * serve's own, mode 0700 (a dot name: watch never looks at it). A client still sees and names them as
 * {@code NAME.part} in the inbox; the rename to {@code NAME} delivers into the inbox by the one rule.
 * Kept in the shared inbox under a name known in advance (the bundle's), a {@code .part} was another
 * local user's to hold: serve as root wrote a push into his inode, and one he made again the moment
 * serve set his aside failed the push on every try (red-team pass S, S5 and S5b).
 */
final class PartsDirectory {
    static final String NAME = ".airlock-serve-parts";

    private PartsDirectory() {
    }

    /**
     * Makes {@code inbox}'s parts directory (or checks it: a directory of serve's user, not a link,
     * then mode 0700), and moves into it the {@code .part} files of serve's user an earlier version
     * left in the inbox, so that their pushes resume. Another user's directory there, or a link, is
     * refused (exit 1, naming it).
     */
    static Path prepare(Path inbox, Consumer<String> log) {
        Path dir = inbox.resolve(NAME);
        try {
            if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                AtomicFiles.fsyncDirectory(inbox);
            }
            BasicFileAttributes a = Files.readAttributes(dir, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!a.isDirectory() || FileOwners.foreign(dir)) {
                throw AirlockException.local(dir + " (where serve keeps the .part files of pushes) is not a directory of the user serve"
                        + " runs as (uid " + FileOwners.SELF + "): someone else put it there; check it, remove it, then start again", null);
            }
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            adoptOldParts(inbox, dir, log);
            return dir;
        } catch (IOException e) {
            throw AirlockException.local("cannot make " + dir + " (where serve keeps the .part files of pushes): " + e.getMessage(), e);
        }
    }

    /** The {@code .part} files of serve's own user that an earlier serve wrote in the inbox itself: moved in, never replacing. */
    private static void adoptOldParts(Path inbox, Path dir, Consumer<String> log) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(inbox, "*" + InboxNames.PART)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (name.startsWith(".") || !Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) || FileOwners.foreign(p)
                        || Files.exists(dir.resolve(name), LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                Files.createLink(dir.resolve(name), p);
                Files.delete(p);
                log.accept("moved " + name + " (a push's partial file left by an earlier serve) into " + NAME + "/, where its push resumes");
            }
        }
        AtomicFiles.fsyncDirectory(dir);
        AtomicFiles.fsyncDirectory(inbox);
    }
}
