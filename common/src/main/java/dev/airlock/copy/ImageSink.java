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
     * Points {@code tag} at {@code manifest}, which was not in {@code repo} before this copy (so the
     * tag cannot already point there and need not be read first). Default: {@link #tag}.
     */
    default boolean tagNew(Repo repo, String tag, RawManifest manifest) {
        return tag(repo, tag, manifest);
    }

    /** What a sink can say about an image before a copy, in one check of its top manifest. */
    enum Presence {
        /** The top manifest is there by digest, so is everything it names: the sink refused it otherwise. */
        WHOLE,
        /** The top manifest is not there: its blobs and manifests are most likely new, and are written without asking first. */
        ABSENT,
        /** Not asked (the sink's checks cost nothing, or it cannot say): every blob and manifest is checked on its own. */
        UNKNOWN
    }

    /**
     * Whether the image whose top manifest is {@code top} is already in {@code repo}, for sinks
     * where every check is a request: one check per image then stands for one per blob, manifest
     * and tag. Only a sink that refuses a manifest whose blobs or child manifests it does not hold
     * (a registry does: {@code MANIFEST_BLOB_UNKNOWN}) may answer {@link Presence#WHOLE}. Default:
     * {@link Presence#UNKNOWN}.
     */
    default Presence imagePresence(Repo repo, RawManifest top) {
        return Presence.UNKNOWN;
    }

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
