package dev.airlock.bundle;

import dev.airlock.digest.Digest;

/** Entry names inside a bundle and the bundle file's own name. */
public final class BundleNames {
    public static final String MANIFEST = "airlock/bundle.json";
    public static final String SIGNATURE = "airlock/bundle.json.asc";
    public static final String OCI_LAYOUT = "oci-layout";
    public static final String INDEX = "index.json";
    public static final String REF_NAME = "org.opencontainers.image.ref.name";

    private BundleNames() {
    }

    public static String blobPath(Digest d) {
        return "blobs/" + d.algorithm() + "/" + d.hex();
    }

    /** {@code CHANNEL-NNNNNN.airlock.tar}, sequence zero-padded to six digits. */
    public static String fileName(String channel, long sequence) {
        return String.format("%s-%06d.airlock.tar", channel, sequence);
    }
}
