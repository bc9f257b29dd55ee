package dev.airlock.digest;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Hashes every byte it passes on and fails the read that reaches the expected size if the content
 * does not match — before the last bytes are handed out, so a consumer that stops after exactly
 * {@code size} bytes (an HTTP body of fixed length) never sends a bad blob whole. Reading past the
 * size or reaching EOF early also fails. Closing closes the wrapped stream.
 */
public final class VerifyingInputStream extends FilterInputStream {
    private final BlobVerifier verifier;
    private final long size;
    private boolean verified;

    public VerifyingInputStream(InputStream in, Digest expected, long size, String what) {
        super(in);
        this.size = size;
        this.verifier = new BlobVerifier(expected, size, what);
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (!verified && verifier.complete()) {
            check(); // an empty blob
        }
        if (verified) {
            // Past the declared size: anything more is an error, EOF is fine.
            int n = super.read(b, off, Math.min(len, 1));
            if (n > 0) {
                verifier.update(b, off, n); // fails: over the declared size
            }
            return -1;
        }
        int want = (int) Math.min(len, size - verifier.count());
        int n = super.read(b, off, want);
        if (n < 0) {
            verifier.finish(); // fails: short
        }
        verifier.update(b, off, n);
        if (verifier.complete()) {
            check();
        }
        return n;
    }

    private void check() throws DigestMismatchException {
        verifier.finish();
        verified = true;
    }

    @Override
    public long skip(long n) throws IOException {
        // Skipping would bypass the hash.
        byte[] buf = new byte[8192];
        long skipped = 0;
        while (skipped < n) {
            int r = read(buf, 0, (int) Math.min(buf.length, n - skipped));
            if (r < 0) {
                break;
            }
            skipped += r;
        }
        return skipped;
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    /** Reads to the end, so the check runs even when the caller has no use for the bytes. */
    public void drain() throws IOException {
        byte[] buf = new byte[1 << 16];
        while (read(buf, 0, buf.length) >= 0) {
            // hashing
        }
    }

    public boolean verified() {
        return verified;
    }
}
