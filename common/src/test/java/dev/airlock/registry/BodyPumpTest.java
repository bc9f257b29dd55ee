package dev.airlock.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import org.junit.jupiter.api.Test;

/**
 * The pump hands on what has arrived in buffers of up to 1 MiB: a fast body in few large buffers (one
 * socket read each, 64 KiB, made a 1 GiB download 16,000 writes of its file), and a slow body's
 * bytes as they come, never held back to fill a buffer (the idle watchdog sees each arrival).
 */
class BodyPumpTest {
    /** A body arriving in 16 KiB pieces; {@code ready} of them are there at once, then the stream waits for the next group. */
    private static final class Arriving extends InputStream {
        final int total;
        final int ready;
        int sent;
        int availableInGroup;
        int waits;

        Arriving(int total, int ready) {
            this.total = total;
            this.ready = ready;
        }

        @Override
        public int read() {
            throw new UnsupportedOperationException();
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (sent >= total) {
                return -1;
            }
            if (availableInGroup == 0) {
                waits++; // a blocking read: the next group arrives
                availableInGroup = ready;
            }
            int n = Math.min(Math.min(len, 16 << 10), total - sent);
            sent += n;
            availableInGroup--;
            return n;
        }

        @Override
        public int available() {
            return sent < total && availableInGroup > 0 ? 16 << 10 : 0;
        }
    }

    private static List<Integer> pump(InputStream in, long length) throws Exception {
        List<Integer> sizes = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> done = new CompletableFuture<>();
        HttpResponse.BodySubscriber<Void> s = new HttpResponse.BodySubscriber<>() {
            Flow.Subscription sub;

            @Override
            public CompletionStage<Void> getBody() {
                return done;
            }

            @Override
            public void onSubscribe(Flow.Subscription subscription) {
                sub = subscription;
                sub.request(1);
            }

            @Override
            public void onNext(List<ByteBuffer> items) {
                items.forEach(b -> sizes.add(b.remaining()));
                sub.request(1);
            }

            @Override
            public void onError(Throwable t) {
                done.completeExceptionally(t);
            }

            @Override
            public void onComplete() {
                done.complete(null);
            }
        };
        new BodyPump(s, done, () -> false).run(in, length);
        assertTrue(done.isDone());
        return sizes;
    }

    @Test
    void aFastBody_goesOnInBuffersOfUpTo1MiB() throws Exception {
        int total = 8 << 20;
        List<Integer> sizes = pump(new Arriving(total, 1000), total);
        assertEquals(total, sizes.stream().mapToInt(Integer::intValue).sum());
        assertEquals(8, sizes.size(), sizes.toString());
        assertTrue(sizes.stream().allMatch(n -> n == 1 << 20), sizes.toString());
    }

    @Test
    void aSlowBody_goesOnAsItArrives_neverWaitingToFillABuffer() throws Exception {
        int total = 1 << 20;
        Arriving in = new Arriving(total, 2); // two pieces arrive at a time, then the stream must wait
        List<Integer> sizes = pump(in, total);
        assertEquals(total, sizes.stream().mapToInt(Integer::intValue).sum());
        assertTrue(sizes.stream().allMatch(n -> n <= 32 << 10), "a buffer held more than had arrived: " + sizes);
        assertEquals(in.waits, sizes.size(), "one buffer per arrival");
    }
}
