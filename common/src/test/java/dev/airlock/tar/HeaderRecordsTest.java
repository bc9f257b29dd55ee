package dev.airlock.tar;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The channel that holds Commons Compress to the guard's records reads every archive a tar writer makes, as before. */
class HeaderRecordsTest {
    @TempDir
    Path tmp;

    @Test
    void channel_readsArchivesWithAndWithoutTheirEndBlocks_andWithDirectories() throws Exception {
        Path whole = tmp.resolve("whole.tar");
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(Files.newOutputStream(whole))) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.putArchiveEntry(new TarArchiveEntry("blobs/"));
            tar.closeArchiveEntry();
            for (String name : new String[] {"a", "x".repeat(300)}) {
                TarArchiveEntry e = new TarArchiveEntry(name);
                e.setSize(700);
                tar.putArchiveEntry(e);
                byte[] data = new byte[700];
                Arrays.fill(data, (byte) 7); // not mistaken for end blocks below
                tar.write(data);
                tar.closeArchiveEntry();
            }
        }
        byte[] bytes = Files.readAllBytes(whole);
        int end = bytes.length;
        while (end >= 512 && Arrays.equals(Arrays.copyOfRange(bytes, end - 512, end), new byte[512])) {
            end -= 512;
        }
        Path cut = Files.write(tmp.resolve("cut.tar"), Arrays.copyOf(bytes, end)); // no end-of-archive blocks
        Path ragged = Files.write(tmp.resolve("ragged.tar"), Arrays.copyOf(bytes, end + 100)); // a part of one
        for (Path p : new Path[] {whole, cut, ragged}) {
            try (FileChannel ch = FileChannel.open(p)) {
                HeaderRecords walked = TarHeaderGuard.check(ch, 9, p.toString());
                try (TarFile t = new TarFile(walked.channel(FileChannel.open(p)))) {
                    assertEquals(3, t.getEntries().size(), p.toString());
                }
            }
        }
    }
}
