package dev.airlock.tar;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.airlock.testing.TarHeaders;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.commons.compress.archivers.tar.TarFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass G (issue 17). The guard records its second end-of-archive block, which it never
 * reads as a header. Commons Compress, given a PAX size the guard does not see (a record with no
 * '=', which it reads on past), steps over the first end block and reads the second as a header
 * no check saw: a long name there of 300 MiB, followed by its 300 MiB, is read whole into memory
 * (the importer runs in 192 MiB); here an entry 'ghost', to see it read. The channel must refuse
 * that read: the record was the guard's, but not as a header.
 */
class HeaderRecordsPurposeTest {
    @TempDir
    Path tmp;

    @Test
    void channel_refusesAHeaderReadOnTheGuardsSecondEndBlock_reachedByAPaxSizeOnlyCommonsCompressSees() throws Exception {
        Path p = tmp.resolve("evil.tar");
        byte[] body = "5 ab\n18 c=\n12 size=512\n".getBytes(StandardCharsets.US_ASCII);
        try (OutputStream out = Files.newOutputStream(p)) {
            out.write(TarHeaders.header("PaxHeaders/f", body.length, 'x'));
            out.write(Arrays.copyOf(body, 512));
            out.write(TarHeaders.header("f", 0, '0'));
            out.write(new byte[512]); // the end of the archive, to the guard
            out.write(TarHeaders.header("ghost", 0, '0')); // its second end block
            out.write(new byte[100]); // less than a record: the end, to Commons Compress
        }
        try (FileChannel ch = FileChannel.open(p)) {
            HeaderRecords walked = TarHeaderGuard.check(ch, 9, p.toString());
            IOException e = assertThrows(IOException.class, () -> {
                try (TarFile t = new TarFile(walked.channel(FileChannel.open(p)))) {
                    fail("read " + t.getEntries().stream().map(x -> x.getName()).toList());
                }
            });
            assertTrue(e.getMessage().contains("byte 1536"), e.getMessage());
        }
    }
}
