package dev.airlock.bundle;

import dev.airlock.copy.BlobReader;
import dev.airlock.copy.ImageSource;
import dev.airlock.copy.Repo;
import dev.airlock.digest.BlobVerifier;
import dev.airlock.digest.Digest;
import dev.airlock.digest.DigestMismatchException;
import dev.airlock.digest.VerifyingInputStream;
import dev.airlock.error.AirlockException;
import dev.airlock.io.BlobContent;
import dev.airlock.io.BlobSink;
import dev.airlock.io.FileRegion;
import dev.airlock.io.LocalIoException;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.RawManifest;
import java.nio.ByteBuffer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A bundle whose bundle.json is signed by enough trusted keys and whose entry list matches it.
 * Contents are still only as good as their digests: every read goes through a verifying stream,
 * and {@link #readManifest} and {@link #readLayoutFile} return only checked bytes. Thread-safe for
 * reads (positional reads on one channel). Does not own the channel: close the UntrustedBundle.
 *
 * <p>As an {@link ImageSource} it serves every image it carries, whatever the repository asked for:
 * manifests by digest only, blobs only if carried, every byte through the one verifier.
 */
public final class VerifiedBundle implements ImageSource {
    private static final int READ_BUFFER = 1 << 20;
    private final Path path;
    private final FileChannel channel;
    private final BundleManifest manifest;
    private final Digest digest;
    private final List<String> signers;
    /**
     * Where the data of each entry after the signature lies: oci-layout, index.json, then every blob
     * in bundle.json's order, which {@link UntrustedBundle#verify} checked the entries follow, names
     * and sizes. Offsets only (no names, no objects per entry): a catalog's bundle has tens of
     * thousands of entries (issue 21).
     */
    private final long[] offsets;
    /** Each carried blob's place in bundle.json's list. */
    private final Map<Digest, Integer> carried = new HashMap<>();

    VerifiedBundle(Path path, FileChannel channel, BundleManifest manifest, Digest digest, List<String> signers,
            List<EntryPlace> entries) {
        this.path = path;
        this.channel = channel;
        this.manifest = manifest;
        this.digest = digest;
        this.signers = signers;
        if (entries.size() != 2 + manifest.blobs().size()) {
            throw new IllegalStateException("entries do not follow bundle.json: " + entries.size() + " for " + manifest.blobs().size() + " blobs");
        }
        this.offsets = entries.stream().mapToLong(EntryPlace::dataOffset).toArray();
        for (int i = 0; i < manifest.blobs().size(); i++) {
            carried.put(Digest.parse(manifest.blobs().get(i).digest()), i);
        }
    }

    /** The carried blob with digest {@code d}, or null. */
    private BundleManifest.Blob carried(Digest d) {
        Integer i = carried.get(d);
        return i == null ? null : manifest.blobs().get(i);
    }

    public BundleManifest manifest() {
        return manifest;
    }

    /** sha256 of the exact bundle.json bytes. */
    public Digest digest() {
        return digest;
    }

    public List<String> signers() {
        return signers;
    }

    public Path path() {
        return path;
    }

    /** Reads and checks oci-layout or index.json. */
    public byte[] readLayoutFile(String name) {
        BundleManifest.FileRef ref = name.equals(BundleNames.INDEX) ? manifest.layout().indexJson() : manifest.layout().ociLayout();
        return readAll(name, Digest.parse(ref.digest()), ref.size());
    }

    /** Reads and checks a manifest blob. */
    public RawManifest readManifest(BundleManifest.Blob blob) {
        if (blob.size() > RawManifest.MAX_SIZE) {
            throw AirlockException.malformed(path + ": manifest " + blob.digest() + " is over 4 MiB");
        }
        Digest d = Digest.parse(blob.digest());
        byte[] bytes = readAll(BundleNames.blobPath(d), d, blob.size());
        return RawManifest.of(bytes, blob.mediaType(), path + " " + BundleNames.blobPath(d));
    }

    private byte[] readAll(String name, Digest d, long size) {
        try (InputStream in = region(name, d).open(0)) {
            return in.readAllBytes();
        } catch (DigestMismatchException e) {
            throw AirlockException.digestMismatch(e.getMessage());
        } catch (IOException e) {
            throw AirlockException.local(path + ": cannot read " + name + ": " + e.getMessage(), e);
        }
    }

    /**
     * A blob's content for upload. From offset 0 the stream verifies digest and size and fails the
     * read that completes a bad blob; from a later offset (a chunk or a resumed upload) it is the
     * raw slice, and the registry's own digest check on commit is what guards it.
     */
    public BlobContent content(BundleManifest.Blob blob) {
        Digest d = Digest.parse(blob.digest());
        return region(BundleNames.blobPath(d), d);
    }

    @Override
    public RawManifest manifest(Repo repo, String reference) {
        BundleManifest.Blob b = Digest.isValid(reference) ? carried(Digest.parse(reference)) : null;
        if (b == null || !MediaTypes.isManifest(b.mediaType())) {
            throw AirlockException.malformed(path + ": manifest " + reference + " of " + repo.name() + " is not in the bundle");
        }
        return readManifest(b);
    }

    @Override
    public BlobReader blob(Repo repo, Descriptor d) {
        BundleManifest.Blob b = carried(d.digest());
        if (b == null || b.size() != d.size()) {
            throw AirlockException.malformed(path + ": blob " + d.digest() + " (" + d.size() + " bytes) is not in the bundle");
        }
        FileRegion region = region(BundleNames.blobPath(d.digest()), d.digest());
        return new BlobReader() {
            @Override
            public void writeTo(BlobSink sink) throws IOException {
                copy(BundleNames.blobPath(d.digest()), d, sink);
            }

            @Override
            public BlobContent content() {
                return region;
            }
        };
    }

    @Override
    public void checkSkipped(Repo repo, Descriptor blob) {
        BundleManifest.Blob b = carried(blob.digest());
        if (b != null) {
            check(b);
        }
    }

    /** Pushes an entry's bytes into {@code sink}, verified; the last buffer of a bad blob is never handed over. */
    private void copy(String name, Descriptor d, BlobSink sink) throws IOException {
        EntryPlace e = entry(name, d.digest());
        BlobVerifier verifier = new BlobVerifier(d.digest(), d.size(), path + ": " + name);
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(READ_BUFFER, Math.max(1, d.size())));
        long offset = 0;
        while (offset < d.size()) {
            buf.clear().limit((int) Math.min(buf.capacity(), d.size() - offset));
            try {
                while (buf.hasRemaining()) {
                    if (channel.read(buf, e.dataOffset() + offset + buf.position()) < 0) {
                        throw new IOException("the file ends early (it changed while being read, or the medium failed)");
                    }
                }
            } catch (IOException ex) {
                throw new LocalIoException("cannot read " + path + ": " + name + ": " + ex.getMessage(), ex);
            }
            buf.flip();
            verifier.update(buf);
            if (verifier.complete()) {
                verifier.finish();
            }
            int n = buf.remaining();
            sink.write(buf, offset);
            offset += n;
        }
        if (d.size() == 0) {
            verifier.finish();
        }
    }

    /**
     * Checks the whole bundle, as {@code verify} does: the layout files, every manifest and every
     * blob against its digest, telling {@code listener} the bytes as they are read (phase
     * "verifying"). A bundle is taken whole or not at all, so the commands that only read it
     * (verify, list, load) check all of it before they print or write anything.
     */
    public void checkEverything(dev.airlock.io.TransferListener listener) {
        readLayoutFile(BundleNames.OCI_LAYOUT);
        readLayoutFile(BundleNames.INDEX);
        // The progress counts blobs as every output does (BlobCount: config and layers); manifests are checked too, uncounted.
        BlobCount count = BlobCount.of(manifest);
        listener.planned("verifying", count.blobBytes(), count.blobs());
        for (BundleManifest.Blob b : manifest.blobs()) {
            if (BlobCount.isManifest(b)) {
                readManifest(b);
                continue;
            }
            Digest d = Digest.parse(b.digest());
            listener.started(d, b.size());
            check(b, n -> listener.progressed(d, n)); // bytes count as they are read, not when a blob ends
            listener.finished(d);
        }
        listener.done();
    }

    /** Reads a blob to the end to check it, without using the bytes (the target already has it). */
    public void check(BundleManifest.Blob blob) {
        check(blob, n -> {
        });
    }

    /** {@link #check(BundleManifest.Blob)}, telling {@code progress} each number of bytes read (and checked so far). */
    public void check(BundleManifest.Blob blob, java.util.function.LongConsumer progress) {
        try (VerifyingInputStream in = (VerifyingInputStream) content(blob).open(0)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf, 0, buf.length)) >= 0; ) {
                if (n > 0) {
                    progress.accept(n);
                }
            }
        } catch (DigestMismatchException e) {
            throw AirlockException.digestMismatch(e.getMessage());
        } catch (IOException e) {
            throw AirlockException.local(path + ": cannot read blob " + blob.digest() + ": " + e.getMessage(), e);
        }
    }

    /** An entry's bytes in the file; read from its start, they are checked against {@code d}. */
    private FileRegion region(String name, Digest d) {
        EntryPlace e = entry(name, d);
        return new FileRegion(channel, e.dataOffset(), e.size(), d, path + ": " + name);
    }

    /** The place of entry {@code name}: a layout file by its name, a blob by its digest {@code d}. */
    private EntryPlace entry(String name, Digest d) {
        if (name.equals(BundleNames.OCI_LAYOUT)) {
            return new EntryPlace(name, offsets[0], manifest.layout().ociLayout().size());
        }
        if (name.equals(BundleNames.INDEX)) {
            return new EntryPlace(name, offsets[1], manifest.layout().indexJson().size());
        }
        Integer i = carried.get(d);
        if (i == null || !name.equals(BundleNames.blobPath(d))) {
            throw new IllegalStateException("no entry " + name);
        }
        return new EntryPlace(name, offsets[2 + i], manifest.blobs().get(i).size());
    }
}
