package dev.airlock.io;

import java.io.IOException;
import java.nio.ByteBuffer;

/** Where downloaded blob bytes go, in order; {@code offset} is the position within the blob. */
@FunctionalInterface
public interface BlobSink {
    /** Consumes all remaining bytes of {@code data}. Called from HTTP client threads, one call at a time per blob. */
    void write(ByteBuffer data, long offset) throws IOException;
}
