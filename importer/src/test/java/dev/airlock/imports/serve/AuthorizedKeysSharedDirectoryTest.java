package dev.airlock.imports.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.error.AirlockException;
import dev.airlock.testing.TestSshd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass V (issue 17, V4): serve's authorized_keys was refused only when the file itself was
 * writable by group or others (R9); in a directory others may write (not sticky) anyone who may write
 * it could put a file of his in its place (re-read at the next login): his key let in, or every real
 * sender's key left out. --trust and --config were given the directory check in pass T (T12);
 * authorized_keys, which decides who may push, is checked the same way now.
 */
class AuthorizedKeysSharedDirectoryTest {
    @TempDir
    Path tmp;

    @Test
    void authorizedKeysInADirectoryOthersMayWrite_isRefused_unlessItIsSticky() throws Exception {
        Path key = tmp.resolve("client_ed25519");
        TestSshd.keygen("ed25519", "", key);
        Path shared = Files.createDirectory(tmp.resolve("shared"));
        Path file = Files.writeString(shared.resolve("authorized_keys"), Files.readString(tmp.resolve("client_ed25519.pub")));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        AirlockException e = assertThrows(AirlockException.class, () -> AuthorizedKeys.parse(file));
        assertEquals(AirlockException.Kind.USAGE, e.kind());
        assertTrue(e.getMessage().contains("authorized keys " + file + " is in " + shared + ", which group or others may write"), e.getMessage());
        Files.setAttribute(shared, "unix:mode", 01777); // sticky, as /tmp: only the file's owner may replace it
        assertEquals(1, AuthorizedKeys.parse(file).size());
    }
}
