package dev.airlock.bundle;

import dev.airlock.copy.BlobReader;
import dev.airlock.copy.ImageSink;
import dev.airlock.copy.Repo;
import dev.airlock.digest.Digest;
import dev.airlock.digest.DigestMismatchException;
import dev.airlock.error.AirlockException;
import dev.airlock.io.AtomicFiles;
import dev.airlock.io.LocalIoException;
import dev.airlock.io.ReadBack;
import dev.airlock.io.Trace;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.RawManifest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileStore;
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
import java.util.function.Function;
import java.util.function.LongConsumer;

/**
 * Writes a bundle in v1 entry order: bundle.json, its signatures, oci-layout, index.json, then
 * each blob in the order bundle.json lists them. As an {@link ImageSink} it is where the copy
 * engine puts an export's blobs and manifests (tags are named in bundle.json, so {@link #tag} has
 * nothing to write).
 *
 * <p>Sizes are known before a byte is fetched, so the whole tar is laid out first: every entry's
 * header (made by Commons Compress, PAX where needed) and data offset. Blobs then arrive in
 * parallel, each written at its own place with positional writes, while a background flush
 * overlaps writeback with the download.
 *
 * <p>The tar goes into one file or, with a volume size, into volumes that are consecutive byte
 * ranges of it ({@link TarParts}) plus a signed list of them ({@link VolumeList}). Before a byte
 * is written the free space of the directory is checked against all of it. Everything is written
 * under temporary names; with read-back on, each part is fsynced and read back from the device as
 * soon as it is complete ({@link ReadBackChecker}) and checked against what was meant
 * ({@link WriteCheck}). Only {@link #commit} renames: the volumes, then the list's signature, then
 * the list (so a watcher knows a set is complete when the list appears); {@link #close} without a
 * commit deletes every file of the bundle.
 */
public final class BundleWriter implements ImageSink, AutoCloseable {
    /**
     * Called once everything is written, fsynced and read back, just before the first rename.
     * {@code marker} is the temporary file whose rename completes the bundle (the bundle file, or
     * the volume list); {@code members} the other files' final names (volumes and the list's
     * signature), empty for a single file.
     */
    @FunctionalInterface
    public interface BeforeCommit {
        void run(Path marker, List<Path> members) throws IOException;

        /** For a volume set: called once the volumes and the list's signature have their final names, before the list's rename. */
        default void afterVolumesRenamed() {
        }
    }

    /** Test hook ({@code -Dairlock.test.beforeReadBack=CLASS}): runs on a written, fsynced file range just before it is read back. */
    public interface ReadBackHook {
        void beforeReadBack(Path file, long offset, long length) throws IOException;
    }

    /**
     * How the bundle goes onto its medium.
     *
     * @param volumeSize bytes per volume, or 0 for one file
     * @param verifyAfterWrite read every written byte back from the device and check it before the rename
     * @param signList signs a volume list (returns the armored signature); needed with volumes
     */
    public record Media(long volumeSize, boolean verifyAfterWrite, Function<byte[], byte[]> signList) {
        /** The smallest volume: a volume boundary must never fall twice within one CRC piece of the read-back check. */
        public static final long MIN_VOLUME = 1_000_000;
        public static final Media ONE_FILE = new Media(0, true, null);

        public Media {
            if (volumeSize != 0 && volumeSize < MIN_VOLUME) {
                throw AirlockException.usage("--max-volume-size " + volumeSize + " is below the smallest volume size, 1M (1,000,000 bytes)");
            }
            if (volumeSize != 0 && signList == null) {
                throw new IllegalArgumentException("volumes need a signer for their list");
            }
        }
    }

    /**
     * What {@link #commit} put in place.
     *
     * @param file the bundle file, or the volume list
     * @param volumes the volumes in order, empty for a single file
     * @param list the volume list, or null
     * @param readBack how the bytes were read back, or null when not (--no-verify-after-write)
     */
    public record Written(Path file, List<Path> volumes, VolumeList list, ReadBack.Mode readBack) {
    }

    /** How much is written between background fdatasyncs; 64 MiB measured best here (scripts/bench). */
    private static final long FLUSH_EVERY = Long.getLong("airlock.flushEvery", 64L << 20);
    private static final int SMALL_ENTRIES = 4;
    /** Test hook: skip the free-space check, so that a full disk is met while writing (CrashAndDiskIT). */
    static final String SKIP_SPACE_CHECK = "airlock.test.skipSpaceCheck";

    private final Path target;
    private final TarParts parts;
    private final Media media;
    private final BundleManifest manifest;
    private final Digest bundleDigest;
    /** Each blob's entry, by its digest as bundle.json writes it (the manifest's own strings: no copy per blob). */
    private final Map<String, Integer> slots = new HashMap<>();
    private final TarLayout layout;
    private final WriteCheck check;
    private final ReadBackChecker checker;
    private final Set<Digest> written = ConcurrentHashMap.newKeySet();
    /**
     * Manifests one task has taken to write: images that share a manifest (two tags of one image)
     * put it at once, each after hasManifest said no, and the second write was refused by the write
     * check as out of order (red-team pass H). The first to claim it writes it; the others return.
     */
    private final Set<Digest> manifestsClaimed = ConcurrentHashMap.newKeySet();
    private final AtomicLong unflushed = new AtomicLong();
    private final CountDownLatch stop = new CountDownLatch(1);
    private final Thread flusher;
    private final List<Path> extraTemps = new ArrayList<>();
    private boolean committed;

    private BundleWriter(Path target, TarParts parts, Media media, TarLayout layout, BundleManifest manifest, Digest bundleDigest,
            byte[][] small) {
        this.target = target;
        this.parts = parts;
        this.media = media;
        this.layout = layout;
        this.manifest = manifest;
        this.bundleDigest = bundleDigest;
        for (int i = 0; i < manifest.blobs().size(); i++) {
            slots.put(manifest.blobs().get(i).digest(), SMALL_ENTRIES + i);
        }
        this.check = media.verifyAfterWrite() ? new WriteCheck(layout, small, parts.total(), parts.volumeSize()) : null;
        this.checker = check != null || parts.isVolumes() ? new ReadBackChecker(parts, check) : null;
        this.flusher = new Thread(() -> {
            // Start writeback early so the final fsync does not pay for the whole file. Never
            // interrupted (an interrupt inside force() would close the channel for everyone):
            // woken by the latch instead, so the writer never waits out a pause at the end.
            try {
                while (!stop.await(50, TimeUnit.MILLISECONDS)) {
                    if (unflushed.get() >= FLUSH_EVERY) {
                        unflushed.set(0);
                        parts.forceDirty();
                    }
                }
            } catch (InterruptedException | IOException e) {
                // the final force reports any I/O problem
            }
        }, "airlock-flush");
        flusher.setDaemon(true);
        flusher.start();
    }

    /** {@link #create(Path, byte[], byte[], byte[], byte[], BundleManifest, Media)} as one file, read back after writing. */
    public static BundleWriter create(Path target, byte[] manifestJson, byte[] signature, byte[] ociLayout, byte[] indexJson,
            BundleManifest manifest) {
        return create(target, manifestJson, signature, ociLayout, indexJson, manifest, Media.ONE_FILE);
    }

    /**
     * Checks that the bundle fits in {@code target}'s directory, then creates its temporary files
     * with every header and the four small entries in place; blobs follow through {@link #putBlob}
     * and {@link #putManifest}. Fails with kind LOCAL, leaving nothing behind.
     *
     * @param target the bundle file, {@code NAME.tar}; volumes are {@code NAME.tar.000}, … beside it
     */
    public static BundleWriter create(Path target, byte[] manifestJson, byte[] signature, byte[] ociLayout, byte[] indexJson,
            BundleManifest manifest, Media media) {
        TarLayout layout = layout(manifestJson.length, signature.length, ociLayout.length, indexJson.length, manifest,
                Date.from(Instant.parse(manifest.created())));
        long total = layout.total();
        if (media.volumeSize() > 0 && VolumeList.count(total, media.volumeSize()) > VolumeList.MAX_VOLUMES) {
            // the importer reads no list of more (issue 17, defect 5: every read of a list is bounded)
            throw AirlockException.usage("a bundle of " + total + " bytes in volumes of " + media.volumeSize() + " takes "
                    + VolumeList.count(total, media.volumeSize()) + " volumes, more than the " + VolumeList.MAX_VOLUMES
                    + " a set may have; give a larger --max-volume-size");
        }
        checkSpace(target, total, media, manifest.channel());
        TarParts parts = null;
        BundleWriter w = null;
        try {
            parts = TarParts.create(target, total, media.volumeSize());
            byte[][] small = {manifestJson, signature, ociLayout, indexJson};
            w = new BundleWriter(target, parts, media, layout, manifest, Digest.sha256Of(manifestJson), small);
            for (int i = 0; i < layout.count(); i++) {
                w.write(ByteBuffer.wrap(layout.header(i)), layout.headerOffset(i));
                if (i < small.length) {
                    w.write(ByteBuffer.wrap(small[i]), layout.dataOffset(i));
                }
                long dataEnd = layout.dataOffset(i) + layout.size(i);
                long padding = layout.end(i) - dataEnd;
                if (padding > 0) {
                    w.write(ByteBuffer.allocate((int) padding), dataEnd);
                }
            }
            w.write(ByteBuffer.allocate(1024), total - 1024);
            return w;
        } catch (IOException e) {
            if (w != null) {
                w.close();
            } else if (parts != null) {
                parts.deleteAll();
            }
            throw AirlockException.local("cannot write bundle " + AtomicFiles.partialName(target) + ": " + e.getMessage(), e);
        }
    }

    /**
     * Refuses (kind LOCAL) a bundle that cannot fit in the free space of its directory, before a
     * byte is written: every file rounded up to the file system's block size, plus the volume list.
     */
    private static void checkSpace(Path target, long total, Media media, String channel) {
        if (Boolean.getBoolean(SKIP_SPACE_CHECK)) {
            return;
        }
        Path dir = target.toAbsolutePath().getParent();
        long free;
        long block;
        try {
            FileStore store = Files.getFileStore(dir);
            free = store.getUsableSpace();
            try {
                block = Math.max(1, store.getBlockSize());
            } catch (UnsupportedOperationException e) {
                block = 4096;
            }
        } catch (IOException e) {
            throw AirlockException.local("cannot read the free space of " + dir + ": " + e.getMessage(), e);
        }
        long need;
        String shape;
        if (media.volumeSize() > 0) {
            long n = VolumeList.count(total, media.volumeSize());
            long full = n - 1;
            long last = total - full * media.volumeSize();
            long listBytes = 1024 + 200 * n + 4096;
            need = full * roundUp(media.volumeSize(), block) + roundUp(last, block) + roundUp(listBytes, block) + roundUp(4096, block);
            shape = " (as " + n + " volume" + (n == 1 ? "" : "s") + " and their list)";
        } else {
            need = roundUp(total, block);
            shape = "";
        }
        if (need > free) {
            throw AirlockException.local("not enough free space in " + dir + " for the bundle of channel " + channel + ": it needs "
                    + need + " bytes (" + mib(need) + ")" + shape + ", " + free + " bytes ("
                    + mib(free) + ") are free: the bundle does not fit (disk full); free some space or use a larger medium", null);
        }
    }

    private static String mib(long n) {
        return String.format(java.util.Locale.ROOT, "%.1f MiB", n / 1048576.0);
    }

    private static long roundUp(long n, long block) {
        return (n + block - 1) / block * block;
    }

    /** Every write of the tar goes here: to its file(s), then counted for the read-back. */
    private void write(ByteBuffer buf, long position) throws IOException {
        AirlockException failed = checker == null ? null : checker.failure();
        if (failed != null) {
            throw new LocalIoException(failed.getMessage(), new IOException(failed));
        }
        int n = buf.remaining();
        parts.write(buf, position);
        unflushed.addAndGet(n);
        if (checker != null) {
            checker.wrote(position, n);
        }
    }

    @Override
    public boolean hasBlob(Repo repo, Descriptor blob) {
        return written.contains(blob.digest());
    }

    @Override
    public void putBlob(Repo repo, Descriptor blob, BlobReader content, LongConsumer progress) {
        int index = slotOf(blob.digest(), blob.size());
        long dataOffset = layout.dataOffset(index);
        long size = layout.size(index);
        try {
            content.writeTo((buf, offset) -> {
                int n = buf.remaining();
                if (offset + n > size) {
                    throw new DigestMismatchException("blob " + blob.digest() + " is longer than its declared " + size + " bytes");
                }
                if (check != null) {
                    check.record(index, offset, buf);
                }
                try {
                    write(buf, dataOffset + offset);
                } catch (LocalIoException e) {
                    throw e;
                } catch (IOException e) {
                    throw new LocalIoException("cannot write bundle " + where(dataOffset + offset) + ": " + e.getMessage(), e);
                }
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

    /** The temporary file that holds tar position {@code position}, for messages. */
    private Path where(long position) {
        return parts.partAt(Math.min(position, parts.total() - 1)).tmp();
    }

    @Override
    public boolean hasManifest(Repo repo, RawManifest manifest) {
        return written.contains(manifest.digest());
    }

    @Override
    public void putManifest(Repo repo, RawManifest manifest) {
        if (!manifestsClaimed.add(manifest.digest())) {
            return; // written, or being written by another task; the copy waits for every task before commit
        }
        int index = slotOf(manifest.digest(), manifest.size());
        long dataOffset = layout.dataOffset(index);
        ByteBuffer bytes = ByteBuffer.wrap(manifest.bytesUnsafe());
        if (check != null) {
            check.record(index, 0, bytes);
        }
        try {
            write(bytes, dataOffset);
        } catch (LocalIoException e) {
            throw AirlockException.local(e.getMessage(), e);
        } catch (IOException e) {
            throw AirlockException.local("cannot write bundle " + where(dataOffset) + ": " + e.getMessage(), e);
        }
        written.add(manifest.digest());
    }

    /** Tags are named in bundle.json; nothing to write. */
    @Override
    public boolean tag(Repo repo, String tag, RawManifest manifest) {
        return false;
    }

    private int slotOf(Digest d, long size) {
        Integer index = slots.get(d.toString());
        if (index == null || layout.size(index) != size) {
            throw new IllegalStateException("bundle.json does not list " + d + " with " + size + " bytes");
        }
        return index;
    }

    /**
     * Every listed blob must have been written. Waits for the read-back of every part (a byte that
     * does not read back as written fails with kind LOCAL, naming the file and offset), fsyncs,
     * writes the volume list and its signature (fsynced and read back too), runs
     * {@code beforeCommit} (the ledger notes the bundle as pending), then renames: the volumes and
     * the list's signature, a directory fsync, then the list (or the one bundle file) and a
     * directory fsync.
     */
    public Written commit(BeforeCommit beforeCommit) {
        if (written.size() != slots.size()) {
            throw new IllegalStateException("bundle " + target + ": " + (slots.size() - written.size()) + " blobs were never written");
        }
        stopFlusher();
        if (checker != null) {
            checker.awaitAll();
            Trace.mark("writer: read back");
        }
        try {
            parts.forceAndClose();
            Trace.mark("writer: forced");
        } catch (IOException e) {
            throw AirlockException.local("cannot write bundle " + where(0) + ": " + e.getMessage(), e);
        }
        ReadBack.Mode mode = media.verifyAfterWrite() ? checker.mode() : null;
        Written w = parts.isVolumes() ? commitVolumes(beforeCommit, mode) : commitOne(beforeCommit, mode);
        committed = true;
        return w;
    }

    /** One bundle file: noted as pending, then renamed into place. */
    private Written commitOne(BeforeCommit beforeCommit, ReadBack.Mode mode) {
        TarParts.Part only = parts.parts().get(0);
        try {
            beforeCommit.run(only.tmp(), List.of());
        } catch (IOException e) {
            throw AirlockException.local(e.getMessage(), e);
        }
        try {
            AtomicFiles.commit(only.tmp(), only.target());
        } catch (IOException e) {
            throw AirlockException.local("cannot rename " + only.tmp() + " to " + only.target() + ": " + e.getMessage(), e);
        }
        return new Written(only.target(), List.of(), null, mode);
    }

    /** Volumes: the signed list written, the set noted as pending, the volumes and signature renamed, the list last. */
    private Written commitVolumes(BeforeCommit beforeCommit, ReadBack.Mode mode) {
        List<VolumeList.Volume> volumes = new ArrayList<>();
        for (TarParts.Part p : parts.parts()) {
            volumes.add(new VolumeList.Volume(p.target().getFileName().toString(), p.size(), checker.digest(p.index()).toString()));
        }
        VolumeList list = new VolumeList(VolumeList.FORMAT, manifest.channel(), manifest.sequence(), target.getFileName().toString(),
                bundleDigest.toString(), parts.total(), parts.volumeSize(), volumes);
        byte[] json = list.toJson();
        byte[] asc = media.signList().apply(json);
        Path listFile = target.resolveSibling(VolumeList.listName(target.getFileName().toString()));
        Path ascFile = listFile.resolveSibling(listFile.getFileName() + ".asc");
        Path listTmp = AtomicFiles.partialName(listFile);
        Path ascTmp = AtomicFiles.partialName(ascFile);
        writeSmall(ascTmp, asc, mode != null);
        writeSmall(listTmp, json, mode != null);
        List<Path> members = new ArrayList<>(parts.parts().stream().map(TarParts.Part::target).toList());
        members.add(ascFile);
        try {
            beforeCommit.run(listTmp, List.copyOf(members));
        } catch (IOException e) {
            throw AirlockException.local(e.getMessage(), e);
        }
        try {
            parts.renameAll();
            TarParts.move(ascTmp, ascFile);
            parts.renamed(ascFile);
            AtomicFiles.fsyncDirectory(listFile.toAbsolutePath().getParent());
            beforeCommit.afterVolumesRenamed();
            AtomicFiles.commit(listTmp, listFile);
        } catch (IOException e) {
            throw AirlockException.local("cannot rename the volumes of " + target.getFileName() + " into place in "
                    + listFile.toAbsolutePath().getParent() + ": " + e.getMessage(), e);
        }
        return new Written(listFile, parts.parts().stream().map(TarParts.Part::target).toList(), list, mode);
    }

    /** Writes a small file under its temporary name, fsynced, and reads it back when asked. */
    private void writeSmall(Path tmp, byte[] bytes, boolean readBack) {
        extraTemps.add(tmp);
        try {
            Files.deleteIfExists(tmp);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer b = ByteBuffer.wrap(bytes);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(true);
            }
            if (readBack) {
                ByteBuffer got = ByteBuffer.allocate(bytes.length);
                ReadBack.read(tmp, 0, bytes.length, true, (chunk, at) -> got.put(chunk.duplicate()));
                int at = got.flip().mismatch(ByteBuffer.wrap(bytes));
                if (at >= 0) {
                    throw AirlockException.local("read-back after write failed: " + tmp + " at byte " + at
                            + " does not read back as written: the medium is failing; nothing was renamed into place", null);
                }
            }
        } catch (IOException e) {
            throw AirlockException.local("cannot write " + tmp + ": " + e.getMessage(), e);
        }
    }

    /** Without a commit, deletes every file of the bundle, temporary or already renamed: nothing half-written is left behind. */
    @Override
    public void close() {
        stopFlusher();
        if (checker != null) {
            checker.close();
        }
        parts.close();
        if (!committed) {
            parts.deleteAll();
            extraTemps.forEach(TarParts::deleteQuietly);
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

    static long pad(long size) {
        return TarLayout.pad(size);
    }

    /** Every entry's header and offsets, in v1 entry order; a blob's name made from bundle.json's list when asked for. */
    private static TarLayout layout(long manifestJson, long signature, long ociLayout, long indexJson, BundleManifest manifest,
            Date mtime) {
        List<String> small = List.of(BundleNames.MANIFEST, BundleNames.SIGNATURE, BundleNames.OCI_LAYOUT, BundleNames.INDEX);
        List<BundleManifest.Blob> blobs = manifest.blobs();
        long[] sizes = new long[small.size() + blobs.size()];
        sizes[0] = manifestJson;
        sizes[1] = signature;
        sizes[2] = ociLayout;
        sizes[3] = indexJson;
        for (int i = 0; i < blobs.size(); i++) {
            sizes[small.size() + i] = blobs.get(i).size();
        }
        return TarLayout.of(i -> i < small.size() ? small.get(i) : BundleNames.blobPath(Digest.parse(blobs.get(i - small.size()).digest())),
                sizes, mtime);
    }

    /** The exact size of the file {@link #write} produces for these entries. */
    public static long expectedSize(long manifestJson, long signature, long ociLayout, long indexJson, BundleManifest manifest) {
        return layout(manifestJson, signature, ociLayout, indexJson, manifest, new Date(0)).total();
    }
}
