package dev.airlock.tar;

import dev.airlock.error.AirlockException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Walks the 512-byte headers of an untrusted tar before Commons Compress reads it, and refuses
 * what Commons Compress would hold in memory without bound (issue 17, H4): its {@code TarFile}
 * reads a GNU long name or long link ({@code ././@LongLink}, type {@code L} or {@code K}) and a PAX
 * extended header (type {@code x}, {@code X} or {@code g}) whole into memory, so a 150 MiB one
 * ends in OutOfMemoryError; version 1.28 has no setting that bounds them. Real ones are under
 * 1 KiB; {@link #MAX_META} is far above that. Also bounds the number of entries.
 *
 * <p>Contract: reads by position only (the channel's position is left alone) and reads only
 * header records and the bodies of PAX headers (at most {@link #MAX_META} bytes each). It follows
 * the archive as Commons Compress does: entry data is skipped by its size, rounded up to 512,
 * where a PAX {@code size} record overrides the header's; GNU sparse extension records are
 * stepped over. It refuses only what it is sure of; a header it cannot parse (or the end of the
 * file) ends the walk, and Commons Compress then reports the damage in its own words.
 */
public final class TarHeaderGuard {
    /** The largest long name, long link or PAX header accepted, in bytes. */
    public static final int MAX_META = 64 << 10;
    private static final int RECORD = 512;

    private TarHeaderGuard() {
    }

    /**
     * Refuses, as MALFORMED_BUNDLE (exit 3) with {@code what} (the file, named as the caller's
     * messages name it) before the reason, a tar holding a long-name, long-link or PAX header over
     * {@link #MAX_META} bytes, or more than {@code maxEntries} entries.
     *
     * @throws IOException a read of the channel failed (the caller decides whether that is local)
     */
    public static void check(FileChannel tar, int maxEntries, String what) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(RECORD);
        long end = tar.size();
        long pos = 0;
        long paxSize = -1;
        long globalSize = -1;
        int entries = 0;
        while (pos + RECORD <= end) {
            if (!readAt(tar, header, pos) || isZero(header.array())) {
                return;
            }
            byte[] h = header.array();
            long size = TarNumbers.size(h);
            if (size < 0) {
                return;
            }
            char type = (char) h[156];
            if (!isMeta(type) && ++entries > maxEntries) {
                throw AirlockException.malformed(what + " holds more than " + maxEntries + " entries, more than any it could be");
            }
            if (isMeta(type) && size > MAX_META) {
                throw AirlockException.malformed(what + ": the tar header at byte " + pos + " is a " + describe(type) + " of " + size
                        + " bytes, over the bound of " + MAX_META + " (real ones are under 1 KiB): a damaged or hostile archive, refused");
            }
            pos += RECORD;
            if (type == 'x' || type == 'X' || type == 'g') {
                long s = paxSize(tar, pos, (int) size);
                if (type == 'g') {
                    globalSize = s >= 0 ? s : globalSize;
                } else {
                    paxSize = s;
                }
            } else if (type != 'L' && type != 'K') {
                size = paxSize >= 0 ? paxSize : globalSize >= 0 ? globalSize : size;
                paxSize = -1;
                if (type == 'S') {
                    pos = afterSparseExtensions(tar, header, h, pos, end);
                }
            }
            pos += (size + RECORD - 1) / RECORD * RECORD;
            if (pos < 0) {
                return; // overflow: past any file's end
            }
        }
    }

    private static boolean isMeta(char type) {
        return type == 'L' || type == 'K' || type == 'x' || type == 'X' || type == 'g';
    }

    private static String describe(char type) {
        return switch (type) {
            case 'L' -> "GNU long name (type L)";
            case 'K' -> "GNU long link (type K)";
            case 'g' -> "PAX global header (type g)";
            default -> "PAX extended header (type " + type + ")";
        };
    }

    /** An old GNU sparse header ('S') with its extended flag set is followed by 512-byte sparse records, each flagged at 504. */
    private static long afterSparseExtensions(FileChannel tar, ByteBuffer header, byte[] h, long pos, long end) throws IOException {
        boolean more = h[482] != 0;
        while (more && pos + RECORD <= end) {
            if (!readAt(tar, header, pos)) {
                return end;
            }
            more = header.array()[504] != 0;
            pos += RECORD;
        }
        return pos;
    }

    /** The value of the {@code size} record of the PAX header body at {@code pos}, or -1 if none (or unparseable). */
    private static long paxSize(FileChannel tar, long pos, int length) throws IOException {
        ByteBuffer body = ByteBuffer.allocate(length);
        while (body.hasRemaining()) {
            if (tar.read(body, pos + body.position()) < 0) {
                return -1;
            }
        }
        return PaxRecords.size(body.array());
    }

    private static boolean readAt(FileChannel tar, ByteBuffer buf, long pos) throws IOException {
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

        /** The size field (offset 124, 12 bytes), or -1 where it is not a number Commons Compress would accept. */
        static long size(byte[] h) {
            if ((h[124] & 0x80) != 0) {
                if ((h[124] & 0x40) != 0) {
                    return -1; // negative
                }
                long v = h[124] & 0x3f;
                for (int i = 125; i < 136; i++) {
                    if (v > (Long.MAX_VALUE >> 8)) {
                        return -1;
                    }
                    v = v << 8 | (h[i] & 0xff);
                }
                return v;
            }
            int i = 124;
            int stop = 136;
            while (i < stop && (h[i] == ' ' || h[i] == 0)) {
                i++;
            }
            long v = 0;
            for (; i < stop && h[i] >= '0' && h[i] <= '7'; i++) {
                v = v << 3 | (h[i] - '0');
            }
            for (; i < stop; i++) {
                if (h[i] != ' ' && h[i] != 0) {
                    return -1;
                }
            }
            return v;
        }
    }

    /** PAX records, {@code "LEN key=value\n"}, as far as the walk needs them. */
    static final class PaxRecords {
        private PaxRecords() {
        }

        /** The last {@code size} record's value, or -1 (none, or records Commons Compress would refuse itself). */
        static long size(byte[] body) {
            long found = -1;
            int i = 0;
            while (i < body.length && body[i] != 0) {
                int space = i;
                int len = 0;
                while (space < body.length && body[space] >= '0' && body[space] <= '9' && len < 1 << 20) {
                    len = len * 10 + (body[space++] - '0');
                }
                if (space >= body.length || body[space] != ' ' || len <= space - i + 1 || i + len > body.length) {
                    return -1;
                }
                String record = new String(body, space + 1, i + len - space - 1, java.nio.charset.StandardCharsets.UTF_8);
                if (record.startsWith("size=")) {
                    try {
                        found = Long.parseLong(record.substring(5).strip());
                    } catch (NumberFormatException e) {
                        return -1;
                    }
                }
                i += len;
            }
            return found;
        }
    }
}
