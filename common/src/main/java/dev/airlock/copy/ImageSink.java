package dev.airlock.copy;

import dev.airlock.digest.Digest;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.RawManifest;
import java.util.function.LongConsumer;

/**
 * Where images are written: a registry, a bundle file. Knows its medium, never the order: the
 * {@link CopyEngine} calls it blobs first, then manifests by digest (children before the indexes
 * that name them), then tags last, and only tags an image once all of it is in place.
 * Implementations are thread-safe (blobs and manifests arrive in parallel).
 */
public interface ImageSink {
    boolean hasBlob(Repo repo, Descriptor blob);

    /** Writes a blob from {@code content}, reporting bytes to {@code progress} as they go (or all at the end). */
    void putBlob(Repo repo, Descriptor blob, BlobReader content, LongConsumer progress);

    /** Links a blob that {@code from} (same sink) already holds into {@code into}; false if it cannot. */
    default boolean mountBlob(Repo into, Descriptor blob, Repo from) {
        return false;
    }

    boolean hasManifest(Repo repo, RawManifest manifest);

    /** Writes a manifest under its digest (never under a tag). */
    void putManifest(Repo repo, RawManifest manifest);

    /** Points {@code tag} at {@code manifest}; true if the tag moved, false if it already pointed there. */
    boolean tag(Repo repo, String tag, RawManifest manifest);

    /**
     * Makes {@code referrer} (already put by digest, its {@code subject} naming {@code subject})
     * findable as a referrer of {@code subject} in {@code repo}: nothing to do where the sink's
     * referrers API lists it; otherwise the sink keeps the referrers tag schema's index at
     * {@code sha256-<hex>} (read, add what is missing, keep what others put there, write back).
     * Called after every manifest is in place and before any image tag. Default: nothing (a bundle
     * lists referrers in its bundle.json).
     */
    default void attachReferrer(Repo repo, Digest subject, RawManifest referrer) {
    }
}
