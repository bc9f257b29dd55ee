package dev.airlock.bundle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;

/**
 * The layout kept as arrays (issue 21) lays out and makes again exactly the tar that Commons Compress
 * writes entry by entry: one record per header where no PAX header is needed, and the real length
 * where one is (a sha512 blob's name of 141 bytes, a name that is not ASCII, an mtime with a
 * fraction of a second).
 */
class TarLayoutTest {
    private static final List<String> NAMES = List.of(BundleNames.MANIFEST, BundleNames.SIGNATURE, "blobs/sha256/" + "a".repeat(64),
            "blobs/sha512/" + "b".repeat(128), "blobs/sha256/" + "c".repeat(63) + "é", "x".repeat(99), "y".repeat(100));
    private static final long[] SIZES = {0, 1, 511, 512, 513, 1024, 70_000};

    @Test
    void layout_matchesWhatCommonsCompressWrites_headersAndOffsets_withAndWithoutPaxHeaders() throws Exception {
        for (Date mtime : List.of(new Date(0), new Date(1_767_225_600_000L), new Date(1_767_225_600_123L))) {
            TarLayout layout = TarLayout.of(NAMES::get, SIZES, mtime);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out, 512)) {
                tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
                tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
                tar.setAddPaxHeadersForNonAsciiNames(true);
                for (int i = 0; i < NAMES.size(); i++) {
                    assertEquals(out.size(), layout.headerOffset(i), "header of " + NAMES.get(i) + " at " + mtime);
                    TarArchiveEntry e = new TarArchiveEntry(NAMES.get(i));
                    e.setSize(SIZES[i]);
                    e.setMode(0644);
                    e.setModTime(mtime);
                    e.setUserId(0);
                    e.setGroupId(0);
                    e.setUserName("");
                    e.setGroupName("");
                    tar.putArchiveEntry(e);
                    tar.flush();
                    byte[] header = Arrays.copyOfRange(out.toByteArray(), (int) layout.headerOffset(i), out.size());
                    assertArrayEquals(header, layout.header(i), "header of " + NAMES.get(i) + " at " + mtime);
                    assertEquals(out.size(), layout.dataOffset(i), "data of " + NAMES.get(i) + " at " + mtime);
                    tar.write(new byte[(int) SIZES[i]]);
                    tar.closeArchiveEntry();
                    tar.flush();
                    assertEquals(out.size(), layout.end(i), "end of " + NAMES.get(i) + " at " + mtime);
                    assertEquals(i, layout.entryAt(layout.headerOffset(i)));
                    assertEquals(i, layout.entryAt(layout.end(i) - 1));
                }
                tar.finish();
            }
            assertEquals(out.size(), layout.total(), "the whole tar, its two end-of-archive records included");
            assertEquals(-1, layout.entryAt(layout.total() - 1), "the end-of-archive records");
        }
    }
}
