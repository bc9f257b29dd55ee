package dev.airlock.registry;

import dev.airlock.io.BlobContent;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.util.concurrent.Flow;
import java.util.function.LongConsumer;

/**
 * An upload body that reports bytes as the HTTP client takes them. A retried upload sends bytes
 * again; only bytes beyond the furthest point any attempt reached are reported, so the total never
 * passes the blob's size.
 */
final class CountingContent implements BlobContent {
    private final BlobContent inner;
    private final LongConsumer progress;
    private long reported;

    CountingContent(BlobContent inner, LongConsumer progress) {
        this.inner = inner;
        this.progress = progress;
    }

    @Override
    public InputStream open(long offset) throws IOException {
        return inner.open(offset);
    }

    @Override
    public HttpRequest.BodyPublisher publisher(long offset, long length) {
        HttpRequest.BodyPublisher body = inner.publisher(offset, length);
        Flow.Publisher<ByteBuffer> counted = subscriber -> body.subscribe(new Flow.Subscriber<ByteBuffer>() {
            private long sent = offset;

            @Override
            public void onSubscribe(Flow.Subscription s) {
                subscriber.onSubscribe(s);
            }

            @Override
            public void onNext(ByteBuffer item) {
                sent += item.remaining();
                advance(sent);
                subscriber.onNext(item);
            }

            @Override
            public void onError(Throwable t) {
                subscriber.onError(t);
            }

            @Override
            public void onComplete() {
                subscriber.onComplete();
            }
        });
        return length > 0 ? HttpRequest.BodyPublishers.fromPublisher(counted, length) : body;
    }

    private synchronized void advance(long reached) {
        if (reached > reported) {
            progress.accept(reached - reported);
            reported = reached;
        }
    }

    @Override
    public void release() {
        inner.release();
    }
}
