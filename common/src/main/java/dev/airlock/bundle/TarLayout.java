package dev.airlock.bundle;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Date;
import java.util.function.IntFunction;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Where each entry of a bundle's tar lies, in order: its header's offset, its data's offset and
 * size, followed by the two zero records that end a tar. Kept as three arrays of longs: a catalog's
 * bundle has tens of thousands of entries, and the header bytes, name and object kept for each were
 * about 700 bytes an entry for the whole run (issue 21). A name and a header are made again when
 * asked for ({@link #name}, {@link #header}), the same bytes each time.
 *
 * <p>An entry's header is one 512-byte record unless its name or size needs a PAX header (a name of
 * 100 bytes or more, or not ASCII; a size over the octal field; an mtime with a fraction of a
 * second): only then is the header made to learn its length. {@link BundleWriter} writes every
 * header made from here and checks that its length is the one laid out.
 */
final class TarLayout {
    static final int RECORD = 512;

    private final IntFunction<String> names;
    private final Date mtime;
    private final long[] headerOffsets;
    private final long[] dataOffsets;
    private final long[] sizes;

    private TarLayout(IntFunction<String> names, Date mtime, long[] headerOffsets, long[] dataOffsets, long[] sizes) {
        this.names = names;
        this.mtime = mtime;
        this.headerOffsets = headerOffsets;
        this.dataOffsets = dataOffsets;
        this.sizes = sizes;
    }

    /** Lays out {@code sizes.length} entries, entry {@code i} named {@code names.apply(i)}. */
    static TarLayout of(IntFunction<String> names, long[] sizes, Date mtime) {
        long[] headerOffsets = new long[sizes.length];
        long[] dataOffsets = new long[sizes.length];
        long pos = 0;
        for (int i = 0; i < sizes.length; i++) {
            headerOffsets[i] = pos;
            dataOffsets[i] = pos + headerLength(names.apply(i), sizes[i], mtime);
            pos = dataOffsets[i] + pad(sizes[i]);
        }
        return new TarLayout(names, mtime, headerOffsets, dataOffsets, sizes.clone());
    }

    int count() {
        return sizes.length;
    }

    String name(int i) {
        return names.apply(i);
    }

    long headerOffset(int i) {
        return headerOffsets[i];
    }

    long dataOffset(int i) {
        return dataOffsets[i];
    }

    long size(int i) {
        return sizes[i];
    }

    /** Where entry {@code i}'s padding ends: the next entry's header, or the end-of-archive records. */
    long end(int i) {
        return dataOffsets[i] + pad(sizes[i]);
    }

    /** The whole file: every entry, then the two zero records that end a tar. */
    long total() {
        return sizes.length == 0 ? 2 * RECORD : end(sizes.length - 1) + 2 * RECORD;
    }

    /** The entry whose header, data or padding holds tar position {@code pos}; -1 for the end-of-archive records. */
    int entryAt(long pos) {
        int i = Arrays.binarySearch(headerOffsets, pos);
        int at = i >= 0 ? i : -i - 2;
        return at >= 0 && pos < end(at) ? at : -1;
    }

    /** Entry {@code i}'s header records, as Commons Compress writes them (a PAX header first where needed). */
    byte[] header(int i) {
        byte[] h = header(names.apply(i), sizes[i], mtime);
        if (h.length != dataOffsets[i] - headerOffsets[i]) {
            throw new IllegalStateException("tar header for " + names.apply(i) + " is " + h.length + " bytes, laid out as "
                    + (dataOffsets[i] - headerOffsets[i]));
        }
        return h;
    }

    static long pad(long size) {
        return (size + RECORD - 1) / RECORD * RECORD;
    }

    /** One record where no PAX header can be needed; else the length of the header itself. */
    private static long headerLength(String name, long size, Date mtime) {
        boolean plain = name.length() < TarConstants.NAMELEN && name.chars().allMatch(c -> c > 0 && c < 128)
                && size >= 0 && size <= TarConstants.MAXSIZE && mtime.getTime() % 1000 == 0 && mtime.getTime() >= 0
                && mtime.getTime() / 1000 <= TarConstants.MAXSIZE;
        return plain ? RECORD : header(name, size, mtime).length;
    }

    private static byte[] header(String name, long size, Date mtime) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        try {
            @SuppressWarnings("resource") // never closed: the entry's data is written elsewhere
            TarArchiveOutputStream tar = new TarArchiveOutputStream(out, RECORD);
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            tar.setAddPaxHeadersForNonAsciiNames(true);
            TarArchiveEntry e = new TarArchiveEntry(name);
            e.setSize(size);
            e.setMode(0644);
            e.setModTime(mtime);
            e.setUserId(0);
            e.setGroupId(0);
            e.setUserName("");
            e.setGroupName("");
            tar.putArchiveEntry(e);
            tar.flush();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        byte[] h = out.toByteArray();
        if (h.length == 0 || h.length % RECORD != 0) {
            throw new IllegalStateException("tar header for " + name + " is " + h.length + " bytes");
        }
        return h;
    }
}
