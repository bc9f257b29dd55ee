package dev.airlock.tar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.airlock.error.AirlockException;
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
 * Red-team pass G (issue 17). The guard records its second end-of-archive block and old-GNU sparse
 * extension blocks, which it never checks as headers. A PAX record with no '=' ({@code "5 ab\n"})
 * is one record to the guard, but Commons Compress reads its keyword on to the next '=' and takes
 * what follows as records: {@code "5 ab\n18 c=\n12 size=512\n"} has no size to the guard and a
 * size of 512 to Commons Compress, which then steps over the guard's first end block and reads its
 * second as a header no check saw (a long name there of 300 MiB, followed by its 300 MiB, is read
 * whole into memory; the importer runs in 192 MiB). Both holes are closed: the guard refuses such
 * a record, and the channel holds Commons Compress to the guard's records in order, so that any
 * other way the walks may differ still cannot reach a record the guard read for another purpose.
 */
class HeaderRecordsPurposeTest {
    private static final byte[] SIZE_ONLY_COMMONS_COMPRESS_SEES = "5 ab\n18 c=\n12 size=512\n".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path tmp;

    @Test
    void check_refusesAPaxRecordWithNoEquals_whichCommonsCompressReadsPast() throws Exception {
        Path p = tmp.resolve("evil.tar");
        try (OutputStream out = Files.newOutputStream(p)) {
            out.write(TarHeaders.header("PaxHeaders/f", SIZE_ONLY_COMMONS_COMPRESS_SEES.length, 'x'));
            out.write(Arrays.copyOf(SIZE_ONLY_COMMONS_COMPRESS_SEES, 512));
            out.write(TarHeaders.header("f", 0, '0'));
            out.write(new byte[512]); // the end of the archive, to the guard
            out.write(TarHeaders.header("ghost", 0, '0')); // its second end block
            out.write(new byte[100]);
        }
        try (FileChannel ch = FileChannel.open(p)) {
            AirlockException e = assertThrows(AirlockException.class, () -> TarHeaderGuard.check(ch, 9, p.toString()));
            assertEquals(AirlockException.Kind.MALFORMED_BUNDLE, e.kind(), e.getMessage());
        }
    }

    @Test
    void channel_refusesAHeaderReadOnTheGuardsSecondEndBlock_whereTheWalksDiffer() throws Exception {
        Path p = tmp.resolve("two-ways.tar");
        try (OutputStream out = Files.newOutputStream(p)) {
            out.write(TarHeaders.header("f", 512, '0')); // to the guard, stands for any walk that read a size of 0 here
            out.write(new byte[512]);
            out.write(TarHeaders.header("ghost", 0, '0'));
            out.write(new byte[100]); // less than a record: the end, to Commons Compress
        }
        HeaderRecords walked = new HeaderRecords(); // what the guard records for 'f' of size 0 and its two end blocks
        walked.add(0);
        walked.add(512);
        walked.add(1024);
        IOException e = assertThrows(IOException.class, () -> {
            try (TarFile t = new TarFile(walked.channel(FileChannel.open(p)))) {
                fail("read " + t.getEntries().stream().map(x -> x.getName()).toList());
            }
        });
        assertTrue(e.getMessage().contains("byte 1024"), e.getMessage());
    }
}
