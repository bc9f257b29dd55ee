package dev.airlock.bundle;

import dev.airlock.copy.BlobReader;
import dev.airlock.copy.ImageSink;
import dev.airlock.copy.Repo;
import dev.airlock.digest.Digest;
import dev.airlock.digest.DigestMismatchException;
import dev.airlock.error.AirlockException;
import dev.airlock.io.AtomicFiles;
import dev.airlock.io.LocalIoException;
import dev.airlock.io.Trace;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.RawManifest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Writes a bundle file in v1 entry order: bundle.json, its signatures, oci-layout, index.json,
 * then each blob in the order bundle.json lists them. As an {@link ImageSink} it is where the copy
 * engine puts an export's blobs and manifests (tags are named in bundle.json, so {@link #tag} has
 * nothing to write).
 *
 * <p>Sizes are known before a byte is fetched, so the whole tar is laid out first: every entry's
 * header (made by Commons Compress, PAX where needed) and data offset. Blobs then arrive in
 * parallel, each written at its own place with positional writes, while a background flush
 * overlaps writeback with the download. The file is written under a temporary name and only
 * {@link #commit} fsyncs and renames it, so the final name only ever holds a complete bundle;
 * {@link #close} without a commit deletes the temporary file.
 */
public final class BundleWriter implements ImageSink, AutoCloseable {
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
    private static final int SMALL_ENTRIES = 4;

    private final Path target;
    private final Path tmp;
    private final FileChannel channel;
    private final Map<Digest, Slot> slots = new HashMap<>();
    private final Set<Digest> written = ConcurrentHashMap.newKeySet();
    private final AtomicLong unflushed = new AtomicLong();
    private final CountDownLatch stop = new CountDownLatch(1);
    private final Thread flusher;
    private boolean committed;

    private BundleWriter(Path target, Path tmp, FileChannel channel, List<Slot> layout, BundleManifest manifest) {
        this.target = target;
        this.tmp = tmp;
        this.channel = channel;
        for (int i = 0; i < manifest.blobs().size(); i++) {
            slots.put(Digest.parse(manifest.blobs().get(i).digest()), layout.get(SMALL_ENTRIES + i));
        }
        this.flusher = new Thread(() -> {
            // Start writeback early so the final fsync does not pay for the whole file. Never
            // interrupted (an interrupt inside force() would close the channel for everyone):
            // woken by the latch instead, so the writer never waits out a pause at the end.
            try {
                while (!stop.await(50, TimeUnit.MILLISECONDS)) {
                    if (unflushed.get() >= FLUSH_EVERY) {
                        unflushed.set(0);
                        channel.force(false);
                    }
                }
            } catch (InterruptedException | IOException e) {
                // the final force reports any I/O problem
            }
        }, "airlock-flush");
        flusher.setDaemon(true);
        flusher.start();
    }

    /**
     * Creates {@code target}'s temporary file with every header and the four small entries in
     * place; blobs follow through {@link #putBlob} and {@link #putManifest}. Fails with kind LOCAL.
     */
    public static BundleWriter create(Path target, byte[] manifestJson, byte[] signature, byte[] ociLayout, byte[] indexJson,
            BundleManifest manifest) {
        List<Slot> layout = layout(manifestJson.length, signature.length, ociLayout.length, indexJson.length, manifest,
                Date.from(Instant.parse(manifest.created())));
        long total = fileSize(layout);
        Path tmp = AtomicFiles.partialName(target);
        FileChannel ch = null;
        try {
            Files.deleteIfExists(tmp);
            ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            byte[][] small = {manifestJson, signature, ociLayout, indexJson};
            for (int i = 0; i < layout.size(); i++) {
                Slot s = layout.get(i);
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
            return new BundleWriter(target, tmp, ch, layout, manifest);
        } catch (IOException e) {
            closeQuietly(ch);
            deleteQuietly(tmp);
            throw AirlockException.local("cannot write bundle " + tmp + ": " + e.getMessage(), e);
        }
    }

    @Override
    public boolean hasBlob(Repo repo, Descriptor blob) {
        return written.contains(blob.digest());
    }

    @Override
    public void putBlob(Repo repo, Descriptor blob, BlobReader content, LongConsumer progress) {
        Slot slot = slotOf(blob.digest(), blob.size());
        try {
            content.writeTo((buf, offset) -> {
                int n = buf.remaining();
                if (offset + n > slot.size()) {
                    throw new DigestMismatchException("blob " + blob.digest() + " is longer than its declared " + slot.size() + " bytes");
                }
                try {
                    writeFully(channel, buf, slot.dataOffset() + offset);
                } catch (IOException e) {
                    throw new LocalIoException("cannot write bundle " + tmp + ": " + e.getMessage(), e);
                }
                unflushed.addAndGet(n);
                progress.accept(n);
            });
        } catch (IOException e) {
            DigestMismatchException mismatch = DigestMismatchException.in(e);
            if (mismatch != null) {
                throw mismatch.toAirlock();
            }
            throw AirlockException.local(e.getMessage(), e);
        }
        written.add(blob.digest());
        Trace.mark("writer: blob " + blob.digest().shortHex() + " done");
    }

    @Override
    public boolean hasManifest(Repo repo, RawManifest manifest) {
        return written.contains(manifest.digest());
    }

    @Override
    public void putManifest(Repo repo, RawManifest manifest) {
        Slot slot = slotOf(manifest.digest(), manifest.size());
        try {
            writeFully(channel, ByteBuffer.wrap(manifest.bytesUnsafe()), slot.dataOffset());
        } catch (IOException e) {
            throw AirlockException.local("cannot write bundle " + tmp + ": " + e.getMessage(), e);
        }
        written.add(manifest.digest());
    }

    /** Tags are named in bundle.json; nothing to write. */
    @Override
    public boolean tag(Repo repo, String tag, RawManifest manifest) {
        return false;
    }

    private Slot slotOf(Digest d, long size) {
        Slot slot = slots.get(d);
        if (slot == null || slot.size() != size) {
            throw new IllegalStateException("bundle.json does not list " + d + " with " + size + " bytes");
        }
        return slot;
    }

    /**
     * Every listed blob must have been written: fsyncs the file, runs {@code beforeCommit} (the
     * ledger notes the bundle as pending) and renames it into place, then fsyncs the directory.
     */
    public void commit(BeforeCommit beforeCommit) {
        if (written.size() != slots.size()) {
            throw new IllegalStateException("bundle " + target + ": " + (slots.size() - written.size()) + " blobs were never written");
        }
        stopFlusher();
        try {
            channel.force(true);
            Trace.mark("writer: forced");
            channel.close();
        } catch (IOException e) {
            throw AirlockException.local("cannot write bundle " + tmp + ": " + e.getMessage(), e);
        }
        try {
            beforeCommit.run(tmp);
        } catch (IOException e) {
            throw AirlockException.local(e.getMessage(), e);
        }
        try {
            AtomicFiles.commit(tmp, target);
        } catch (IOException e) {
            throw AirlockException.local("cannot rename " + tmp + " to " + target + ": " + e.getMessage(), e);
        }
        committed = true;
    }

    /** Without a commit, deletes the temporary file: nothing half-written is left behind. */
    @Override
    public void close() {
        stopFlusher();
        closeQuietly(channel);
        if (!committed) {
            deleteQuietly(tmp);
        }
    }

    private void stopFlusher() {
        stop.countDown();
        try {
            flusher.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // closing after a failure: the first error is the one reported
            }
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // nothing more we can do; the name is a dot-prefixed partial one
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
