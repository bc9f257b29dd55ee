package dev.airlock.digest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.error.AirlockException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class VerifyingInputStreamTest {
    static final byte[] DATA = "hello, air gap".getBytes(StandardCharsets.UTF_8);

    @Test
    void passesMatchingContent() throws IOException {
        VerifyingInputStream in = new VerifyingInputStream(new ByteArrayInputStream(DATA), Digest.sha256Of(DATA), DATA.length, "t");
        assertArrayEquals(DATA, in.readAllBytes());
        assertTrue(in.verified());
    }

    @Test
    void failsTheReadThatCompletesABadBlob_beforeHandingOutItsLastBytes() throws IOException {
        byte[] bad = DATA.clone();
        bad[bad.length - 1] ^= 1;
        VerifyingInputStream in = new VerifyingInputStream(new ByteArrayInputStream(bad), Digest.sha256Of(DATA), DATA.length, "t");
        byte[] head = in.readNBytes(DATA.length - 4);
        assertEquals(DATA.length - 4, head.length);
        byte[] rest = new byte[16];
        assertThrows(DigestMismatchException.class, () -> in.read(rest, 0, rest.length));
    }

    @Test
    void failsShortAndLongContent() {
        assertThrows(DigestMismatchException.class, () -> new VerifyingInputStream(
                new ByteArrayInputStream(DATA, 0, 5), Digest.sha256Of(DATA), DATA.length, "t").readAllBytes());
        byte[] longer = (new String(DATA, StandardCharsets.UTF_8) + "!").getBytes(StandardCharsets.UTF_8);
        assertThrows(DigestMismatchException.class, () -> new VerifyingInputStream(
                new ByteArrayInputStream(longer), Digest.sha256Of(DATA), DATA.length, "t").readAllBytes());
    }

    @Test
    void emptyBlobIsChecked() throws IOException {
        byte[] none = new byte[0];
        assertEquals(-1, new VerifyingInputStream(new ByteArrayInputStream(none), Digest.sha256Of(none), 0, "t").read());
        assertThrows(DigestMismatchException.class,
                () -> new VerifyingInputStream(new ByteArrayInputStream(none), Digest.sha256Of(DATA), 0, "t").read());
    }

    @Test
    void digestParsingRejectsMalformed() {
        assertThrows(AirlockException.class, () -> Digest.parse("sha256:abc"));
        assertThrows(AirlockException.class, () -> Digest.parse("md5:" + "a".repeat(32)));
        assertThrows(AirlockException.class, () -> Digest.parse("sha256:" + "A".repeat(64)));
        assertThrows(AirlockException.class, () -> Digest.parse("sha256:../../" + "a".repeat(58)));
        assertEquals("sha256:" + "a".repeat(64), Digest.parse("sha256:" + "a".repeat(64)).toString());
    }
}
