package dev.airlock.io;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.error.AirlockException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass V, V7: a file that decides whom airlock trusts (a {@code --trust} certificate, a
 * {@code --config}, serve's authorized keys) was refused when others may write it or the directories
 * it is in, but not when another user owns it, a directory on its way, or a link to it: a
 * stranger's own 0644 file or link in a sticky directory ({@code /tmp/mirror.pub.asc}) passed, and
 * he could change it at will. As OpenSSH's {@code StrictModes}: each must be root's or the user's
 * airlock runs as. Runs as root (to give files to user nobody).
 */
class FileOwnersOnTheWayTest {
    private static final int NOBODY = 65534;
    private static final String CONSEQUENCE = "anyone who may write it can make a key of theirs trusted";

    @TempDir
    Path tmp;

    @BeforeEach
    void asRoot() {
        org.junit.jupiter.api.Assumptions.assumeTrue(FileOwners.SELF == 0, "needs root, to give files to user nobody");
    }

    private static AirlockException refused(Path file) {
        return assertThrows(AirlockException.class, () -> FileOwners.refuseWritableByOthers(file, "certificate", CONSEQUENCE));
    }

    private static void giveToNobody(Path p) throws Exception {
        Files.setAttribute(p, "unix:uid", NOBODY, LinkOption.NOFOLLOW_LINKS);
    }

    @Test
    void anotherUsersFile_isRefused_namingItsOwnerAndTheFix() throws Exception {
        Path cert = Files.writeString(tmp.resolve("mirror.pub.asc"), "x");
        giveToNobody(cert);
        AirlockException e = refused(cert);
        assertEquals(AirlockException.Kind.USAGE, e.kind());
        assertTrue(e.getMessage().startsWith("certificate " + cert + " belongs to uid " + NOBODY + ", neither root nor the user"
                + " airlock runs as (uid 0)") && e.getMessage().contains("chown root " + cert), e.getMessage());
    }

    @Test
    void rootsFile_throughAnotherUsersLinkInAStickyDirectory_isRefused_namingTheLink() throws Exception {
        Path cert = Files.writeString(Files.createDirectory(tmp.resolve("etc")).resolve("mirror.pub.asc"), "x");
        Path sticky = Files.createDirectory(tmp.resolve("shared"));
        Files.setAttribute(sticky, "unix:mode", 01777);
        Path link = Files.createSymbolicLink(sticky.resolve("mirror.pub.asc"), cert);
        giveToNobody(link);
        AirlockException e = refused(link);
        assertTrue(e.getMessage().startsWith("certificate " + link + ": the link " + link + " belongs to uid " + NOBODY), e.getMessage());
        Path rootsLink = Files.createSymbolicLink(sticky.resolve("roots.pub.asc"), Path.of("../etc/mirror.pub.asc"));
        assertDoesNotThrow(() -> FileOwners.refuseWritableByOthers(rootsLink, "certificate", CONSEQUENCE), "root's link, relative");
    }

    @Test
    void rootsFile_inAnotherUsersDirectory_isRefused_namingTheDirectory() throws Exception {
        Path his = Files.createDirectory(tmp.resolve("home-nobody"));
        Files.setAttribute(his, "unix:mode", 0755);
        giveToNobody(his);
        Path cert = Files.writeString(his.resolve("mirror.pub.asc"), "x"); // root's, but he may rename it and put his own there
        AirlockException e = refused(cert);
        assertTrue(e.getMessage().startsWith("certificate " + cert + ": the directory " + his + " belongs to uid " + NOBODY), e.getMessage());
    }

    @Test
    void rootsOwnFile_inRootsDirectories_passes() throws Exception {
        Path cert = Files.writeString(tmp.resolve("mirror.pub.asc"), "x");
        assertDoesNotThrow(() -> FileOwners.refuseWritableByOthers(cert, "certificate", CONSEQUENCE));
        assertDoesNotThrow(() -> FileOwners.refuseWritableByOthers(tmp.resolve("missing.asc"), "certificate", CONSEQUENCE),
                "one that is not there is left to its reader");
    }
}
