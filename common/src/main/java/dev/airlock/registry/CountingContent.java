package dev.airlock.registry;

import dev.airlock.io.BlobContent;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
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
        long[] sent = {offset};
        return BodyTap.tap(inner.publisher(offset, length), buffer -> {
            sent[0] += buffer.remaining();
            advance(sent[0]);
        });
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
