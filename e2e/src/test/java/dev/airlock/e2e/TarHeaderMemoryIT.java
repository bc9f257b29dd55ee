package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.airlock.testing.Tools;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass C (issue 17, beside finding H4: a 150 MiB GNU long-name or PAX header at the
 * start of a bundle tar or docker archive ended in OutOfMemoryError). Two more ways to make the tar
 * reader (commons-compress TarFile, which parses every header before the first check) hold the
 * input in memory, neither with one large header: an old-GNU sparse entry ({@code 'S'}) whose
 * extension blocks chain on (512 bytes each, 21 sparse records each, all kept), and many global PAX
 * headers ({@code 'g'}) each under the bound of 64 KiB, each with a key of its own (they
 * accumulate; the guard counts only entries, not meta headers). Run through the
 * launcher, with the heap it gives the JVM (192 MiB): the answer must be one line and exit 3.
 */
class TarHeaderMemoryIT {
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();

    @TempDir
    Path tmp;

    private Path cert;

    @BeforeEach
    void key() throws Exception {
        cert = tmp.resolve("k.pub.asc");
        Tools.Result r = Tools.run(List.of(REPO.resolve("scripts/airlock-export").toString(), "keygen", "--key",
                tmp.resolve("k.asc").toString(), "--cert", cert.toString(), "--uid", "t <t@example.org>"), Map.of(), null);
        assertEquals(0, r.exitCode(), r.stderr());
    }

    @Test
    void verify_aChainOfOldGnuSparseExtensionBlocks_isOneLineExit3_notOutOfMemory() throws Exception {
        Path bundle = tmp.resolve("sparse.airlock.tar");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(bundle), 1 << 20)) {
            writeSparseChain(out, 400_000); // 200 MB of headers
        }
        assertOneLineExit3(verify(bundle), bundle);
    }

    @Test
    void verify_manyGlobalPaxHeadersUnderTheBoundEach_isOneLineExit3_notOutOfMemory() throws Exception {
        Path bundle = tmp.resolve("global.airlock.tar");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(bundle), 1 << 20)) {
            for (int i = 0; i < 4_500; i++) { // 64,000 bytes each: under TarHeaderGuard.MAX_META (65,536)
                writeGlobalPax(out, "comment" + i, 64_000);
            }
            out.write(new byte[1024]);
        }
        assertOneLineExit3(verify(bundle), bundle);
    }

    /**
     * H4 itself, past TarHeaderGuard: a first header whose size field starts with a NUL. Commons
     * Compress reads a leading NUL as size 0; the guard skips the NUL and reads the octal digits after
     * it (512), so it steps over the next header, a 150 MiB GNU long name, which Commons Compress
     * then reads whole; after it the guard finds no header it can parse and stops, saying nothing.
     */
    @Test
    void verify_aLongNameHeaderHiddenFromTheGuardByASizeFieldStartingWithNul_isOneLineExit3_notOutOfMemory() throws Exception {
        Path bundle = tmp.resolve("hidden.airlock.tar");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(bundle), 1 << 20)) {
            byte[] a = new byte[512];
            put(a, 0, "x");
            put(a, 100, octal(0644, 8));
            put(a, 108, octal(0, 8));
            put(a, 116, octal(0, 8));
            put(a, 124, "\0" + "0000001000" + "\0"); // Commons Compress: 0; the guard: 512
            put(a, 136, octal(0, 12));
            a[156] = '0';
            put(a, 257, "ustar\0");
            put(a, 263, "00");
            checksum(a);
            out.write(a);
            int size = 150 << 20;
            byte[] l = new byte[512];
            put(l, 0, "././@LongLink");
            put(l, 100, octal(0644, 8));
            put(l, 108, octal(0, 8));
            put(l, 116, octal(0, 8));
            put(l, 124, octal(size, 12));
            put(l, 136, octal(0, 12));
            l[156] = 'L';
            put(l, 257, "ustar  \0");
            checksum(l);
            out.write(l);
            byte[] chunk = new byte[1 << 20];
            java.util.Arrays.fill(chunk, (byte) 'a');
            for (int i = 0; i < 150; i++) {
                out.write(chunk);
            }
            out.write(new byte[1024]);
        }
        assertOneLineExit3(verify(bundle), bundle);
    }

    @Test
    void bundleFromDockerArchive_aChainOfOldGnuSparseExtensionBlocks_isOneLineExit3_notOutOfMemory() throws Exception {
        Path archive = tmp.resolve("sparse-archive.tar");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(archive), 1 << 20)) {
            writeSparseChain(out, 400_000);
        }
        Tools.Result r = Tools.run(List.of(REPO.resolve("scripts/airlock-export").toString(), "bundle", "--channel", "c", "--key",
                tmp.resolve("k.asc").toString(), "--out", Files.createDirectories(tmp.resolve("out")).toString(), "--state",
                tmp.resolve("state").toString(), "--from-docker-archive", archive.toString(), "-q"), Map.of(), null);
        assertOneLineExit3(r, archive);
    }

    private Tools.Result verify(Path bundle) throws Exception {
        return Tools.run(List.of(REPO.resolve("scripts/airlock-import").toString(), "verify", bundle.toString(), "--trust",
                cert.toString(), "-q"), Map.of(), null);
    }

    private static void assertOneLineExit3(Tools.Result r, Path file) {
        assertFalse(r.stderr().contains("OutOfMemoryError"), file + ": " + r.stderr().lines().limit(3).toList());
        assertEquals(1, r.stderr().strip().lines().count(), r.stderr());
        assertEquals(3, r.exitCode(), r.stderr());
    }

    /** An old-GNU sparse header ('S') followed by {@code blocks} extension blocks, each saying another follows, but the last. */
    private static void writeSparseChain(OutputStream out, int blocks) throws IOException {
        byte[] h = new byte[512];
        put(h, 0, "airlock/bundle.json");
        put(h, 100, octal(0644, 8));
        put(h, 108, octal(0, 8));
        put(h, 116, octal(0, 8));
        put(h, 124, octal(0, 12));
        put(h, 136, octal(0, 12));
        h[156] = 'S';
        put(h, 257, "ustar  \0");
        for (int i = 0; i < 4; i++) {
            put(h, 386 + i * 24, octal(i, 12));
            put(h, 398 + i * 24, octal(0, 12));
        }
        h[482] = 1;
        put(h, 483, octal(0, 12));
        checksum(h);
        out.write(h);
        byte[] block = new byte[512];
        for (int i = 0; i < 21; i++) {
            put(block, i * 24, octal(i, 12));
            put(block, i * 24 + 12, octal(0, 12));
        }
        block[504] = 1;
        for (int i = 0; i < blocks - 1; i++) {
            out.write(block);
        }
        block[504] = 0;
        out.write(block);
        out.write(new byte[1024]);
    }

    /** One global PAX header ('g') of about {@code size} bytes holding {@code key}. */
    private static void writeGlobalPax(OutputStream out, String key, int size) throws IOException {
        String rec = key + "=" + "a".repeat(size - key.length() - 12) + "\n";
        int len = rec.length() + 1;
        while (String.valueOf(len).length() + 1 + rec.length() != len) {
            len = String.valueOf(len).length() + 1 + rec.length();
        }
        byte[] body = (len + " " + rec).getBytes(StandardCharsets.US_ASCII);
        byte[] h = new byte[512];
        put(h, 0, "pax_global_header");
        put(h, 100, octal(0644, 8));
        put(h, 108, octal(0, 8));
        put(h, 116, octal(0, 8));
        put(h, 124, octal(body.length, 12));
        put(h, 136, octal(0, 12));
        h[156] = 'g';
        put(h, 257, "ustar\0");
        put(h, 263, "00");
        checksum(h);
        out.write(h);
        out.write(body);
        out.write(new byte[(512 - body.length % 512) % 512]);
    }

    private static String octal(long v, int width) {
        return String.format("%0" + (width - 1) + "o", v) + "\0";
    }

    private static void put(byte[] b, int at, String s) {
        byte[] x = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(x, 0, b, at, x.length);
    }

    private static void checksum(byte[] h) {
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        long sum = 0;
        for (byte x : h) {
            sum += x & 0xff;
        }
        put(h, 148, String.format("%06o", sum) + "\0 ");
    }
}
