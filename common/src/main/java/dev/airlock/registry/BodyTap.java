package dev.airlock.registry;

import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.util.concurrent.Flow;
import java.util.function.Consumer;

/** A request body that lets an observer see each buffer as the HTTP client takes it, and passes everything on unchanged. */
final class BodyTap {
    private BodyTap() {
    }

    /** {@code body} with {@code onBuffer} called before each buffer goes to the client; an empty body is returned as it is. */
    static HttpRequest.BodyPublisher tap(HttpRequest.BodyPublisher body, Consumer<ByteBuffer> onBuffer) {
        long length = body.contentLength();
        if (length == 0) {
            return body;
        }
        Flow.Publisher<ByteBuffer> tapped = subscriber -> body.subscribe(new Flow.Subscriber<ByteBuffer>() {
            @Override
            public void onSubscribe(Flow.Subscription s) {
                subscriber.onSubscribe(s);
            }

            @Override
            public void onNext(ByteBuffer item) {
                onBuffer.accept(item);
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
        return length > 0 ? HttpRequest.BodyPublishers.fromPublisher(tapped, length) : HttpRequest.BodyPublishers.fromPublisher(tapped);
    }
}
