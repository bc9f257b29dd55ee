package dev.airlock.registry;

import java.io.IOException;
import java.io.InputStream;

/**
 * Content of one blob that can be opened again from any offset, so an upload can be retried or
 * sent in chunks without holding the blob in memory. Each call returns a new stream that the
 * caller closes.
 */
@FunctionalInterface
public interface BlobContent {
    InputStream open(long offset) throws IOException;
}
