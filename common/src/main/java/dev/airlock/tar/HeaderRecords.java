package dev.airlock.tar;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;
import java.util.Arrays;

/**
 * The positions of the 512-byte records {@link TarHeaderGuard} read as headers (and sparse
 * extension blocks, and the end-of-archive blocks), and a channel that holds Commons Compress to
 * them (red-team pass F). The guard's bounds hold only for the headers it saw; each way Commons
 * Compress's walk differs from the guard's (a directory's unpadded data, an old-GNU sparse entry's
 * blocks read twice, the order in which several PAX sizes apply) let it read headers the guard
 * never saw. Rather than model every one, {@link #channel} refuses a whole-record read anywhere the
 * guard did not read one: whatever Commons Compress parses as a header is one the guard checked.
 * And it holds Commons Compress to the guard's order, record by record (red-team pass G): a record
 * the guard read as a sparse extension block or as its second end block was never checked as a
 * header, and a walk that skips records (a PAX size one reader sees and the other does not) and
 * lands on one of those would read a header no check saw.
 *
 * <p>Contract: Commons Compress 1.28's {@code TarFile} reads header records, and sparse extension
 * blocks, as single reads of exactly one record into its record buffer; it reads the bodies of long
 * names and PAX headers through streams in pieces of at most 256 bytes (a byte at a time for PAX
 * records). Use the channel only while {@code TarFile} reads its entry list, never for entry data.
 */
public final class HeaderRecords {
    private static final int RECORD = 512;
    private long[] positions = new long[64];
    private int count;

    HeaderRecords() {
    }

    /** Positions come in increasing order, as the walk reads them. */
    void add(long position) {
        if (count == positions.length) {
            positions = Arrays.copyOf(positions, count * 2);
        }
        positions[count++] = position;
    }

    /** How many records the guard read. */
    int count() {
        return count;
    }

    /** Whether the guard read a record at {@code position}. */
    public boolean contains(long position) {
        return Arrays.binarySearch(positions, 0, count, position) >= 0;
    }

    /**
     * {@code tar} as Commons Compress reads it, except that a read of one whole record anywhere but
     * where the guard read its next record fails with an IOException naming the byte. Closing it
     * closes {@code tar}.
     */
    public SeekableByteChannel channel(SeekableByteChannel tar) {
        return new SeekableByteChannel() {
            /** The index of the record the guard read next, which is the one Commons Compress must read next. */
            private int next;

            @Override
            public int read(ByteBuffer dst) throws IOException {
                long at = tar.position();
                // At the end, where no whole record is left, Commons Compress reads a short record as the end of the archive.
                if (dst.remaining() == RECORD && at + RECORD <= tar.size()) {
                    if (next >= count || positions[next] != at) {
                        throw new IOException("the tar header at byte " + at + " is not the record the header check read next"
                                + (contains(at) ? " (it read that one for another purpose)" : " (it read entry data there)")
                                + ": the archive reads two ways (a damaged or hostile archive)");
                    }
                    next++;
                }
                return tar.read(dst);
            }

            @Override
            public int write(ByteBuffer src) {
                throw new NonWritableChannelException();
            }

            @Override
            public long position() throws IOException {
                return tar.position();
            }

            @Override
            public SeekableByteChannel position(long newPosition) throws IOException {
                tar.position(newPosition);
                return this;
            }

            @Override
            public long size() throws IOException {
                return tar.size();
            }

            @Override
            public SeekableByteChannel truncate(long size) {
                throw new NonWritableChannelException();
            }

            @Override
            public boolean isOpen() {
                return tar.isOpen();
            }

            @Override
            public void close() throws IOException {
                tar.close();
            }
        };
    }
}
