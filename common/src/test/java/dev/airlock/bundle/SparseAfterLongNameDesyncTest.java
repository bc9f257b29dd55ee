package dev.airlock.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.airlock.error.AirlockException;
import dev.airlock.testing.TarHeaders;
import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass F (issue 17, a way around TarHeaderGuard). Commons Compress 1.28's
 * {@code TarFile.getNextTarEntry} ends every frame with {@code if (isOldGNUSparse())
 * readOldGNUSparse()}, and a long-name or PAX header is a frame that recursed into the entry it
 * describes: an old-GNU sparse entry with extension blocks after one such header has its extension
 * blocks read twice, the second time taking the record after them (what the guard reads as the next
 * header) as one more block. The guard and Commons Compress then stand 512 bytes apart: the guard
 * reads a header whose size ends its walk, Commons Compress reads the 20,000 PAX headers the guard
 * never saw and overflows its stack (a StackOverflowError out of verify; a huge long name there
 * would exhaust the heap instead).
 */
class SparseAfterLongNameDesyncTest {
    @TempDir
    Path tmp;

    @Test
    void open_anOldGnuSparseEntryAfterALongName_hidingPaxHeaders_isRefusedMalformed_notAStackOverflow() throws Exception {
        Path p = tmp.resolve("evil.airlock.tar");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(p), 1 << 20)) {
            out.write(TarHeaders.header("././@LongLink", 2, 'L'));
            out.write(Arrays.copyOf("s\0".getBytes(StandardCharsets.US_ASCII), 512));
            out.write(oldGnuSparseWithOneExtension("s"));
            byte[] extension = new byte[512];
            extension[0] = '0'; // not a zero block (end of archive), and not extended further
            out.write(extension);
            out.write(endsTheGuardsWalk());
            byte[] body = "20 comment=aaaaaaaa\n".getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < 20_000; i++) {
                out.write(TarHeaders.header("PaxHeaders/x", body.length, 'x'));
                out.write(Arrays.copyOf(body, 512));
            }
            out.write(TarHeaders.header("z", 0, '0'));
            out.write(new byte[1024]);
        }
        AirlockException e = assertThrows(AirlockException.class, () -> UntrustedBundle.open(p).close());
        assertEquals(AirlockException.Kind.MALFORMED_BUNDLE, e.kind(), e.getMessage());
    }

    /** An old-GNU ("ustar  ") sparse header of size 0 whose extended flag says one extension block follows. */
    private static byte[] oldGnuSparseWithOneExtension(String name) {
        byte[] h = TarHeaders.header(name, 0, 'S');
        System.arraycopy("ustar  \0".getBytes(StandardCharsets.US_ASCII), 0, h, 257, 8);
        h[482] = 1;
        System.arraycopy("77777777777".getBytes(StandardCharsets.US_ASCII), 0, h, 483, 11); // real size: room for any block
        return h;
    }

    /**
     * To the guard, a header of a regular entry of 8 GiB (its walk ends, past the file's end); to
     * Commons Compress, a second extension block whose sparse records (octal fields of 12 bytes) parse.
     */
    private static byte[] endsTheGuardsWalk() {
        byte[] g = new byte[512];
        System.arraycopy("0000".getBytes(StandardCharsets.US_ASCII), 0, g, 120, 4);
        System.arraycopy("77777777777".getBytes(StandardCharsets.US_ASCII), 0, g, 124, 11);
        g[156] = '0';
        return g;
    }
}
