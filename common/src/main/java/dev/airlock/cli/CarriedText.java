package dev.airlock.cli;

import dev.airlock.bundle.BlobCount;
import dev.airlock.bundle.BundleManifest;

/** What a bundle carries, as bundle, verify and import print it on their "carries" line (counted as {@link BlobCount} counts). */
public final class CarriedText {
    private CarriedText() {
    }

    /** "9 blobs, 1.8 MiB (config and layers) and 5 manifests". */
    public static String of(BundleManifest m) {
        BlobCount count = BlobCount.of(m);
        return count.blobs() + (count.blobs() == 1 ? " blob, " : " blobs, ") + Units.bytes(count.blobBytes()) + " (config and layers) and "
                + count.manifests() + (count.manifests() == 1 ? " manifest" : " manifests");
    }
}
