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
 * Red-team pass G (issue 17, a way around HeaderRecords). A PAX record with no '=' inside its
 * length ({@code "5 ab\n"}) is one record to TarHeaderGuard, but Commons Compress 1.28 reads its
 * keyword on past the record's end up to the next '=' and takes what follows as new records: the
 * body {@code "5 ab\n18 c=\n12 size=512\n"} has no size to the guard and a size of 512 to Commons
 * Compress. The entry after it then ends 512 bytes later for Commons Compress, on a record the
 * guard read too, but as an old-GNU sparse extension block, whose bytes it never checked as a
 * header. Each such block here is a long name of 512 bytes whose body is the next sparse header,
 * so Commons Compress recurses from block to block, 20,000 deep: StackOverflowError out of open.
 */
class PaxRecordWithoutKeyDesyncTest {
    @TempDir
    Path tmp;

    @Test
    void open_aPaxSizeOnlyCommonsCompressReads_landingOnSparseExtensionBlocks_isRefusedMalformed_notAStackOverflow() throws Exception {
        Path p = tmp.resolve("evil.airlock.tar");
        byte[] body = "5 ab\n18 c=\n12 size=512\n".getBytes(StandardCharsets.US_ASCII);
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(p), 1 << 20)) {
            out.write(TarHeaders.header("PaxHeaders/f", body.length, 'x'));
            out.write(Arrays.copyOf(body, 512));
            out.write(TarHeaders.header("f", 0, '0'));
            byte[] block = TarHeaders.header("././@LongLink", 512, 'L'); // byte 504 is 0: the last extension block
            for (int i = 0; i < 20_000; i++) {
                out.write(oldGnuSparseWithOneExtension("s" + i));
                out.write(block);
            }
            out.write(new byte[1024]);
        }
        AirlockException e = assertThrows(AirlockException.class, () -> UntrustedBundle.open(p).close());
        assertEquals(AirlockException.Kind.MALFORMED_BUNDLE, e.kind(), e.getMessage());
    }

    /** An old-GNU ("ustar  ") sparse header of size 0 whose extended flag says one extension block follows. */
    static byte[] oldGnuSparseWithOneExtension(String name) {
        byte[] h = TarHeaders.header(name, 0, 'S');
        System.arraycopy("ustar  \0".getBytes(StandardCharsets.US_ASCII), 0, h, 257, 8);
        h[482] = 1;
        return h;
    }
}
