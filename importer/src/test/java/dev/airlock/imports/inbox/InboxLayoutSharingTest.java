package dev.airlock.imports.inbox;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Red-team pass R, R10: an inbox other users may write, without the sticky bit, lets any of them remove a delivered bundle. */
class InboxLayoutSharingTest {
    @TempDir
    Path root;

    @Test
    void anInboxOthersMayWrite_withoutTheStickyBit_isWarnedOf_withTheFix() throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        Files.setPosixFilePermissions(inbox, PosixFilePermissions.fromString("rwxrwxrwx"));
        String w = InboxLayout.of(inbox).sharingWarning();
        assertTrue(w != null && w.contains("no sticky bit") && w.contains("chmod +t " + inbox.toAbsolutePath()), String.valueOf(w));
    }

    @Test
    void aStickyOrPrivateInbox_isNot() throws Exception {
        Path shared = Files.createDirectories(root.resolve("shared"));
        Files.setAttribute(shared, "unix:mode", 01777);
        assertNull(InboxLayout.of(shared).sharingWarning());
        Path own = Files.createDirectories(root.resolve("own"));
        Files.setPosixFilePermissions(own, PosixFilePermissions.fromString("rwxr-x---"));
        assertNull(InboxLayout.of(own).sharingWarning());
    }
}
