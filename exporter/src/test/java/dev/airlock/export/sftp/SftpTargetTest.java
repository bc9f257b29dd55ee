package dev.airlock.export.sftp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.error.AirlockException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SftpTargetTest {
    @Test
    void absoluteDirectory_defaultPort() {
        SftpTarget t = SftpTarget.parse("sftp://airlock@bastion.dmz.example/srv/inbox/");
        assertEquals(new SftpTarget("airlock", "bastion.dmz.example", 22, "/srv/inbox"), t);
        assertEquals("/srv/inbox/x.tar", t.path("x.tar"));
        assertEquals("bastion.dmz.example:22", t.hostPort());
    }

    @Test
    void portIpv6AndTheLoginDirectory() {
        SftpTarget t = SftpTarget.parse("sftp://u@[::1]:2222/~/in");
        assertEquals(new SftpTarget("u", "::1", 2222, "in"), t);
        assertEquals("in/b.tar", t.path("b.tar"));
        assertEquals("[::1]:2222", t.hostPort());
        assertEquals("sftp://u@[::1]:2222/~/in", t.toString());
        assertEquals("b.tar", SftpTarget.parse("sftp://u@h/~/").path("b.tar"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"scp://u@h/d", "sftp://h/d", "sftp://u:secret@h/d", "sftp://u@h", "sftp://u@h/", "sftp://u@h/d?x=1",
        "not a url"})
    void refusedWithAUsageError(String url) {
        AirlockException e = assertThrows(AirlockException.class, () -> SftpTarget.parse(url));
        assertEquals(AirlockException.Kind.USAGE, e.kind());
        assertTrue(e.getMessage().contains("sftp://USER@HOST"), e.getMessage());
    }

    /** A port outside 1–65535 was an internal error (99999, exit 1) or silently became port 22 (0). */
    @ParameterizedTest
    @ValueSource(strings = {"sftp://u@h:0/d", "sftp://u@h:99999/d", "sftp://u@[::1]:65536/d", "sftp://u@h:2222x/d"})
    void portOutOfRange_refusedNamingIt(String url) {
        AirlockException e = assertThrows(AirlockException.class, () -> SftpTarget.parse(url));
        assertEquals(AirlockException.Kind.USAGE, e.kind());
        assertTrue(e.getMessage().contains("sftp://USER@HOST"), e.getMessage());
        assertTrue(e.getMessage().contains("1 to 65535") || e.getMessage().contains("HOST[:PORT]"), e.getMessage());
    }

    @Test
    void remoteCommand_placeholderQuotedForTheShell_andRequired() {
        assertEquals("airlock-import import '/srv/in/it'\\''s.tar' --trust c", RemoteCommand.expand("airlock-import import {} --trust c",
                "/srv/in/it's.tar"));
        assertEquals(AirlockException.Kind.USAGE, assertThrows(AirlockException.class, () -> RemoteCommand.check("import x")).kind());
    }
}
