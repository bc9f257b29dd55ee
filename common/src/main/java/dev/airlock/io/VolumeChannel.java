package dev.airlock.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Several files read as one, in order, without concatenating them on disk: a bundle's volumes
 * seen as the single tar they are slices of. Read-only; positional reads are thread-safe (each
 * goes to one volume's own channel), so everything that reads a bundle file at offsets reads a
 * volume set unchanged. A read never returns less than it could: it continues into the next
 * volume until the buffer is full or the last volume ends.
 */
public final class VolumeChannel extends FileChannel {
    private final List<FileChannel> channels;
    private final long[] starts;
    private final long size;
    private long position;

    private VolumeChannel(List<FileChannel> channels, long[] starts, long size) {
        this.channels = channels;
        this.starts = starts;
        this.size = size;
    }

    /** Opens {@code files} for reading; their sizes at this moment fix where each begins. */
    public static VolumeChannel open(List<Path> files) throws IOException {
        List<FileChannel> chs = new ArrayList<>();
        long[] starts = new long[files.size()];
        long pos = 0;
        try {
            for (int i = 0; i < files.size(); i++) {
                FileChannel ch = UntrustedOpen.read(files.get(i)); // never waits in a FIFO swapped in (V3)
                chs.add(ch);
                starts[i] = pos;
                pos += ch.size();
            }
        } catch (IOException e) {
            for (FileChannel ch : chs) {
                ch.close();
            }
            throw e;
        }
        return new VolumeChannel(List.copyOf(chs), starts, pos);
    }

    @Override
    public int read(ByteBuffer dst, long pos) throws IOException {
        if (pos < 0) {
            throw new IllegalArgumentException("negative position");
        }
        if (pos >= size) {
            return -1;
        }
        int total = 0;
        long p = pos;
        while (dst.hasRemaining() && p < size) {
            int i = volumeAt(p);
            FileChannel ch = channels.get(i);
            long end = i + 1 < starts.length ? starts[i + 1] : size;
            int want = (int) Math.min(dst.remaining(), end - p);
            ByteBuffer slice = dst.duplicate();
            slice.limit(slice.position() + want);
            int n = ch.read(slice, p - starts[i]);
            if (n <= 0) {
                break; // the volume shrank since it was opened; the caller sees a short read
            }
            dst.position(dst.position() + n);
            total += n;
            p += n;
        }
        return total == 0 && dst.hasRemaining() ? -1 : total;
    }

    private int volumeAt(long pos) {
        int i = java.util.Arrays.binarySearch(starts, pos);
        if (i >= 0) {
            // Several volumes could start here only if some were empty: take the last, which holds the byte.
            while (i + 1 < starts.length && starts[i + 1] == pos) {
                i++;
            }
            return i;
        }
        return -i - 2;
    }

    @Override
    public synchronized int read(ByteBuffer dst) throws IOException {
        int n = read(dst, position);
        if (n > 0) {
            position += n;
        }
        return n;
    }

    @Override
    public synchronized long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        long total = 0;
        for (int i = offset; i < offset + length; i++) {
            int n = read(dsts[i]);
            if (n < 0) {
                return total == 0 ? -1 : total;
            }
            total += n;
            if (dsts[i].hasRemaining()) {
                break;
            }
        }
        return total;
    }

    @Override
    public synchronized long position() {
        return position;
    }

    @Override
    public synchronized FileChannel position(long newPosition) {
        if (newPosition < 0) {
            throw new IllegalArgumentException("negative position");
        }
        position = newPosition;
        return this;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public int write(ByteBuffer src) {
        throw new NonWritableChannelException();
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) {
        throw new NonWritableChannelException();
    }

    @Override
    public int write(ByteBuffer src, long pos) {
        throw new NonWritableChannelException();
    }

    @Override
    public FileChannel truncate(long newSize) {
        throw new NonWritableChannelException();
    }

    @Override
    public void force(boolean metaData) {
        // read-only: nothing to write back
    }

    @Override
    public long transferTo(long pos, long count, WritableByteChannel target) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(count, 1 << 16));
        long done = 0;
        while (done < count) {
            buf.clear().limit((int) Math.min(buf.capacity(), count - done));
            int n = read(buf, pos + done);
            if (n <= 0) {
                break;
            }
            buf.flip();
            while (buf.hasRemaining()) {
                target.write(buf);
            }
            done += n;
        }
        return done;
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long pos, long count) {
        throw new NonWritableChannelException();
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long pos, long length) {
        throw new UnsupportedOperationException("a volume set cannot be memory-mapped as one file");
    }

    @Override
    public FileLock lock(long pos, long length, boolean shared) {
        throw new UnsupportedOperationException("a volume set cannot be locked");
    }

    @Override
    public FileLock tryLock(long pos, long length, boolean shared) {
        throw new UnsupportedOperationException("a volume set cannot be locked");
    }

    @Override
    protected void implCloseChannel() throws IOException {
        IOException first = null;
        for (FileChannel ch : channels) {
            try {
                ch.close();
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
