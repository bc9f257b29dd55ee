package dev.airlock.bundle;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * What a bundle's bytes were meant to be, kept cheaply enough to check a read-back of any range
 * of it: the tar headers, the four small entries and all padding exactly (they are in memory or
 * zero), and each blob's bytes as one CRC-32C per piece of at most {@link #PIECE} bytes, computed
 * from the very buffers that were written (whose sha256 the download had just checked). A piece
 * never crosses a multiple of {@code PIECE} in the tar, an entry's end or a volume boundary, so
 * any range that starts and ends on such boundaries can be checked alone and in any order.
 *
 * <p>Why CRC-32C and not sha256: a second sha256 of every byte would double the CPU the check
 * costs (the read-back already hashes each volume with sha256 for the volume list), while CRC-32C
 * runs at memory speed (a CPU instruction) and catches every error burst of up to 32 bits and
 * all but one in 2³² of any other damage, per piece — what a failing medium produces.
 */
final class WriteCheck {
    static final int PIECE = 512 << 10;
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(64 << 10).asReadOnlyBuffer();

    private final TarLayout layout;
    private final byte[][] small;
    private final long total;
    private final long volumeSize;
    private final Recorder[] recorders;

    /** A range that does not read back as written: tar positions {@code [start, end)}; {@code exact} when start is the first wrong byte. */
    record Mismatch(long start, long end, String entry, boolean exact) {
    }

    /**
     * @param small the contents of the entries before the blobs (bundle.json, its signatures, oci-layout, index.json)
     * @param volumeSize bytes per volume, {@link Long#MAX_VALUE} for one file
     */
    WriteCheck(TarLayout layout, byte[][] small, long total, long volumeSize) {
        this.layout = layout;
        this.small = small;
        this.total = total;
        this.volumeSize = volumeSize;
        this.recorders = new Recorder[layout.count()];
        for (int i = small.length; i < layout.count(); i++) {
            recorders[i] = new Recorder(layout.dataOffset(i), layout.size(i));
        }
    }

    /** Notes bytes of blob entry {@code slot} about to be written at {@code offset} within the entry; every byte once, in order. */
    void record(int slot, long offset, ByteBuffer data) {
        recorders[slot].record(offset, data.duplicate());
    }

    /** A check of the tar range {@code [start, end)}, fed with what was read back, in order. */
    Range range(long start, long end) {
        return new Range(start, end);
    }

    // ------------------------------------------------------------------ pieces

    /** The end (tar position) of the piece of the entry {@code [d, d + n)} that holds tar position {@code abs}. */
    private long pieceEnd(long d, long n, long abs) {
        long segEnd = Math.min(d + n, (abs / PIECE + 1) * PIECE);
        long cut = cut(Math.max(d, abs / PIECE * PIECE), segEnd);
        return cut > 0 && abs < cut ? cut : segEnd;
    }

    /** Which piece of the entry {@code [d, d + n)} holds tar position {@code abs}: two slots per PIECE segment. */
    private int pieceIndex(long d, long n, long abs) {
        long k = abs / PIECE - d / PIECE;
        long segEnd = Math.min(d + n, (abs / PIECE + 1) * PIECE);
        long cut = cut(Math.max(d, abs / PIECE * PIECE), segEnd);
        return Math.toIntExact(2 * k + (cut > 0 && abs >= cut ? 1 : 0));
    }

    private static int pieceCount(long d, long n) {
        return n == 0 ? 0 : Math.toIntExact(2 * ((d + n - 1) / PIECE - d / PIECE + 1));
    }

    /** The volume boundary strictly inside {@code (from, to)}, or -1 (volumes are over PIECE bytes, so there is at most one). */
    private long cut(long from, long to) {
        long q = from / volumeSize + 1;
        if (q > Long.MAX_VALUE / volumeSize) {
            return -1;
        }
        long c = q * volumeSize;
        return c < to ? c : -1;
    }

    /** One blob entry's CRCs, filled in as its bytes are written (one writer at a time, in order). */
    private final class Recorder {
        private final long d;
        private final long n;
        private final int[] crcs;
        private final CRC32C crc = new CRC32C();
        private long next;

        Recorder(long dataOffset, long size) {
            this.d = dataOffset;
            this.n = size;
            this.crcs = new int[pieceCount(d, n)];
        }

        synchronized void record(long offset, ByteBuffer data) {
            if (offset != next) {
                throw new IllegalStateException("bytes of a blob at offset " + offset + " while " + next + " was next: written out of order");
            }
            while (data.hasRemaining()) {
                long abs = d + next;
                long end = pieceEnd(d, n, abs);
                int take = (int) Math.min(data.remaining(), end - abs);
                ByteBuffer part = data.duplicate();
                part.limit(part.position() + take);
                crc.update(part);
                data.position(data.position() + take);
                next += take;
                if (d + next == end) {
                    crcs[pieceIndex(d, n, abs)] = (int) crc.getValue();
                    crc.reset();
                }
            }
        }

        synchronized int crc(int piece) {
            return crcs[piece];
        }
    }

    // ------------------------------------------------------------------ checking a range

    /** Compares read-back bytes with what was meant; the first difference is kept. */
    final class Range {
        private final long end;
        private long pos;
        private final CRC32C crc = new CRC32C();
        private Mismatch mismatch;
        /** The header last made for a comparison, and its entry: a header split between two chunks is made once. */
        private int headerOf = -1;
        private byte[] header;

        Range(long start, long end) {
            this.pos = start;
            this.end = end;
        }

        /** The next bytes of the range, from tar position {@code at} (which must follow the previous chunk). Does not move {@code chunk}. */
        void accept(ByteBuffer chunk, long at) {
            if (at != pos) {
                throw new IllegalStateException("read-back chunk at " + at + " while " + pos + " was next");
            }
            ByteBuffer b = chunk.duplicate();
            while (b.hasRemaining() && mismatch == null) {
                int si = layout.entryAt(pos);
                if (si < 0) {
                    zeros(b, total, -1, "the end-of-archive records");
                    continue;
                }
                long dataOffset = layout.dataOffset(si);
                long dataEnd = dataOffset + layout.size(si);
                if (pos < dataOffset) {
                    if (headerOf != si) {
                        header = layout.header(si);
                        headerOf = si;
                    }
                    known(b, header, layout.headerOffset(si), dataOffset, si, "the tar header of ");
                } else if (pos < dataEnd) {
                    if (si < small.length) {
                        known(b, small[si], dataOffset, dataEnd, si, "");
                    } else {
                        piece(b, si);
                    }
                } else {
                    zeros(b, layout.end(si), si, "the padding after ");
                }
            }
            pos = at + chunk.remaining();
        }

        /** The first difference found, or null when every byte of the range read back as meant. */
        Mismatch finish() {
            if (mismatch == null && pos != end) {
                throw new IllegalStateException("read-back stopped at " + pos + " of a range ending at " + end);
            }
            return mismatch;
        }

        /** Compares with {@code expected}, the bytes of {@code [from, to)}; a difference is named {@code what} and entry {@code si}'s name. */
        private void known(ByteBuffer b, byte[] expected, long from, long to, int si, String what) {
            int take = (int) Math.min(b.remaining(), Math.min(to, end) - pos);
            ByteBuffer got = b.duplicate();
            got.limit(got.position() + take);
            int at = got.mismatch(ByteBuffer.wrap(expected, (int) (pos - from), take));
            if (at >= 0) {
                mismatch = new Mismatch(pos + at, pos + at + 1, what + layout.name(si), true);
                return;
            }
            b.position(b.position() + take);
            pos += take;
        }

        /** Compares with zeros up to {@code to}; a difference is named {@code what} and entry {@code si}'s name (none for -1). */
        private void zeros(ByteBuffer b, long to, int si, String what) {
            long stop = Math.min(to, end);
            while (b.hasRemaining() && pos < stop) {
                int take = (int) Math.min(Math.min(b.remaining(), stop - pos), ZEROS.capacity());
                ByteBuffer got = b.duplicate();
                got.limit(got.position() + take);
                int at = got.mismatch(ZEROS.duplicate().limit(take));
                if (at >= 0) {
                    mismatch = new Mismatch(pos + at, pos + at + 1, si < 0 ? what : what + layout.name(si), true);
                    return;
                }
                b.position(b.position() + take);
                pos += take;
            }
        }

        private void piece(ByteBuffer b, int si) {
            long dataOffset = layout.dataOffset(si);
            long size = layout.size(si);
            long pieceEnd = pieceEnd(dataOffset, size, pos);
            int take = (int) Math.min(b.remaining(), pieceEnd - pos);
            ByteBuffer got = b.duplicate();
            got.limit(got.position() + take);
            crc.update(got);
            b.position(b.position() + take);
            pos += take;
            if (pos == pieceEnd) {
                int index = pieceIndex(dataOffset, size, pos - 1);
                int actual = (int) crc.getValue();
                crc.reset();
                if (actual != recorders[si].crc(index)) {
                    long pieceStart = Math.max(dataOffset, Math.max((pos - 1) / PIECE * PIECE, cutBefore(pos - 1)));
                    mismatch = new Mismatch(pieceStart, pieceEnd, layout.name(si), false);
                }
            }
        }
    }

    /** The last volume boundary at or before {@code abs}. */
    private long cutBefore(long abs) {
        return volumeSize == Long.MAX_VALUE ? 0 : abs / volumeSize * volumeSize;
    }
}
