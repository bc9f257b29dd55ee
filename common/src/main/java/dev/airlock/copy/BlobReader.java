package dev.airlock.copy;

import dev.airlock.io.BlobContent;
import dev.airlock.io.BlobSink;
import java.io.IOException;

/**
 * One blob's bytes at a source, read on demand in whichever of two shapes the sink wants. Both
 * check every byte against the blob's digest and size with the one verifier
 * ({@link dev.airlock.digest.BlobVerifier}): bad content never completes.
 */
@FunctionalInterface
public interface BlobReader {
    /**
     * Pushes every byte, in order, into {@code sink} (offsets within the blob). Returns only when
     * all bytes arrived and matched; a mismatch fails with kind {@code DIGEST_MISMATCH}.
     */
    void writeTo(BlobSink sink) throws IOException;

    /**
     * The content as an upload body that can be opened again at any offset. From offset 0 it is
     * verified as it is read, and the read that would complete a bad blob fails.
     *
     * @throws UnsupportedOperationException when this source can only push ({@link #writeTo})
     */
    default BlobContent content() {
        throw new UnsupportedOperationException("this source pushes blobs (writeTo); it has no upload body");
    }
}
