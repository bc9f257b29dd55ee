package dev.airlock.registry;

import dev.airlock.digest.Digest;
import dev.airlock.error.AirlockException;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * One blob download across attempts: each attempt asks for the bytes from where the last one
 * stopped ({@code Range}), hashes them once and hands them to the sink, so a resumed download
 * continues the same hash. No byte is held beyond the HTTP client's own buffers.
 */
final class BlobDownload {
    private final Digest digest;
    private final long size;
    private final BlobSink sink;
    private final String what;
    private final MessageDigest hasher;
    private volatile long received;

    BlobDownload(Digest digest, long size, BlobSink sink, String what) {
        this.digest = digest;
        this.size = size;
        this.sink = sink;
        this.what = what;
        this.hasher = digest.newHasher();
    }

    Map<String, String> headers() {
        return received > 0 ? Map.of("Range", "bytes=" + received + "-") : Map.of();
    }

    HttpResponse.BodySubscriber<Long> subscriber(HttpResponse.ResponseInfo info) {
        long skip = 0;
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
        return new Subscriber(skip);
    }

    void finish() {
        if (received != size) {
            throw AirlockException.digestMismatch(what + ": got " + received + " of " + size + " bytes");
        }
        Digest actual = Digest.of(digest.algorithm(), hasher.digest());
        if (!actual.equals(digest)) {
            throw AirlockException.digestMismatch(what + ": the registry sent content that hashes to " + actual + ", not " + digest);
        }
    }

    private static HttpResponse.BodySubscriber<Long> failing(IOException e) {
        return HttpResponse.BodySubscribers.mapping(HttpResponse.BodySubscribers.replacing(0L), x -> {
            throw new java.io.UncheckedIOException(e);
        });
    }

    private final class Subscriber implements HttpResponse.BodySubscriber<Long> {
        private final CompletableFuture<Long> result = new CompletableFuture<>();
        private long skip;
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
                for (ByteBuffer b : items) {
                    if (skip > 0) {
                        int n = (int) Math.min(skip, b.remaining());
                        b.position(b.position() + n);
                        skip -= n;
                    }
                    int n = b.remaining();
                    if (n == 0) {
                        continue;
                    }
                    if (received + n > size) {
                        throw new IOException(what + ": more than the declared " + size + " bytes");
                    }
                    hasher.update(b.duplicate());
                    sink.write(b, received);
                    received += n;
                }
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
            result.complete(received);
        }
    }
}
