package dev.airlock.imports;

import dev.airlock.bundle.BundleManifest;
import dev.airlock.copy.BlobReader;
import dev.airlock.copy.ImageSink;
import dev.airlock.copy.Repo;
import dev.airlock.digest.Digest;
import dev.airlock.error.AirlockException;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.RawManifest;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * Passes everything to the target, and names the one refusal a sparse index meets
 * ({@code --platform-index sparse}): a registry that requires every child of an index to be
 * present (Debian's docker-registry 2.8 answers {@code MANIFEST_BLOB_UNKNOWN}; Nexus, Gitea and
 * others too). The copy engine writes tags last, so when the index is refused no image tag moves.
 */
final class SparseIndexSink implements ImageSink {
    private final ImageSink target;
    private final Map<Digest, BundleManifest.Image> sparse = new HashMap<>();

    SparseIndexSink(ImageSink target, List<BundleManifest.Image> images) {
        this.target = target;
        for (BundleManifest.Image i : images) {
            if (i.platforms() != null && BundleManifest.Platforms.SPARSE.equals(i.platforms().index())) {
                sparse.put(Digest.parse(i.digest()), i);
            }
        }
    }

    /** The target itself when no image is sparse. */
    static ImageSink wrap(ImageSink target, List<BundleManifest.Image> images) {
        SparseIndexSink s = new SparseIndexSink(target, images);
        return s.sparse.isEmpty() ? target : s;
    }

    @Override
    public void putManifest(Repo repo, RawManifest manifest) {
        BundleManifest.Image image = sparse.get(manifest.digest());
        try {
            target.putManifest(repo, manifest);
        } catch (AirlockException e) {
            if (image == null || !refusesMissingChildren(e)) {
                throw e;
            }
            BundleManifest.Platforms p = image.platforms();
            throw AirlockException.usage(repo.host() + " refused the sparse index " + manifest.digest() + " of " + image.source() + " ("
                    + p.kept().size() + " of " + p.available().size() + " platforms carried: " + e.getMessage()
                    + "): the registry requires every child of an index; export with --platform-index rewrite, or allow"
                    + " indexes with missing children in the registry's settings — nothing was tagged");
        }
    }

    /**
     * The registry's answer to an index whose children it lacks: 400 {@code MANIFEST_BLOB_UNKNOWN}
     * (distribution 2.x), or {@code MANIFEST_INVALID} / {@code MANIFEST_UNKNOWN} (others). The
     * client reports an unexpected status as a message with the registry's error code in it; retried
     * 5xx and connection failures stay what they are.
     */
    private static boolean refusesMissingChildren(AirlockException e) {
        String m = String.valueOf(e.getMessage());
        return m.contains("MANIFEST_BLOB_UNKNOWN") || m.contains("MANIFEST_INVALID") || m.contains("MANIFEST_UNKNOWN")
                || m.contains("BLOB_UNKNOWN") || m.contains("HTTP 400") || m.contains("HTTP 404");
    }

    @Override
    public boolean hasBlob(Repo repo, Descriptor blob) {
        return target.hasBlob(repo, blob);
    }

    @Override
    public void putBlob(Repo repo, Descriptor blob, BlobReader content, LongConsumer progress) {
        target.putBlob(repo, blob, content, progress);
    }

    @Override
    public boolean mountBlob(Repo into, Descriptor blob, Repo from) {
        return target.mountBlob(into, blob, from);
    }

    @Override
    public boolean hasManifest(Repo repo, RawManifest manifest) {
        return target.hasManifest(repo, manifest);
    }

    @Override
    public boolean tag(Repo repo, String tag, RawManifest manifest) {
        return target.tag(repo, tag, manifest);
    }

    @Override
    public void attachReferrer(Repo repo, Digest subject, RawManifest referrer) {
        target.attachReferrer(repo, subject, referrer);
    }
}
