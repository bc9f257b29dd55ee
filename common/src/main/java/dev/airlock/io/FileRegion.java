package dev.airlock.io;

import dev.airlock.digest.BlobVerifier;
import dev.airlock.digest.Digest;
import dev.airlock.digest.VerifyingInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A blob stored at a known place in a file (a bundle entry). Uploads read it with positional
 * reads in large buffers, hashing each byte once; from offset 0 the last buffer is only sent
 * once the whole content matched its digest, so a bad blob never completes an upload.
 *
 * <p>The buffers are direct and reused: the file is read straight into them and the socket
 * written straight from them, with no copy through the Java heap (on a small machine the import
 * shares its cores with the registry, so every copy saved is registry time). A buffer goes back
 * to the pool only when the HTTP client has consumed all of it and the exchange is over
 * ({@link #release()}); a buffer it might still hold is left to the garbage collector.
 */
public final class FileRegion implements BlobContent {
    private static final int BUFFER = 1 << 20;
    /** Direct buffers in flight per upload, and in all: beyond these, heap buffers. */
    private static final int PER_UPLOAD = 4;
    private static final int MAX_POOLED = 32;
    private static final ConcurrentLinkedQueue<ByteBuffer> FREE = new ConcurrentLinkedQueue<>();
    private static final AtomicInteger ALLOCATED = new AtomicInteger();

    private final FileChannel channel;
    private final long start;
    private final long length;
    private final Digest digest;
    private final String what;
    private final List<Reader> readers = new ArrayList<>();

    public FileRegion(FileChannel channel, long start, long length, Digest digest, String what) {
        this.channel = channel;
        this.start = start;
        this.length = length;
        this.digest = digest;
        this.what = what;
    }

    @Override
    public InputStream open(long offset) {
        InputStream raw = new ChannelSliceInputStream(channel, start + offset, length - offset);
        return offset == 0 ? new VerifyingInputStream(raw, digest, length, what) : raw;
    }

    /** A body of {@code count} bytes from {@code offset} within the blob, through pooled direct buffers. */
    @Override
    public HttpRequest.BodyPublisher publisher(long offset, long count) {
        Flow.Publisher<ByteBuffer> p = subscriber -> {
            Reader r = new Reader(subscriber, offset, count);
            synchronized (readers) {
                readers.add(r);
            }
            subscriber.onSubscribe(r);
        };
        return HttpRequest.BodyPublishers.fromPublisher(p, count);
    }

    /** The exchanges that read this region are over: their spent buffers go back to the pool. */
    @Override
    public void release() {
        synchronized (readers) {
            for (Reader r : readers) {
                r.release();
            }
            readers.clear();
        }
    }

    private static ByteBuffer takePooled() {
        ByteBuffer b = FREE.poll();
        if (b != null) {
            return b.clear();
        }
        if (ALLOCATED.incrementAndGet() <= MAX_POOLED) {
            return ByteBuffer.allocateDirect(BUFFER);
        }
        ALLOCATED.decrementAndGet();
        return null;
    }

    /** Delivers buffers on demand; verification only when the body is the whole blob. */
    private final class Reader implements Flow.Subscription {
        private final Flow.Subscriber<? super ByteBuffer> subscriber;
        private final BlobVerifier verifier;
        private final List<ByteBuffer> owned = new ArrayList<>();
        private final AtomicLong demand = new AtomicLong();
        private final AtomicBoolean draining = new AtomicBoolean();
        private long position;
        private final long end;
        private volatile boolean done;

        Reader(Flow.Subscriber<? super ByteBuffer> subscriber, long offset, long count) {
            this.subscriber = subscriber;
            this.position = offset;
            this.end = offset + count;
            this.verifier = offset == 0 && count == length ? new BlobVerifier(digest, length, what) : null;
        }

        @Override
        public void request(long n) {
            if (n <= 0) {
                fail(new IllegalArgumentException("non-positive request"));
                return;
            }
            demand.getAndAccumulate(n, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b);
            drain();
        }

        private void drain() {
            // Trampoline: onNext may call request() again; only one thread reads at a time.
            while (!done && demand.get() > 0 && draining.compareAndSet(false, true)) {
                try {
                    while (!done && demand.get() > 0) {
                        if (position >= end) {
                            done = true;
                            subscriber.onComplete();
                            return;
                        }
                        ByteBuffer buf = fill((int) Math.min(BUFFER, end - position));
                        position += buf.remaining();
                        if (verifier != null) {
                            verifier.update(buf);
                            if (position == end) {
                                verifier.finish(); // the last buffer of a bad blob is never sent
                            }
                        }
                        demand.decrementAndGet();
                        subscriber.onNext(buf);
                    }
                } catch (IOException | RuntimeException e) {
                    fail(e);
                } finally {
                    draining.set(false);
                }
            }
        }

        /**
         * The next {@code size} bytes at {@code position}, in a buffer the HTTP client has fully
         * consumed, a new one from the pool, or a heap buffer. Under the lock {@link #release}
         * takes, so it never sees a buffer half-way through being filled as a spent one.
         */
        private synchronized ByteBuffer fill(int size) throws IOException {
            ByteBuffer buf = null;
            for (ByteBuffer b : owned) {
                if (!b.hasRemaining()) {
                    buf = b.clear().limit(size);
                    break;
                }
            }
            if (buf == null && owned.size() < PER_UPLOAD) {
                buf = takePooled();
                if (buf != null) {
                    owned.add(buf);
                    buf.limit(size);
                }
            }
            if (buf == null) {
                buf = ByteBuffer.allocate(size);
            }
            try {
                while (buf.hasRemaining()) {
                    if (channel.read(buf, start + position + buf.position()) < 0) {
                        throw new IOException("the file ends early (it changed while being read, or the medium failed)");
                    }
                }
            } catch (IOException e) {
                // The bundle's own storage failed: local, never a registry failure to retry.
                throw new LocalIoException("cannot read " + what + ": " + e.getMessage(), e);
            }
            return buf.flip();
        }

        synchronized void release() {
            for (ByteBuffer b : owned) {
                if (!b.hasRemaining()) {
                    FREE.offer(b);
                } else {
                    ALLOCATED.decrementAndGet(); // possibly still held by the client: left to the GC
                }
            }
            owned.clear();
        }

        private void fail(Throwable t) {
            if (!done) {
                done = true;
                subscriber.onError(t);
            }
        }

        @Override
        public void cancel() {
            done = true;
        }
    }
}
