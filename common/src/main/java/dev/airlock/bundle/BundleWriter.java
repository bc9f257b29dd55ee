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
        AtomicFiles.commit(tmp, target);
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
