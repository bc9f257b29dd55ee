package dev.airlock.registry;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Writes a request body publisher to a stream, on the calling thread: it asks for one buffer at a
 * time and writes it whole before asking for the next, so the publisher (and whoever watches it,
 * such as the idle watchdog's tap) sees progress only as the socket takes bytes. Signals may come
 * from any thread, synchronously inside {@code request} or later; they are queued and handled here.
 * Each buffer is consumed (its position moved to its limit) once written. A publisher's error
 * fails the write: as it is when an {@link IOException}, else wrapped in one.
 */
final class PublisherWriter implements Flow.Subscriber<ByteBuffer> {
    /** The chunk size of an unknown-length body (chunked transfer encoding). */
    static final int CHUNK = 1 << 16;
    /**
     * The most bytes copied from a direct buffer at once, each copy one write to the socket: a
     * bundle's blobs come in 1 MiB direct buffers, and 64 KiB copies made a 1 GiB import 16,900
     * socket writes.
     */
    static final int COPY = 1 << 20;
    private static final Object COMPLETE = new Object();
    /** How often a wait for the publisher checks whether the exchange was abandoned. */
    private static final long POLL_MILLIS = 250;
    private final BlockingQueue<Object> signals = new LinkedBlockingQueue<>();

    private PublisherWriter() {
    }

    /** Writes every buffer of {@code body} to {@code out}; does not close {@code out}. */
    static void write(Flow.Publisher<ByteBuffer> body, OutputStream out, BooleanSupplier abandoned) throws IOException {
        PublisherWriter w = new PublisherWriter();
        body.subscribe(w);
        Flow.Subscription subscription = (Flow.Subscription) w.next(abandoned);
        byte[] scratch = null;
        try {
            while (true) {
                subscription.request(1);
                Object signal = w.next(abandoned);
                if (signal == COMPLETE) {
                    return;
                }
                scratch = copy((ByteBuffer) signal, out, scratch);
            }
        } catch (IOException | RuntimeException e) {
            subscription.cancel();
            throw e;
        }
    }

    private static byte[] copy(ByteBuffer b, OutputStream out, byte[] scratch) throws IOException {
        if (b.hasArray()) {
            out.write(b.array(), b.arrayOffset() + b.position(), b.remaining());
            b.position(b.limit());
            return scratch;
        }
        int want = Math.min(COPY, b.remaining());
        byte[] s = scratch != null && scratch.length >= want ? scratch : new byte[want];
        while (b.hasRemaining()) {
            int n = Math.min(s.length, b.remaining());
            b.get(s, 0, n);
            out.write(s, 0, n);
        }
        return s;
    }

    /** The next signal: the subscription, a buffer, or completion; an error is thrown. */
    private Object next(BooleanSupplier abandoned) throws IOException {
        while (true) {
            Object signal;
            try {
                signal = signals.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for the request body");
            }
            if (signal instanceof IOException e) {
                throw e;
            }
            if (signal instanceof Throwable t) {
                throw new IOException("the request body failed: " + t, t);
            }
            if (signal != null) {
                return signal;
            }
            if (abandoned.getAsBoolean()) {
                throw UrlConnectionClient.abandoned();
            }
        }
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
        signals.add(subscription);
    }

    @Override
    public void onNext(ByteBuffer item) {
        signals.add(item);
    }

    @Override
    public void onError(Throwable throwable) {
        signals.add(throwable);
    }

    @Override
    public void onComplete() {
        signals.add(COMPLETE);
    }
}
