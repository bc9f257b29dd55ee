package dev.airlock.bundle;

import dev.airlock.digest.Digest;
import dev.airlock.io.AtomicFiles;
import dev.airlock.io.Trace;
import dev.airlock.io.TransferListener;
import dev.airlock.registry.BlobSink;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Writes a bundle file in v1 entry order: bundle.json, its signatures, oci-layout, index.json,
 * then each blob in the order bundle.json lists them.
 *
 * <p>Sizes are known before a byte is fetched, so the whole tar is laid out first: every entry's
 * header (made by Commons Compress, PAX where needed) and data offset. Blobs are then fetched in
 * parallel, each written at its own place with positional writes, while a background flush
 * overlaps writeback with the download. The file is written under a temporary name, fsynced and
 * renamed, so the final name only ever holds a complete bundle.
 */
public final class BundleWriter {
    /** Writes one blob's bytes, in order, into the sink; must verify them (digest and size). */
    @FunctionalInterface
    public interface BlobFetcher {
        void fetch(BundleManifest.Blob blob, BlobSink sink) throws IOException;
    }

    /** Called with the temporary file once it is complete and fsynced, just before the rename. */
    @FunctionalInterface
    public interface BeforeCommit {
        void run(Path partial) throws IOException;
    }

    /** One entry's place in the file. */
    record Slot(String name, long headerOffset, byte[] header, long dataOffset, long size) {
        long end() {
            return dataOffset + pad(size);
        }
    }

    /** How much is written between background fdatasyncs; 64 MiB measured best here (scripts/bench). */
    private static final long FLUSH_EVERY = Long.getLong("airlock.flushEvery", 64L << 20);

    private BundleWriter() {
    }

    public static void write(Path target, byte[] manifestJson, byte[] signature, byte[] ociLayout, byte[] indexJson,
            BundleManifest manifest, BlobFetcher blobs, int parallelism, TransferListener listener, BeforeCommit beforeCommit)
            throws IOException {
        List<Slot> slots = layout(manifestJson.length, signature.length, ociLayout.length, indexJson.length, manifest,
                Date.from(Instant.parse(manifest.created())));
        long total = fileSize(slots);

        Path tmp = AtomicFiles.partialName(target);
        Files.deleteIfExists(tmp);
        boolean done = false;
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            byte[][] small = {manifestJson, signature, ociLayout, indexJson};
            for (int i = 0; i < slots.size(); i++) {
                Slot s = slots.get(i);
                writeFully(ch, ByteBuffer.wrap(s.header()), s.headerOffset());
                if (i < small.length) {
                    writeFully(ch, ByteBuffer.wrap(small[i]), s.dataOffset());
                }
                long padding = s.end() - (s.dataOffset() + s.size());
                if (padding > 0) {
                    writeFully(ch, ByteBuffer.allocate((int) padding), s.dataOffset() + s.size());
                }
            }
            writeFully(ch, ByteBuffer.allocate(1024), total - 1024);
            fetchAll(ch, slots.subList(small.length, slots.size()), manifest.blobs(), blobs, parallelism, listener);
            Trace.mark("writer: blobs written");
            ch.force(true);
            Trace.mark("writer: forced");
            done = true;
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
            }
        }
        beforeCommit.run(tmp);
        AtomicFiles.commit(tmp, target);
    }

    private static void fetchAll(FileChannel ch, List<Slot> slots, List<BundleManifest.Blob> blobs, BlobFetcher fetcher,
            int parallelism, TransferListener listener) throws IOException {
        AtomicLong unflushed = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, parallelism), r -> {
            Thread t = new Thread(r, "airlock-fetch");
            t.setDaemon(true);
            return t;
        });
        CountDownLatch stop = new CountDownLatch(1);
        Thread flusher = new Thread(() -> {
            // Start writeback early so the final fsync does not pay for the whole file. Never
            // interrupted (an interrupt inside force() would close the channel for everyone):
            // woken by the latch instead, so the writer never waits out a pause at the end.
            try {
                while (!stop.await(50, TimeUnit.MILLISECONDS)) {
                    if (unflushed.get() >= FLUSH_EVERY) {
                        unflushed.set(0);
                        ch.force(false);
                    }
                }
            } catch (InterruptedException | IOException e) {
                // the final force reports any I/O problem
            }
        }, "airlock-flush");
        flusher.setDaemon(true);
        flusher.start();
        try {
            List<Future<?>> futures = new ArrayList<>();
            // Largest first: the transfers still running at the end are small ones, so every
            // stream (and core) stays busy until close to the finish.
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < slots.size(); i++) {
                order.add(i);
            }
            order.sort(Comparator.comparingLong((Integer i) -> slots.get(i).size()).reversed());
            for (int i : order) {
                Slot slot = slots.get(i);
                BundleManifest.Blob blob = blobs.get(i);
                futures.add(pool.submit(() -> {
                    Digest d = Digest.parse(blob.digest());
                    listener.started(d, blob.size());
                    fetcher.fetch(blob, (buf, offset) -> {
                        int n = buf.remaining();
                        if (offset + n > slot.size()) {
                            throw new IOException("blob " + d + " is longer than its declared " + slot.size() + " bytes");
                        }
                        writeFully(ch, buf, slot.dataOffset() + offset);
                        unflushed.addAndGet(n);
                        listener.progressed(d, n);
                    });
                    listener.finished(d);
                    Trace.mark("writer: blob " + d.shortHex() + " done");
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    pool.shutdownNow();
                    Throwable c = e.getCause();
                    if (c instanceof IOException io) {
                        throw io;
                    }
                    if (c instanceof RuntimeException r) {
                        throw r;
                    }
                    throw new IOException(c);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted");
                }
            }
        } finally {
            pool.shutdownNow();
            stop.countDown();
            try {
                flusher.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long p = position;
        while (buf.hasRemaining()) {
            p += ch.write(buf, p);
        }
    }

    static long pad(long size) {
        return (size + 511) / 512 * 512;
    }

    /** Every entry's header and offsets, in v1 entry order. */
    private static List<Slot> layout(long manifestJson, long signature, long ociLayout, long indexJson, BundleManifest manifest,
            Date mtime) {
        List<String> names = new ArrayList<>(List.of(BundleNames.MANIFEST, BundleNames.SIGNATURE, BundleNames.OCI_LAYOUT, BundleNames.INDEX));
        List<Long> sizes = new ArrayList<>(List.of(manifestJson, signature, ociLayout, indexJson));
        for (BundleManifest.Blob b : manifest.blobs()) {
            names.add(BundleNames.blobPath(Digest.parse(b.digest())));
            sizes.add(b.size());
        }
        return layout(names, sizes, mtime);
    }

    /** The entries followed by the two zero records that end a tar. */
    private static long fileSize(List<Slot> slots) {
        return slots.get(slots.size() - 1).end() + 1024;
    }

    /** Every entry's header and offsets, in order. */
    private static List<Slot> layout(List<String> names, List<Long> sizes, Date mtime) {
        List<Slot> slots = new ArrayList<>();
        long pos = 0;
        for (int i = 0; i < names.size(); i++) {
            byte[] header = header(names.get(i), sizes.get(i), mtime);
            Slot s = new Slot(names.get(i), pos, header, pos + header.length, sizes.get(i));
            slots.add(s);
            pos = s.end();
        }
        return slots;
    }

    /** The header records Commons Compress writes for this entry (a PAX header first where needed). */
    private static byte[] header(String name, long size, Date mtime) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        try {
            @SuppressWarnings("resource") // never closed: the entry's data is written elsewhere
            TarArchiveOutputStream tar = new TarArchiveOutputStream(out, 512);
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            tar.setAddPaxHeadersForNonAsciiNames(true);
            TarArchiveEntry e = new TarArchiveEntry(name);
            e.setSize(size);
            e.setMode(0644);
            e.setModTime(mtime);
            e.setUserId(0);
            e.setGroupId(0);
            e.setUserName("");
            e.setGroupName("");
            tar.putArchiveEntry(e);
            tar.flush();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        byte[] h = out.toByteArray();
        if (h.length == 0 || h.length % 512 != 0) {
            throw new IllegalStateException("tar header for " + name + " is " + h.length + " bytes");
        }
        return h;
    }

    /** The exact size of the file {@link #write} produces for these entries. */
    public static long expectedSize(long manifestJson, long signature, long ociLayout, long indexJson, BundleManifest manifest) {
        return fileSize(layout(manifestJson, signature, ociLayout, indexJson, manifest, new Date(0)));
    }
}
