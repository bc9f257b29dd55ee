package dev.airlock.bundle;

import dev.airlock.digest.Digest;
import dev.airlock.io.AtomicFiles;
import dev.airlock.io.TransferListener;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Date;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Writes a bundle file in v1 entry order: bundle.json, its signatures, oci-layout, index.json,
 * then each blob in the order bundle.json lists them. The file is written under a temporary name,
 * fsynced and renamed, so the final name only ever holds a complete bundle.
 */
public final class BundleWriter {
    /** Opens the content of a blob listed in bundle.json; the stream must verify it. */
    @FunctionalInterface
    public interface BlobSource {
        InputStream open(BundleManifest.Blob blob) throws IOException;
    }

    private static final int BUFFER = 1 << 20;

    private BundleWriter() {
    }

    public static void write(Path target, byte[] manifestJson, byte[] signature, byte[] ociLayout, byte[] indexJson,
            BundleManifest manifest, BlobSource blobs, TransferListener listener) throws IOException {
        write(target, manifestJson, signature, ociLayout, indexJson, manifest, blobs, listener, tmp -> { });
    }

    /** Called with the temporary file once it is complete and fsynced, just before the rename. */
    @FunctionalInterface
    public interface BeforeCommit {
        void run(Path partial) throws IOException;
    }

    /**
     * Like {@link #write(Path, byte[], byte[], byte[], byte[], BundleManifest, BlobSource, TransferListener)},
     * calling {@code beforeCommit} between the fsync and the rename (where a ledger records the
     * bundle as pending).
     */
    public static void write(Path target, byte[] manifestJson, byte[] signature, byte[] ociLayout, byte[] indexJson,
            BundleManifest manifest, BlobSource blobs, TransferListener listener, BeforeCommit beforeCommit) throws IOException {
        Path tmp = AtomicFiles.partialName(target);
        Files.deleteIfExists(tmp);
        Date mtime = Date.from(Instant.parse(manifest.created()));
        boolean done = false;
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            OutputStream file = new BufferedOutputStream(Channels.newOutputStream(ch), BUFFER);
            TarArchiveOutputStream tar = new TarArchiveOutputStream(file);
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            tar.setAddPaxHeadersForNonAsciiNames(true);
            putBytes(tar, BundleNames.MANIFEST, manifestJson, mtime);
            putBytes(tar, BundleNames.SIGNATURE, signature, mtime);
            putBytes(tar, BundleNames.OCI_LAYOUT, ociLayout, mtime);
            putBytes(tar, BundleNames.INDEX, indexJson, mtime);
            byte[] buf = new byte[BUFFER];
            for (BundleManifest.Blob blob : manifest.blobs()) {
                Digest d = Digest.parse(blob.digest());
                tar.putArchiveEntry(entry(BundleNames.blobPath(d), blob.size(), mtime));
                listener.started(d, blob.size());
                try (InputStream in = blobs.open(blob)) {
                    long copied = 0;
                    int n;
                    while ((n = in.read(buf)) >= 0) {
                        tar.write(buf, 0, n);
                        copied += n;
                        listener.progressed(d, n);
                    }
                    if (copied != blob.size()) {
                        throw new IOException("blob " + d + " gave " + copied + " bytes, expected " + blob.size());
                    }
                }
                tar.closeArchiveEntry();
                listener.finished(d);
            }
            tar.finish();
            file.flush();
            ch.force(true);
            done = true;
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
            }
        }
        beforeCommit.run(tmp);
        AtomicFiles.commit(tmp, target);
    }

    /** The exact size of the file {@link #write} produces for these entry sizes (commons-compress layout). */
    public static long expectedSize(long manifestJson, long signature, long ociLayout, long indexJson, BundleManifest manifest) {
        long total = entrySize(manifestJson) + entrySize(signature) + entrySize(ociLayout) + entrySize(indexJson);
        for (BundleManifest.Blob b : manifest.blobs()) {
            total += entrySize(b.size());
        }
        return total + 1024; // two zero records end the archive; commons-compress pads to 512-byte records only
    }

    private static long entrySize(long size) {
        long data = (size + 511) / 512 * 512;
        // Sizes of 8 GiB and over get a PAX header entry (one header record plus one data record).
        long pax = size > 077777777777L ? 1024 : 0;
        return 512 + data + pax;
    }

    private static void putBytes(TarArchiveOutputStream tar, String name, byte[] bytes, Date mtime) throws IOException {
        tar.putArchiveEntry(entry(name, bytes.length, mtime));
        tar.write(bytes);
        tar.closeArchiveEntry();
    }

    private static TarArchiveEntry entry(String name, long size, Date mtime) {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(size);
        e.setMode(0644);
        e.setModTime(mtime);
        e.setUserId(0);
        e.setGroupId(0);
        e.setUserName("");
        e.setGroupName("");
        return e;
    }
}
