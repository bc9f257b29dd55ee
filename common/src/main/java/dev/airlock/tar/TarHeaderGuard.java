package dev.airlock.tar;

import dev.airlock.error.AirlockException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Walks the 512-byte headers of an untrusted tar before Commons Compress reads it, and refuses
 * what Commons Compress would hold in memory or on its stack without bound (issue 17, H4 and
 * red-team pass C): its {@code TarFile} reads a GNU long name or long link ({@code ././@LongLink},
 * type {@code L} or {@code K}) and a PAX extended header (type {@code x}, {@code X} or {@code g})
 * whole into memory, so a 150 MiB one ends in OutOfMemoryError; it calls itself once per such
 * header before the entry they describe, so thousands of small ones end in StackOverflowError;
 * it keeps every global PAX record for the rest of the archive; and it keeps every old-GNU sparse
 * extension block of an entry. Version 1.28 has no setting that bounds any of these. Real
 * archives have one to three such headers of under 1 KiB before an entry, and few sparse blocks.
 *
 * <p>Contract: reads by position only (the channel's position is left alone) and reads only
 * header records and the bodies of PAX headers (at most {@link #MAX_META} bytes each). It follows
 * the archive as Commons Compress does: numbers are parsed by its rules ({@link TarNumbers}),
 * entry data is skipped by its size, rounded up to 512, where a PAX {@code size} record overrides
 * the header's; GNU sparse extension records are stepped over. A header it cannot parse is
 * refused, since a walk that stopped there could no longer vouch for the headers after it; the
 * walk ends quietly only at a zero block (the end-of-archive marker, where Commons Compress stops
 * too) or at the end of the file.
 */
public final class TarHeaderGuard {
    /** The largest long name, long link or PAX header accepted, in bytes; also the bound on all of them before one entry. */
    public static final int MAX_META = 64 << 10;
    /**
     * The most bytes of long names, long links and PAX headers accepted in the whole archive:
     * Commons Compress keeps every entry's name, link and PAX records, and 3,000 names of 64 KiB
     * were OutOfMemoryError in 192 MiB (red-team pass G). Real archives have none, or a few hundred bytes per entry.
     */
    public static final int MAX_META_TOTAL = 8 << 20;
    /** The most long-name, long-link and PAX headers accepted in a row before an entry (Commons Compress recurses once per one). */
    public static final int MAX_META_RUN = 8;
    /** The most old-GNU sparse extension blocks accepted after one entry's header (21 sparse records each). */
    public static final int MAX_SPARSE_BLOCKS = 64;
    /**
     * The most records (headers, extension blocks, end blocks) accepted per entry allowed: their
     * positions are held ({@link HeaderRecords}), and 65 per entry (a sparse header and its blocks)
     * times 200,000 entries was 128 MiB (red-team pass G). UntrustedBundle lets Commons Compress
     * make only as many reads.
     */
    public static final int MAX_RECORDS_PER_ENTRY = 4;
    private static final int RECORD = 512;

    private final FileChannel tar;
    private final String what;
    private final long end;
    private final ByteBuffer header = ByteBuffer.allocate(RECORD);
    private long paxSize = -1;
    /** PAX headers ('x', 'X') since the last entry. */
    private int paxSeen;
    private long globalSize = -1;
    private int metaRun;
    private long metaBytes;
    private long globalBytes;
    private long allMetaBytes;
    /** Where the walk read a header record, a sparse extension block or the end-of-archive block, in order. */
    private final HeaderRecords records = new HeaderRecords();
    private final long maxRecords;

    private TarHeaderGuard(FileChannel tar, String what, int maxEntries) throws IOException {
        this.tar = tar;
        this.what = what;
        this.end = tar.size();
        this.maxRecords = (long) MAX_RECORDS_PER_ENTRY * maxEntries;
    }

    /**
     * Refuses, as MALFORMED_BUNDLE (exit 3) with {@code what} (the file, named as the caller's
     * messages name it) before the reason, a tar holding a long-name, long-link or PAX header over
     * {@link #MAX_META} bytes, more than {@link #MAX_META_RUN} of them (or more than
     * {@link #MAX_META} bytes of them) before one entry, more than {@link #MAX_META} bytes of
     * global PAX headers in all, more than {@link #MAX_META_TOTAL} bytes of all of them, more than
     * {@link #MAX_SPARSE_BLOCKS} sparse extension blocks
     * after one entry, a header whose size Commons Compress could not parse, or more than
     * {@code maxEntries} entries, or more than {@link #MAX_RECORDS_PER_ENTRY} times as many records.
     *
     * @return where the walk read records: a reader that reads a record anywhere else has walked
     *     another archive than this check did ({@link HeaderRecords#channel})
     * @throws IOException a read of the channel failed (the caller decides whether that is local)
     */
    public static HeaderRecords check(FileChannel tar, int maxEntries, String what) throws IOException {
        TarHeaderGuard g = new TarHeaderGuard(tar, what, maxEntries);
        g.walk(maxEntries);
        return g.records;
    }

    private void walk(int maxEntries) throws IOException {
        long pos = 0;
        int entries = 0;
        while (pos >= 0 && pos + RECORD <= end) {
            if (!readAt(header, pos)) {
                return;
            }
            record(pos);
            if (isZero(header.array())) {
                record(pos + RECORD); // Commons Compress reads a second end-of-archive block if there is one
                return;
            }
            byte[] h = header.array();
            long size = TarNumbers.size(h);
            if (size < 0) {
                throw refused(pos, "has a size field Commons Compress cannot read");
            }
            char type = (char) h[156];
            if (isMeta(type)) {
                pos = afterMeta(type, size, pos);
                continue;
            }
            if (++entries > maxEntries) {
                throw AirlockException.malformed(what + " holds more than " + maxEntries + " entries, more than any it could be");
            }
            boolean extendedSparse = type == 'S' && isOldGnu(h) && h[482] == 1;
            if (extendedSparse && metaRun > 0) {
                // Commons Compress 1.28 ends every frame of its recursion with readOldGNUSparse, and each
                // long-name or PAX header is a frame: it reads the extension blocks once more per header,
                // taking the records after them as blocks, and reads headers from a place this walk never
                // looks at (red-team pass F). Airlock never writes sparse entries.
                throw refused(pos, "is an old-GNU sparse entry with extension blocks after a long-name or PAX header, which"
                        + " Commons Compress reads out of step: refused");
            }
            size = paxSize >= 0 ? paxSize : globalSize >= 0 ? globalSize : size;
            paxSize = -1;
            paxSeen = 0;
            metaRun = 0;
            metaBytes = 0;
            pos += RECORD;
            if (extendedSparse) {
                pos = afterSparseExtensions(pos);
            }
            pos += padded(size); // a negative result (overflow) is past any file's end and ends the loop
        }
    }

    /** Checks the long-name, long-link or PAX header at {@code pos} of {@code size} bytes; returns the position after its body. */
    private long afterMeta(char type, long size, long pos) throws IOException {
        if (size > MAX_META) {
            throw refused(pos, "is a " + describe(type) + " of " + size + " bytes, over the bound of " + MAX_META
                    + " (real ones are under 1 KiB): a damaged or hostile archive, refused");
        }
        metaBytes += size;
        if (++metaRun > MAX_META_RUN || metaBytes > MAX_META) {
            throw refused(pos, "is the " + metaRun + "th long-name or PAX header in a row (" + metaBytes + " bytes), over the bound of "
                    + MAX_META_RUN + " headers or " + MAX_META + " bytes before one entry (real archives have 1 to 3): refused");
        }
        if ((allMetaBytes += size) > MAX_META_TOTAL) {
            throw refused(pos, "brings the long names, long links and PAX headers to " + allMetaBytes + " bytes, over the bound of "
                    + MAX_META_TOTAL + " in all (real archives have a few hundred bytes per entry, or none): refused");
        }
        if (type == 'g' && (globalBytes += size) > MAX_META) {
            throw refused(pos, "brings the PAX global headers to " + globalBytes + " bytes, over the bound of " + MAX_META + ": refused");
        }
        if (type == 'x' || type == 'X' || type == 'g') {
            long s = paxSize(pos + RECORD, (int) size);
            if (s == PaxRecords.UNFOLLOWABLE) {
                // Where Commons Compress would read the next header is then not known here: a blank or
                // malformed record (it skips one), or GNU sparse keys (PAX 1.0 sparse moves the data).
                throw refused(pos, "is a PAX header with records this check cannot follow exactly (a blank or malformed"
                        + " record, or GNU sparse keys, which airlock never writes): refused");
            }
            // Commons Compress merges several PAX headers before one entry, and global sizes into later
            // headers, in an order of its own (the first header's size wins): rather than model it, the
            // shapes no writer makes are refused — two PAX headers for one entry, a size in a global header.
            if ((type == 'x' || type == 'X') && paxSeen++ > 0) {
                throw refused(pos, "is a second PAX header for one entry, which no tar writer makes: refused");
            }
            if (type == 'g' && s >= 0) {
                throw refused(pos, "is a PAX global header with a size record, which no tar writer makes: refused");
            }
            if (type == 'g') {
                globalSize = s >= 0 ? s : globalSize;
            } else {
                paxSize = s;
            }
        }
        return pos + RECORD + padded(size);
    }

    private void record(long pos) {
        if (records.count() >= maxRecords) {
            throw AirlockException.malformed(what + " holds more than " + maxRecords + " tar headers and extension blocks ("
                    + MAX_RECORDS_PER_ENTRY + " per entry it may hold), more than any it could be");
        }
        records.add(pos);
    }

    private AirlockException refused(long pos, String reason) {
        return AirlockException.malformed(what + ": the tar header at byte " + pos + " " + reason);
    }

    private static long padded(long size) {
        return (size + RECORD - 1) / RECORD * RECORD;
    }

    private static boolean isMeta(char type) {
        return type == 'L' || type == 'K' || type == 'x' || type == 'X' || type == 'g';
    }

    /** Commons Compress reads the old-GNU fields (the sparse map and its extended flag) only under the magic {@code "ustar "}. */
    private static boolean isOldGnu(byte[] h) {
        return h[257] == 'u' && h[258] == 's' && h[259] == 't' && h[260] == 'a' && h[261] == 'r' && h[262] == ' ';
    }

    private static String describe(char type) {
        return switch (type) {
            case 'L' -> "GNU long name (type L)";
            case 'K' -> "GNU long link (type K)";
            case 'g' -> "PAX global header (type g)";
            default -> "PAX extended header (type " + type + ")";
        };
    }

    /**
     * An old GNU sparse header ('S') with its extended flag (byte 482) equal to 1 is followed by
     * 512-byte sparse records, each flagged the same way at byte 504; Commons Compress keeps them all.
     */
    private long afterSparseExtensions(long pos) throws IOException {
        long first = pos;
        boolean more = true;
        for (int blocks = 0; more && pos + RECORD <= end; blocks++) {
            if (blocks == MAX_SPARSE_BLOCKS) {
                throw refused(first - RECORD, "is an old-GNU sparse entry with more than " + MAX_SPARSE_BLOCKS
                        + " extension blocks: a damaged or hostile archive, refused");
            }
            if (!readAt(header, pos)) {
                return end;
            }
            record(pos);
            more = header.array()[504] == 1;
            pos += RECORD;
        }
        return pos;
    }

    /** The value of the {@code size} record of the PAX header body at {@code pos}, or -1 if none (or unparseable). */
    private long paxSize(long pos, int length) throws IOException {
        ByteBuffer body = ByteBuffer.allocate(length);
        while (body.hasRemaining()) {
            if (tar.read(body, pos + body.position()) < 0) {
                return -1;
            }
        }
        return PaxRecords.size(body.array());
    }

    private boolean readAt(ByteBuffer buf, long pos) throws IOException {
        buf.clear();
        while (buf.hasRemaining()) {
            if (tar.read(buf, pos + buf.position()) < 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    /** Parsing of the tar size field (octal, or GNU base-256). */
    static final class TarNumbers {
        private TarNumbers() {
        }

        /**
         * The size field (offset 124, 12 bytes) as Commons Compress 1.28 reads it
         * ({@code TarUtils.parseOctalOrBinary}), or -1 where it would refuse it (or read a negative
         * size, which it refuses too). Octal: a leading NUL means 0; leading spaces are skipped,
         * trailing NULs and spaces trimmed, and every byte between must be an octal digit. Base-256
         * (first byte's high bit set): the first byte only marks it ({@code 0xff}: negative); the 11
         * bytes after it are a signed big-endian number that must fit in 63 bits.
         */
        static long size(byte[] h) {
            final int off = 124;
            final int stop = 136;
            if ((h[off] & 0x80) != 0) {
                if (h[off] == (byte) 0xff || (h[off + 1] & 0x80) != 0) {
                    return -1; // negative
                }
                long v = 0;
                for (int i = off + 1; i < stop; i++) {
                    if (v > (Long.MAX_VALUE >> 8)) {
                        return -1; // over 63 bits
                    }
                    v = v << 8 | (h[i] & 0xff);
                }
                return v;
            }
            if (h[off] == 0) {
                return 0;
            }
            int i = off;
            int last = stop;
            while (i < last && h[i] == ' ') {
                i++;
            }
            while (i < last && (h[last - 1] == 0 || h[last - 1] == ' ')) {
                last--;
            }
            long v = 0;
            for (; i < last; i++) {
                if (h[i] < '0' || h[i] > '7') {
                    return -1;
                }
                v = v << 3 | (h[i] - '0');
            }
            return v;
        }
    }

    /** PAX records, {@code "LEN key=value\n"}, as far as the walk needs them. */
    static final class PaxRecords {
        private PaxRecords() {
        }

        /** What {@link #size} answers for a body it cannot follow record by record as Commons Compress does. */
        static final long UNFOLLOWABLE = -2;

        private static boolean hasEquals(byte[] body, int from, int to) {
            for (int k = from; k < to; k++) {
                if (body[k] == '=') {
                    return true;
                }
            }
            return false;
        }

        /** The last {@code size} record's value, -1 when there is none, or {@link #UNFOLLOWABLE}. */
        static long size(byte[] body) {
            long found = -1;
            int i = 0;
            while (i < body.length && body[i] != 0) {
                int space = i;
                int len = 0;
                while (space < body.length && body[space] >= '0' && body[space] <= '9' && len < 1 << 20) {
                    len = len * 10 + (body[space++] - '0');
                }
                if (space == i || space >= body.length || body[space] != ' ' || len <= space - i + 1 || i + len > body.length
                        || !hasEquals(body, space + 1, i + len)) {
                    // Commons Compress reads a keyword on to the next '=', past its record's end (red-team pass G).
                    return UNFOLLOWABLE;
                }
                String record = new String(body, space + 1, i + len - space - 1, java.nio.charset.StandardCharsets.UTF_8);
                if (record.startsWith("GNU.sparse.")) {
                    return UNFOLLOWABLE;
                }
                if (record.startsWith("size=")) {
                    try {
                        found = Long.parseLong(record.substring(5).strip());
                    } catch (NumberFormatException e) {
                        return UNFOLLOWABLE;
                    }
                }
                i += len;
            }
            return found;
        }
    }
}
