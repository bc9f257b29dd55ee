package dev.airlock.copy;

import dev.airlock.digest.Digest;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.RawManifest;
import dev.airlock.oci.Referrer;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A source whose small blobs already read in this run (the configs the approver report read, each
 * checked against its digest then) are pushed from memory instead of being fetched a second time:
 * a catalog of a thousand images saves a thousand requests. Everything else goes to the source.
 */
public final class HeldBlobs implements ImageSource {
    private final ImageSource source;
    private final Map<Digest, byte[]> held;

    private HeldBlobs(ImageSource source, Map<Digest, byte[]> held) {
        this.source = source;
        this.held = Map.copyOf(held);
    }

    /** {@code source}, with {@code held} (verified bytes by digest) served from memory; the source itself when nothing is held. */
    public static ImageSource over(ImageSource source, Map<Digest, byte[]> held) {
        return held.isEmpty() ? source : new HeldBlobs(source, held);
    }

    @Override
    public RawManifest manifest(Repo repo, String reference) {
        return source.manifest(repo, reference);
    }

    @Override
    public BlobReader blob(Repo repo, Descriptor blob) {
        byte[] bytes = held.get(blob.digest());
        if (bytes == null || bytes.length != blob.size()) {
            return source.blob(repo, blob);
        }
        return new BlobReader() {
            @Override
            public void writeTo(dev.airlock.io.BlobSink sink) throws java.io.IOException {
                sink.write(ByteBuffer.wrap(bytes).asReadOnlyBuffer(), 0);
            }

            @Override
            public dev.airlock.io.BlobContent content() {
                return source.blob(repo, blob).content();
            }
        };
    }

    @Override
    public void checkSkipped(Repo repo, Descriptor blob) {
        source.checkSkipped(repo, blob);
    }

    @Override
    public List<String> tags(Repo repo) {
        return source.tags(repo);
    }

    @Override
    public Optional<List<Referrer>> referrers(Repo repo, Digest subject) {
        return source.referrers(repo, subject);
    }
}
