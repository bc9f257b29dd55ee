package dev.airlock.bundle;

import dev.airlock.oci.MediaTypes;
import java.util.Collection;

/**
 * What a bundle carries, counted the one way every output counts it ({@code plan}, {@code bundle}
 * and its progress line, {@code verify}, {@code list}, {@code import}, {@code diff}, the approver
 * report, and the {@code blobs} object of their --json): <b>blobs</b> are the config and layer
 * blobs (each digest once; an attachment's config and layers included), the unit a registry
 * stores and a transfer moves. Manifests and indexes, which bundle.json lists among its blobs
 * too, are counted apart as <b>manifests</b>.
 */
public record BlobCount(int blobs, long blobBytes, int manifests, long manifestBytes) {

    /** Counts bundle.json's {@code blobs} list (or a plan of it). */
    public static BlobCount of(Collection<BundleManifest.Blob> carried) {
        int blobs = 0;
        int manifests = 0;
        long blobBytes = 0;
        long manifestBytes = 0;
        for (BundleManifest.Blob b : carried) {
            if (isManifest(b)) {
                manifests++;
                manifestBytes += b.size();
            } else {
                blobs++;
                blobBytes += b.size();
            }
        }
        return new BlobCount(blobs, blobBytes, manifests, manifestBytes);
    }

    public static BlobCount of(BundleManifest m) {
        return of(m.blobs());
    }

    /** A manifest or an index, which bundle.json lists among its blobs with its media type. */
    public static boolean isManifest(BundleManifest.Blob b) {
        return b.mediaType() != null && MediaTypes.isManifest(b.mediaType());
    }
}
