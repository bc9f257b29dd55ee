package dev.airlock.tar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.error.AirlockException;
import dev.airlock.testing.TarHeaders;
import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass G (issue 17, H4). The guard keeps the position of every record it reads, and it
 * allowed 65 records per entry (an old-GNU sparse header and 64 extension blocks): a bundle of
 * UntrustedBundle's 200,000 such entries (6.6 GB) made it hold 13 million positions, an array of
 * 128 MiB grown by copying, OutOfMemoryError in the importer's 192 MiB. Commons Compress is let
 * make only 4 reads per entry anyway (UntrustedBundle's ReadLimitedChannel), so more records than
 * that are refused by the guard, before their positions are held. Here with 100 entries.
 */
class HeaderRecordsBoundTest {
    @TempDir
    Path tmp;

    @Test
    void check_refusesMoreRecordsThanFourPerEntry_beforeHoldingTheirPositions() throws Exception {
        Path p = tmp.resolve("many-records.tar");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(p), 1 << 20)) {
            for (int e = 0; e < 100; e++) {
                byte[] h = TarHeaders.header("s" + e, 0, 'S');
                System.arraycopy("ustar  \0".getBytes(StandardCharsets.US_ASCII), 0, h, 257, 8);
                h[482] = 1;
                out.write(h);
                for (int b = 0; b < 64; b++) {
                    byte[] block = new byte[512];
                    block[504] = (byte) (b < 63 ? 1 : 0);
                    block[0] = '0';
                    out.write(block);
                }
            }
            out.write(new byte[1024]);
        }
        try (FileChannel ch = FileChannel.open(p)) {
            AirlockException e = assertThrows(AirlockException.class, () -> TarHeaderGuard.check(ch, 100, p.toString()));
            assertEquals(AirlockException.Kind.MALFORMED_BUNDLE, e.kind(), e.getMessage());
            assertTrue(e.getMessage().contains("400"), e.getMessage());
        }
    }
}
