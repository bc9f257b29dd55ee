package dev.airlock.tar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.error.AirlockException;
import dev.airlock.testing.TarHeaders;
import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass G (issue 17, H4). The guard bounds each long name (64 KiB) and those before one
 * entry, but not all of them: Commons Compress keeps every entry's name, so 3,000 entries with a
 * long name of 64 KiB each (a 200 MB bundle, within UntrustedBundle's limit on reads) were
 * OutOfMemoryError in {@code UntrustedBundle.open} in the importer's 192 MiB. The long names,
 * long links and PAX headers of the whole archive are bounded ({@link TarHeaderGuard#MAX_META_TOTAL}).
 */
class LongNamesInAllBoundTest {
    @TempDir
    Path tmp;

    @Test
    void check_refusesLongNamesOverTheBoundInAll_eachWithinItsOwn() throws Exception {
        Path p = tmp.resolve("long-names.tar");
        byte[] name = new byte[TarHeaderGuard.MAX_META];
        Arrays.fill(name, (byte) 'a');
        int entries = (8 << 20) / name.length + 1; // just over 8 MiB of names in all
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(p), 1 << 20)) {
            for (int i = 0; i < entries; i++) {
                out.write(TarHeaders.header("././@LongLink", name.length, 'L'));
                out.write(name);
                out.write(TarHeaders.header("x", 0, '0'));
            }
            out.write(new byte[1024]);
        }
        try (FileChannel ch = FileChannel.open(p)) {
            AirlockException e = assertThrows(AirlockException.class, () -> TarHeaderGuard.check(ch, 1000, p.toString()));
            assertEquals(AirlockException.Kind.MALFORMED_BUNDLE, e.kind(), e.getMessage());
            assertTrue(e.getMessage().contains(String.valueOf(8 << 20)), e.getMessage());
        }
    }
}
