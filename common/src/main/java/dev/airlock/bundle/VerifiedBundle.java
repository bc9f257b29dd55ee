package dev.airlock.bundle;

import dev.airlock.digest.Digest;
import dev.airlock.digest.VerifyingInputStream;
import dev.airlock.error.AirlockException;
import dev.airlock.oci.RawManifest;
import dev.airlock.registry.BlobContent;
import dev.airlock.registry.FileRegion;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;

/**
 * A bundle whose bundle.json is signed by enough trusted keys and whose entry list matches it.
 * Contents are still only as good as their digests: every read goes through a verifying stream,
 * and {@link #readManifest} and {@link #readLayoutFile} return only checked bytes. Thread-safe for
 * reads (positional reads on one channel). Does not own the channel: close the UntrustedBundle.
 */
public final class VerifiedBundle {
    private final Path path;
    private final FileChannel channel;
    private final BundleManifest manifest;
    private final Digest digest;
    private final List<String> signers;
    private final Map<String, TarArchiveEntry> entries = new HashMap<>();

    VerifiedBundle(Path path, FileChannel channel, BundleManifest manifest, Digest digest, List<String> signers,
            List<TarArchiveEntry> entries) {
        this.path = path;
        this.channel = channel;
        this.manifest = manifest;
        this.digest = digest;
        this.signers = signers;
        entries.forEach(e -> this.entries.put(e.getName(), e));
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
        } catch (VerifyingInputStream.DigestMismatchException e) {
            throw AirlockException.digestMismatch(e.getMessage());
        } catch (IOException e) {
            throw AirlockException.malformed(path + ": cannot read " + name + ": " + e.getMessage());
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

    /** Reads a blob to the end to check it, without using the bytes (the target already has it). */
    public void check(BundleManifest.Blob blob) {
        try (VerifyingInputStream in = (VerifyingInputStream) content(blob).open(0)) {
            in.drain();
        } catch (VerifyingInputStream.DigestMismatchException e) {
            throw AirlockException.digestMismatch(e.getMessage());
        } catch (IOException e) {
            throw AirlockException.malformed(path + ": cannot read blob " + blob.digest() + ": " + e.getMessage());
        }
    }

    /** An entry's bytes in the file; read from its start, they are checked against {@code d}. */
    private FileRegion region(String name, Digest d) {
        TarArchiveEntry e = entries.get(name);
        if (e == null) {
            throw new IllegalStateException("no entry " + name);
        }
        return new FileRegion(channel, e.getDataOffset(), e.getSize(), d, path + ": " + name);
    }
}
