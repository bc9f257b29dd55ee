package dev.airlock.io;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.util.function.Supplier;
import org.apache.commons.io.input.BoundedInputStream;

/**
 * Content of one blob that can be opened again from any offset, so an upload can be retried or
 * sent in chunks without holding the blob in memory. Each call returns a new stream that the
 * caller closes.
 */
@FunctionalInterface
public interface BlobContent {
    InputStream open(long offset) throws IOException;

    /** An upload body of exactly {@code length} bytes from {@code offset}; read through {@link #open} unless overridden. */
    default HttpRequest.BodyPublisher publisher(long offset, long length) {
        Supplier<InputStream> opener = () -> {
            try {
                // A chunk is a slice of a longer stream: stop after its length.
                return BoundedInputStream.builder().setInputStream(open(offset)).setMaxCount(length).get();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        return HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(opener), length);
    }

    /** Called once the exchanges that read a body from {@link #publisher} are over. */
    default void release() {
    }
}
