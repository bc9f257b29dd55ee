package dev.airlock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

/** Issue 17, finding 13: what a sender chose must not change how a log line displays. */
class LogTextTest {
    @Test
    void bidiControls_areEscaped_soANameCannotDisplayAsAFakeAddress() {
        // "x.tar" + RLO + "1.0.0.01 morf": a terminal shows "... from 10.0.0.1" reversed into place.
        String name = "received x.tar\u202e1.0.0.01 morf from 192.0.2.7:4711";
        assertEquals("received x.tar\\u202e1.0.0.01 morf from 192.0.2.7:4711", LogText.printable(name));
        for (char c : new char[] {'\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069', '\u200e',
                '\u200f', '\u061c'}) {
            assertEquals("a" + String.format("\\u%04x", (int) c) + "b", LogText.printable("a" + c + "b"), Integer.toHexString(c));
        }
    }

    @Test
    void otherFormatCharactersAndSeparators_areEscaped_evenBeyondTheBmp() {
        assertEquals("a\\u200bb\\ufeffc", LogText.printable("a\u200bb\ufeffc"), "zero-width space and BOM");
        assertEquals("a\\u2028b\\u2029c", LogText.printable("a\u2028b\u2029c"), "line and paragraph separators");
        // U+E0041 TAG LATIN CAPITAL LETTER A: invisible, a format character outside the BMP
        assertEquals("a\\udb40\\udc41b", LogText.printable("a" + new String(Character.toChars(0xE0041)) + "b"));
    }

    @Test
    void controls_areEscapedAsBefore_andOrdinaryTextIsKept() {
        assertEquals("x.tar\\n2026 imported y\\r\\t\\u001b[2J\\u0085", LogText.printable("x.tar\n2026 imported y\r\t\u001b[2J\u0085"));
        String plain = "received bündel-é.tar (3 bytes) from 日本 \uD83D\uDE00 [::1]:22";
        assertSame(plain, LogText.printable(plain));
    }
}
