package dev.airlock.dockerarchive;

import dev.airlock.copy.BlobReader;
import dev.airlock.copy.ImageSource;
import dev.airlock.copy.Repo;
import dev.airlock.digest.DigestMismatchException;
import dev.airlock.error.AirlockException;
import dev.airlock.oci.Descriptor;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.util.concurrent.atomic.AtomicReference;

/** A blob of any {@link ImageSource} as a stream that is checked against its digest as it is read. */
final class BlobStreams {
    private BlobStreams() {
    }

    /**
     * Opens {@code d} from its start. A source with an upload body (a bundle, an archive) is read
     * through it (verified from offset 0); a source that only pushes (a registry) pushes into a
     * 1 MiB pipe from a thread of its own. Either way a blob that does not match fails a read.
     */
    static InputStream open(ImageSource source, Repo repo, Descriptor d) throws IOException {
        BlobReader reader = source.blob(repo, d);
        try {
            return reader.content().open(0);
        } catch (UnsupportedOperationException pushOnly) {
            return pipe(reader);
        }
    }

    private static InputStream pipe(BlobReader reader) throws IOException {
        PipedInputStream in = new PipedInputStream(1 << 20);
        PipedOutputStream out = new PipedOutputStream(in);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                reader.writeTo((buf, offset) -> {
                    byte[] b = new byte[buf.remaining()];
                    buf.get(b);
                    out.write(b);
                });
            } catch (Throwable e) {
                failure.set(e);
            } finally {
                try {
                    out.close();
                } catch (IOException ignored) {
                    // the reader is gone
                }
            }
        }, "airlock-archive-pipe");
        t.setDaemon(true);
        t.start();
        return new PipeEnd(in, t, failure);
    }

    /** The failure kind for an exception met while reading a blob named by {@code what}. */
    static AirlockException failure(IOException e, String what) {
        if (e instanceof DigestMismatchException) {
            return AirlockException.digestMismatch(e.getMessage());
        }
        if (e instanceof java.util.zip.ZipException) {
            return AirlockException.malformed(what + " is not valid gzip: " + e.getMessage());
        }
        return AirlockException.local("cannot read " + what + ": " + e.getMessage(), e);
    }

    /** The reading end of {@link #pipe}: at its end, the writer's failure (if any) is thrown. */
    private static final class PipeEnd extends FilterInputStream {
        private final Thread t;
        private final AtomicReference<Throwable> failure;

        PipeEnd(InputStream in, Thread t, AtomicReference<Throwable> failure) {
            super(in);
            this.t = t;
            this.failure = failure;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n < 0) {
                rethrow();
            }
            return n;
        }

        @Override
        public int read() throws IOException {
            int n = super.read();
            if (n < 0) {
                rethrow();
            }
            return n;
        }

        private void rethrow() throws IOException {
            try {
                t.join(60_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            Throwable f = failure.get();
            if (f instanceof IOException io) {
                throw io;
            } else if (f instanceof RuntimeException r) {
                throw r;
            } else if (f != null) {
                throw new IOException(f);
            }
        }

        @Override
        public void close() throws IOException {
            super.close();
            t.interrupt();
        }
    }
}
