package dev.airlock.digest;

import java.nio.ByteBuffer;
import java.security.MessageDigest;

/**
 * The one digest check behind every blob that moves, in either direction: bytes are counted and
 * hashed once as they pass ({@link #update}), and {@link #finish} compares size and digest. A
 * blob that grows past its declared size fails at once, in the update that overflows.
 *
 * <p>Not thread-safe: one verifier follows one blob's bytes in order.
 */
public final class BlobVerifier {
    private final Digest expected;
    private final long size;
    private final String what;
    private final MessageDigest hasher;
    private long count;

    /**
     * @param what names the blob and where its bytes come from (e.g. "bundle.tar: blobs/sha256/ab…"),
     *     for the message of a mismatch
     */
    public BlobVerifier(Digest expected, long size, String what) {
        this.expected = expected;
        this.size = size;
        this.what = what;
        this.hasher = expected.newHasher();
    }

    /** Hashes the remaining bytes of {@code data} without moving its position. */
    public void update(ByteBuffer data) throws DigestMismatchException {
        grow(data.remaining());
        hasher.update(data.duplicate());
    }

    public void update(byte[] b, int off, int len) throws DigestMismatchException {
        grow(len);
        hasher.update(b, off, len);
    }

    private void grow(int n) throws DigestMismatchException {
        if (count + n > size) {
            throw new DigestMismatchException(what + ": more than the declared " + size + " bytes");
        }
        count += n;
    }

    /** Bytes seen so far. */
    public long count() {
        return count;
    }

    /** True once every declared byte has passed. */
    public boolean complete() {
        return count == size;
    }

    /** Checks size and digest; call once, after the last byte. */
    public void finish() throws DigestMismatchException {
        if (count != size) {
            throw new DigestMismatchException(what + ": ended after " + count + " of " + size + " bytes");
        }
        Digest actual = Digest.of(expected.algorithm(), hasher.digest());
        if (!actual.equals(expected)) {
            throw new DigestMismatchException(what + ": content hashes to " + actual + ", expected " + expected);
        }
    }
}
