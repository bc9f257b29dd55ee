package dev.airlock.imports.inbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.error.AirlockException;
import dev.airlock.io.FileOwners;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass R, R10 (warned of), then pass U, U7 (refused): an inbox other users may write without
 * the sticky bit, or one in such a directory, lets any of them remove a delivered bundle, or rename
 * a directory of airlock's in it (serve's {@code .part} files, {@code done/}) and put a link to
 * anywhere in its place, which serve or watch, as root, would write through.
 */
class InboxLayoutSharingTest {
    @TempDir
    Path root;

    @Test
    void anInboxOthersMayWrite_withoutTheStickyBit_isRefused_withTheFix() throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        Files.setPosixFilePermissions(inbox, PosixFilePermissions.fromString("rwxrwxrwx"));
        AirlockException e = assertThrows(AirlockException.class, () -> FileOwners.refuseSharedWithoutSticky(inbox, "inbox"));
        assertEquals(AirlockException.Kind.LOCAL, e.kind());
        assertTrue(e.getMessage().contains("has no sticky bit") && e.getMessage().contains("chmod +t " + inbox.toRealPath()), e.getMessage());
    }

    @Test
    void anInboxInADirectoryOthersMayWrite_withoutTheStickyBit_isRefused_namingThatDirectory() throws Exception {
        Path shared = Files.createDirectories(root.resolve("shared"));
        Path inbox = Files.createDirectories(shared.resolve("inbox"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxr-x"));
        AirlockException e = assertThrows(AirlockException.class, () -> FileOwners.refuseSharedWithoutSticky(inbox, "inbox"));
        assertTrue(e.getMessage().contains("inbox " + inbox + " is in " + shared.toRealPath() + ", which may be written by other users"),
                e.getMessage());
    }

    @Test
    void watch_onAnInboxOthersMayWriteWithoutTheStickyBit_refusesToStart() throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        Files.setPosixFilePermissions(inbox, PosixFilePermissions.fromString("rwxrwx-wx"));
        dev.airlock.imports.ImportRequest template = new dev.airlock.imports.ImportRequest(null, null,
                new dev.airlock.imports.TargetNaming("127.0.0.1:5000", java.util.List.of()), root.resolve("state"), 1, false);
        InboxWatcher w = new InboxWatcher(inbox, new WatchOptions(java.time.Duration.ofMillis(100), java.time.Duration.ofMillis(100),
                java.time.Duration.ofSeconds(1)), template, r -> {
                    throw new AssertionError("nothing is imported");
                }, line -> { });
        AirlockException e = assertThrows(AirlockException.class, w::runOnce);
        assertTrue(e.getMessage().contains("has no sticky bit"), e.getMessage());
        assertTrue(Files.notExists(inbox.resolve("done")) && Files.notExists(inbox.resolve(".airlock-watch")), "nothing made in it");
    }

    /**
     * Red-team pass V (issue 17, V5): the inbox named through a link in a directory others may write
     * (not sticky) passed, only the directories the link leads to being looked at; the watcher goes on
     * using the name it was given, so any of them could put his own directory (or a link to anywhere)
     * in the link's place, and the watcher took his files and wrote its own there from then on.
     */
    @Test
    void anInboxNamedThroughALinkInADirectoryOthersMayWrite_isRefused_namingThatDirectory() throws Exception {
        Path real = Files.createDirectories(root.resolve("real"));
        Path shared = Files.createDirectories(root.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path link = Files.createSymbolicLink(shared.resolve("inbox"), real);
        AirlockException e = assertThrows(AirlockException.class, () -> InboxLayout.of(link));
        assertTrue(e.getMessage().contains(shared.toRealPath() + " may be written by other users but has no sticky bit")
                && e.getMessage().contains("chmod +t " + shared.toRealPath()), e.getMessage());
        assertTrue(Files.notExists(real.resolve("done")), "nothing made in it");
        Files.setAttribute(shared, "unix:mode", 01777); // sticky: only the link's owner may replace it
        InboxLayout.of(link);
    }

    @Test
    void aStickyOrPrivateInbox_isNot() throws Exception {
        Path shared = Files.createDirectories(root.resolve("shared"));
        Files.setAttribute(shared, "unix:mode", 01777);
        FileOwners.refuseSharedWithoutSticky(shared, "inbox");
        Path own = Files.createDirectories(root.resolve("own"));
        Files.setPosixFilePermissions(own, PosixFilePermissions.fromString("rwxr-x---"));
        FileOwners.refuseSharedWithoutSticky(own, "inbox");
    }

    /**
     * Red-team pass W, R3: only the mode bits on the way were looked at, not who owns what: an inbox
     * in another (not root) user's directory, or named through his link in a sticky directory (he
     * may point it at his own directory at any time), was accepted. Each directory above the inbox and
     * each link on the way must be root's, this process's user's or the inbox owner's.
     */
    @Test
    void anInboxInAStrangersDirectory_orThroughHisLink_isRefused_namingIt() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(FileOwners.SELF == 0, "needs root, to give files to user nobody");
        Path his = Files.createDirectories(root.resolve("home-nobody"));
        Files.setPosixFilePermissions(his, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path inbox = Files.createDirectories(his.resolve("inbox"));
        Files.setAttribute(his, "unix:uid", 65534);
        AirlockException e = assertThrows(AirlockException.class, () -> FileOwners.refuseSharedWithoutSticky(inbox, "inbox"));
        assertEquals(AirlockException.Kind.LOCAL, e.kind());
        assertTrue(e.getMessage().startsWith("inbox " + inbox + ": the directory " + his + " belongs to uid 65534"), e.getMessage());

        Path ours = Files.createDirectories(root.resolve("srv").resolve("inbox"));
        Path sticky = Files.createDirectories(root.resolve("tmp"));
        Files.setAttribute(sticky, "unix:mode", 01777);
        Path link = Files.createSymbolicLink(sticky.resolve("inbox"), ours);
        Files.setAttribute(link, "unix:uid", 65534, java.nio.file.LinkOption.NOFOLLOW_LINKS);
        e = assertThrows(AirlockException.class, () -> FileOwners.refuseSharedWithoutSticky(link, "inbox"));
        assertTrue(e.getMessage().startsWith("inbox " + link + ": the link " + link + " belongs to uid 65534"), e.getMessage());

        Files.setAttribute(ours, "unix:uid", 65534); // the inbox's own owner (a receiver) may own it and what leads to it
        Files.setAttribute(ours.getParent(), "unix:uid", 65534);
        FileOwners.refuseSharedWithoutSticky(ours, "inbox");
    }
}
