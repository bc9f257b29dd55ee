package dev.airlock.tar;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.error.AirlockException;
import dev.airlock.testing.TarHeaders;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The header walk follows archives as Commons Compress writes and reads them (so that it never
 * refuses a good one), and refuses long-name and PAX headers over the bound, and too many entries.
 */
class TarHeaderGuardTest {
    @TempDir
    Path tmp;

    private Path tar(String file, boolean posix, Map<String, byte[]> entries, Map<String, String> pax) throws Exception {
        Path p = tmp.resolve(file);
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(Files.newOutputStream(p))) {
            tar.setLongFileMode(posix ? TarArchiveOutputStream.LONGFILE_POSIX : TarArchiveOutputStream.LONGFILE_GNU);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                TarArchiveEntry t = new TarArchiveEntry(e.getKey());
                t.setSize(e.getValue().length);
                pax.forEach(t::addPaxHeader);
                tar.putArchiveEntry(t);
                tar.write(e.getValue());
                tar.closeArchiveEntry();
            }
        }
        return p;
    }

    private static void check(Path p, int maxEntries) throws Exception {
        try (FileChannel ch = FileChannel.open(p)) {
            TarHeaderGuard.check(ch, maxEntries, p.toString());
            assertEquals(0, ch.position(), "the walk reads by position only");
        }
    }

    @Test
    void realArchives_withLongNamesOfBothKinds_andPaxRecords_pass() throws Exception {
        Map<String, byte[]> entries = new java.util.LinkedHashMap<>();
        entries.put("x".repeat(300) + "/a", new byte[700]);
        entries.put("b", "hello".getBytes(StandardCharsets.UTF_8));
        entries.put("y".repeat(5000), new byte[1025]);
        check(tar("gnu.tar", false, entries, Map.of()), 3);
        check(tar("pax.tar", true, entries, Map.of("comment", "c".repeat(2000))), 3);
    }

    @Test
    void tooManyEntries_isRefused() throws Exception {
        Path p = tar("many.tar", false, Map.of("a", new byte[1], "b", new byte[2], "c", new byte[3]), Map.of());
        AirlockException e = assertThrows(AirlockException.class, () -> check(p, 2));
        assertEquals(AirlockException.Kind.MALFORMED_BUNDLE, e.kind());
        assertTrue(e.getMessage().contains("more than 2 entries"), e.getMessage());
    }

    @Test
    void hugeLongNameAndPaxHeaders_areRefused_withTheirOffset() throws Exception {
        String big = "z".repeat(TarHeaderGuard.MAX_META + 1);
        AirlockException gnu = assertThrows(AirlockException.class, () -> check(tar("l.tar", false, Map.of(big, new byte[1]), Map.of()), 9));
        assertTrue(gnu.getMessage().contains("the tar header at byte 0 is a GNU long name (type L)"), gnu.getMessage());
        AirlockException pax = assertThrows(AirlockException.class,
                () -> check(tar("x.tar", true, Map.of("a", new byte[1]), Map.of("comment", big)), 9));
        assertTrue(pax.getMessage().contains("PAX extended header (type x)"), pax.getMessage());
    }

    /**
     * A PAX {@code size} record overrides the header's size (what BIGNUMBER_POSIX writes for a blob
     * over 8 GiB): the walk must skip the data by it, or it would take data for headers. Here the
     * header says 0 bytes, PAX says 1024, and the data holds what looks like a huge long name.
     */
    @Test
    void paxSizeRecord_decidesWhereTheNextHeaderIs() throws Exception {
        Path p = tmp.resolve("size.tar");
        byte[] fake = TarHeaders.header("././@LongLink", 1L << 30, 'L');
        try (var out = Files.newOutputStream(p)) {
            byte[] record = pax("size", "1024");
            out.write(TarHeaders.header("PaxHeaders/a", record.length, 'x'));
            out.write(Arrays.copyOf(record, 512));
            out.write(TarHeaders.header("a", 0, '0'));
            out.write(fake);
            out.write(new byte[512]);
            out.write(TarHeaders.header("b", 0, '0'));
            out.write(new byte[1024]);
        }
        assertDoesNotThrow(() -> check(p, 9));
    }

    private static byte[] pax(String key, String value) {
        String body = " " + key + "=" + value + "\n";
        int len = body.length() + 1;
        len = String.valueOf(len + String.valueOf(len).length() - 1).length() + body.length();
        return (len + body).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Red-team pass C: the guard must read every size field exactly as Commons Compress does, or it
     * walks a different archive (a leading NUL: Commons Compress reads 0, the old guard read the
     * digits after it and stepped over the next header). Checked against the library itself.
     */
    @Test
    void sizeField_isReadExactlyAsCommonsCompressReadsIt_orRefused() {
        String[] octal = {"\0" + "0000001000" + "\0", "00000001000\0", "  1000\0\0\0\0\0\0", "00000001000 ", "0000 001000\0",
            "0000" + "\0" + "001000\0", "00000001009\0", "            ", "777777777777", "\0\0\0\0\0\0\0\0\0\0\0\0"};
        for (String f : octal) {
            sizeMatches(f.getBytes(StandardCharsets.ISO_8859_1));
        }
        byte[][] binary = {{(byte) 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0}, {(byte) 0xbf, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0},
            {(byte) 0xff, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -2}, {(byte) 0x80, (byte) 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1},
            {(byte) 0x80, 0, 0, 0x7f, -1, -1, -1, -1, -1, -1, -1, -1}, {(byte) 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0}};
        for (byte[] f : binary) {
            sizeMatches(f);
        }
    }

    private static void sizeMatches(byte[] field) {
        byte[] h = new byte[512];
        System.arraycopy(field, 0, h, 124, 12);
        long expected;
        try {
            expected = org.apache.commons.compress.archivers.tar.TarUtils.parseOctalOrBinary(h, 124, 12);
        } catch (IllegalArgumentException e) {
            expected = -1; // Commons Compress refuses the header
        }
        assertEquals(expected < 0 ? -1 : expected, TarHeaderGuard.TarNumbers.size(h), Arrays.toString(field));
    }

    /** Red-team pass C: 5,000 tiny PAX headers before one entry overflow Commons Compress's stack; more than a few are refused. */
    @Test
    void extraPaxHeadersBeforeAnEntryWithItsOwn_areRefused_itsOwnIsNot() throws Exception {
        byte[] body = "20 comment=aaaaaaaa\n".getBytes(StandardCharsets.US_ASCII);
        for (int n : new int[] {0, 1, 20}) { // the entry's own writer gives it one PAX header
            Path p = tmp.resolve("pax" + n + ".tar");
            byte[] entry = Files.readAllBytes(tar("e" + n + ".tar", true, Map.of("a", new byte[1]), Map.of()));
            try (var out = Files.newOutputStream(p)) {
                for (int i = 0; i < n; i++) {
                    out.write(paxHeader(body.length));
                    out.write(Arrays.copyOf(body, 512));
                }
                out.write(entry);
            }
            if (n == 0) {
                assertDoesNotThrow(() -> check(p, 9));
            } else {
                // Red-team pass E: Commons Compress lets the first of several PAX headers' size win; two are refused.
                AirlockException e = assertThrows(AirlockException.class, () -> check(p, 9));
                assertEquals(AirlockException.Kind.MALFORMED_BUNDLE, e.kind());
                assertTrue(e.getMessage().contains("second PAX header for one entry"), e.getMessage());
            }
        }
    }

    private static byte[] paxHeader(int size) {
        byte[] h = new byte[512];
        System.arraycopy("PaxHeaders/x".getBytes(StandardCharsets.US_ASCII), 0, h, 0, 12);
        System.arraycopy(String.format("%011o\0", size).getBytes(StandardCharsets.US_ASCII), 0, h, 124, 12);
        h[156] = 'x';
        System.arraycopy("ustar\00000".getBytes(StandardCharsets.US_ASCII), 0, h, 257, 8);
        return h;
    }
}
