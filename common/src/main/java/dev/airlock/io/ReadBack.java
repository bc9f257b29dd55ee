package dev.airlock.io;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Reads a range of a file as the storage device holds it, not as the page cache remembers it:
 * the check behind {@code --verify-after-write}.
 *
 * <p>How: the file is opened with {@code O_DIRECT} ({@code ExtendedOpenOption.DIRECT}), so every
 * read goes to the device (the kernel first writes back any dirty page of the range). Reads are
 * block-aligned: positions and lengths are multiples of the file system's block size (at least
 * 4096) and the buffers are aligned direct buffers. Where the file system refuses {@code O_DIRECT}
 * (the open or the first read fails) the range is read through the page cache instead and
 * {@link Mode#PAGE_CACHE} is reported: after an fsync that still proves the kernel holds what was
 * meant, but a page it kept may hide what the device would return. Java has no
 * {@code posix_fadvise(DONTNEED)} to drop those pages first.
 *
 * <p>A second thread reads ahead into a few buffers while the caller checks the previous one, so
 * the device and the CPU work at the same time.
 */
public final class ReadBack {
    /** Where the bytes came from. */
    public enum Mode {
        /** {@code O_DIRECT}: from the device, bypassing the page cache. */
        DIRECT,
        /** Buffered reads after the range was dropped from the page cache ({@link PageCache}): from the device too. */
        DROPPED,
        /** Buffered reads: the file system refused {@code O_DIRECT}, or it was not asked for. */
        PAGE_CACHE
    }

    /** Takes consecutive pieces of the range; {@code offset} is the first byte's position in the file. */
    @FunctionalInterface
    public interface Chunks {
        void accept(ByteBuffer chunk, long offset) throws IOException;
    }

    private static final int BUFFER = 4 << 20;
    private static final int BUFFERS = 3;
    private static final int MIN_ALIGN = 4096;
    private static final int MAX_ALIGN = 64 << 10;
    /** Raw direct buffers, reused: direct memory is only returned by the GC, which a small heap seldom runs. */
    private static final java.util.concurrent.ConcurrentLinkedQueue<ByteBuffer> POOL = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private static final int POOLED = 2 * BUFFERS;

    private ReadBack() {
    }

    /**
     * Reads {@code [start, start + length)} of {@code file} in order into {@code consumer}, from the
     * device where possible ({@code direct}); fails with {@link EOFException} if the file is shorter.
     */
    public static Mode read(Path file, long start, long length, boolean direct, Chunks consumer) throws IOException {
        return read(file, start, length, direct, false, consumer);
    }

    /**
     * The same; with {@code dropFirst}, where {@link PageCache} works, the range is dropped from the
     * page cache and read buffered ({@link Mode#DROPPED}) instead of with {@code O_DIRECT}: on ext4 an
     * {@code O_DIRECT} read holds the file's inode lock, which stalls buffered writes to other parts
     * of the same file, while a buffered read does not. The caller must have fdatasynced the range
     * (only clean pages are dropped) and must not be writing it any more.
     */
    public static Mode read(Path file, long start, long length, boolean direct, boolean dropFirst, Chunks consumer)
            throws IOException {
        if (direct && dropFirst && PageCache.drop(file, start, length)) {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                new Pump(ch, file, start, length, 1).run(consumer);
                return Mode.DROPPED;
            }
        }
        if (direct) {
            FileChannel ch = null;
            try {
                ch = FileChannel.open(file, StandardOpenOption.READ, com.sun.nio.file.ExtendedOpenOption.DIRECT);
            } catch (IOException | UnsupportedOperationException e) {
                // EINVAL: this file system has no direct I/O (fuse, some network file systems)
            }
            if (ch != null) {
                try (FileChannel c = ch) {
                    if (new Pump(c, file, start, length, align(file)).run(consumer)) {
                        return Mode.DIRECT;
                    }
                }
            }
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            new Pump(ch, file, start, length, 1).run(consumer);
            return Mode.PAGE_CACHE;
        }
    }

    private static int align(Path file) {
        long block;
        try {
            block = Files.getFileStore(file).getBlockSize();
        } catch (IOException | UnsupportedOperationException e) {
            block = MIN_ALIGN;
        }
        long a = Math.max(MIN_ALIGN, Long.highestOneBit(Math.max(1, block)));
        return (int) Math.min(a, MAX_ALIGN);
    }

    /** One read of one range: a reader thread fills aligned buffers, the caller's thread consumes them. */
    private static final class Pump {
        private final FileChannel ch;
        private final Path file;
        private final long start;
        private final long end;
        private final int align;
        private final BlockingQueue<ByteBuffer> free = new ArrayBlockingQueue<>(BUFFERS);
        private final BlockingQueue<Object> filled = new ArrayBlockingQueue<>(BUFFERS + 1);
        private volatile boolean stop;
        private static final Object END = new Object();

        Pump(FileChannel ch, Path file, long start, long length, int align) {
            this.ch = ch;
            this.file = file;
            this.start = start;
            this.end = start + length;
            this.align = align;
        }

        /** Returns false when direct reads are refused before any byte was consumed (the caller falls back). */
        private final java.util.List<ByteBuffer> raw = new java.util.ArrayList<>();

        boolean run(Chunks consumer) throws IOException {
            for (int i = 0; i < BUFFERS; i++) {
                ByteBuffer r = POOL.poll();
                raw.add(r != null ? r : ByteBuffer.allocateDirect(BUFFER + MAX_ALIGN));
                free.add(raw.get(i).duplicate().clear().alignedSlice(align));
            }
            long first = start - start % align;
            Thread reader = new Thread(() -> fill(first), "airlock-read-back");
            reader.setDaemon(true);
            reader.start();
            long pos = first;
            boolean consumed = false;
            try {
                while (true) {
                    Object o = take();
                    if (o == END) {
                        return true;
                    }
                    if (o instanceof IOException e) {
                        if (!consumed && align > 1 && pos == first && !(e instanceof EOFException)) {
                            return false;
                        }
                        throw e;
                    }
                    ByteBuffer b = (ByteBuffer) o;
                    long bufStart = pos;
                    pos += b.remaining();
                    // Skip what lies before start (alignment) and after end (the last aligned block).
                    int from = (int) Math.max(0, start - bufStart);
                    int to = (int) Math.min(b.remaining(), end - bufStart);
                    if (to > from) {
                        b.limit(to).position(from);
                        consumer.accept(b, bufStart + from);
                        consumed = true;
                    }
                    free.add(b);
                }
            } finally {
                stop = true;
                free.offer(ByteBuffer.allocate(0)); // wakes the reader if it waits for a buffer
                try {
                    reader.join(TimeUnit.SECONDS.toMillis(30));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                if (!reader.isAlive()) {
                    for (ByteBuffer r : raw) {
                        if (POOL.size() < POOLED) {
                            POOL.offer(r);
                        }
                    }
                }
            }
        }

        private Object take() throws IOException {
            try {
                return filled.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("read-back of " + file + " interrupted");
            }
        }

        private void fill(long first) {
            long pos = first;
            try {
                while (pos < end && !stop) {
                    ByteBuffer b = free.take();
                    if (stop || b.capacity() == 0) {
                        return;
                    }
                    long want = Math.min(BUFFER, end - pos);
                    want = (want + align - 1) / align * align; // direct reads: whole blocks; the last may come back short
                    b.clear().limit((int) want);
                    while (b.hasRemaining()) {
                        int n = ch.read(b, pos + b.position());
                        if (n < 0) {
                            break;
                        }
                        if (n == 0 || b.position() % align != 0) {
                            break; // a short direct read: the end of the file
                        }
                    }
                    b.flip();
                    if (b.remaining() < Math.min(want, end - pos)) {
                        filled.put(new EOFException(file + " ends at byte " + (pos + b.remaining()) + ", before byte " + end));
                        return;
                    }
                    pos += b.remaining();
                    filled.put(b);
                }
                filled.put(END);
            } catch (IOException e) {
                filled.offer(e);
            } catch (RuntimeException e) {
                // Whatever ends the reader must reach the consumer, which otherwise waits on take() forever.
                filled.offer(new IOException("read-back of " + file + " failed: " + e, e));
            } catch (InterruptedException e) {
                filled.offer(new java.io.InterruptedIOException("read-back of " + file + " interrupted"));
                Thread.currentThread().interrupt();
            }
        }
    }
}
