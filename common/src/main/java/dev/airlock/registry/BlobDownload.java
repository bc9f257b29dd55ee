package dev.airlock.registry;

import dev.airlock.io.BlobSink;
import dev.airlock.digest.BlobVerifier;
import dev.airlock.digest.Digest;
import dev.airlock.digest.DigestMismatchException;
import dev.airlock.io.LocalIoException;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * One blob download across attempts: each attempt asks for the bytes from where the last one
 * stopped ({@code Range}), hashes them once and hands them to the sink, so a resumed download
 * continues the same hash. No byte is held beyond the HTTP client's own buffers.
 *
 * <p>An attempt that was abandoned (timed out, cancelled) may still deliver late bytes from the
 * client's threads; a new attempt retires the old subscriber first, so those bytes are dropped
 * and never reach the hash or the sink twice.
 */
final class BlobDownload {
    private final BlobSink sink;
    private final String what;
    private final BlobVerifier verifier;
    private Subscriber current;

    BlobDownload(Digest digest, long size, BlobSink sink, String what) {
        this.sink = sink;
        this.what = what;
        this.verifier = new BlobVerifier(digest, size, what);
    }

    /** Headers of the next attempt; retires the previous attempt's subscriber. */
    synchronized Map<String, String> headers() {
        if (current != null) {
            current.retired = true;
            current = null;
        }
        long received = verifier.count();
        return received > 0 ? Map.of("Range", "bytes=" + received + "-") : Map.of();
    }

    synchronized HttpResponse.BodySubscriber<Long> subscriber(HttpResponse.ResponseInfo info) {
        long skip = 0;
        long received = verifier.count();
        if (received > 0) {
            if (info.statusCode() == 200) {
                skip = received; // the server ignored Range: drop what we already have
            } else {
                String range = info.headers().firstValue("Content-Range").orElse("");
                if (!range.startsWith("bytes " + received + "-")) {
                    return failing(new IOException(what + ": asked for bytes from " + received + ", got '" + range + "'"));
                }
            }
        }
        current = new Subscriber(skip);
        return current;
    }

    /** After the last attempt succeeded: size and digest must match. */
    synchronized void finish() throws DigestMismatchException {
        verifier.finish();
    }

    private static HttpResponse.BodySubscriber<Long> failing(IOException e) {
        return HttpResponse.BodySubscribers.mapping(HttpResponse.BodySubscribers.replacing(0L), x -> {
            throw new java.io.UncheckedIOException(e);
        });
    }

    private synchronized void accept(Subscriber from, List<ByteBuffer> items) throws IOException {
        if (from.retired) {
            throw new IOException(what + ": attempt abandoned");
        }
        for (ByteBuffer b : items) {
            if (from.skip > 0) {
                int n = (int) Math.min(from.skip, b.remaining());
                b.position(b.position() + n);
                from.skip -= n;
            }
            if (!b.hasRemaining()) {
                continue;
            }
            long offset = verifier.count();
            verifier.update(b);
            try {
                sink.write(b, offset);
            } catch (LocalIoException e) {
                throw e;
            } catch (IOException e) {
                throw new LocalIoException(what + ": cannot store the bytes: " + e.getMessage(), e);
            }
        }
    }

    private final class Subscriber implements HttpResponse.BodySubscriber<Long> {
        private final CompletableFuture<Long> result = new CompletableFuture<>();
        private long skip;
        private volatile boolean retired;
        private Flow.Subscription subscription;

        Subscriber(long skip) {
            this.skip = skip;
        }

        @Override
        public CompletionStage<Long> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            s.request(1);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            try {
                accept(this, items);
                subscription.request(1);
            } catch (IOException | RuntimeException e) {
                subscription.cancel();
                result.completeExceptionally(e);
            }
        }

        @Override
        public void onError(Throwable t) {
            result.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            result.complete(verifier.count());
        }
    }
}
