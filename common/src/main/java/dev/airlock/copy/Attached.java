package dev.airlock.copy;

import dev.airlock.digest.Digest;
import dev.airlock.oci.AttachmentKind;
import dev.airlock.oci.ImageTree;

/**
 * Something attached to a manifest of an image: a cosign signature, attestation or SBOM found under
 * its legacy tag ({@code sha256-<hex>.sig}, {@code .att}, {@code .sbom}), or an OCI 1.1 referrer
 * (a manifest whose {@code subject} names {@code subject}), or both. Its {@code tree} is copied like
 * any image; the engine puts it after its subject and before the image's own tag.
 *
 * @param subject the manifest it attaches to: the image's top manifest, a child of its index, or
 *     another attachment
 * @param tag the legacy tag it was found under (kept by name at the target), or null
 * @param referrer whether it was found as a referrer (then the target must list it as one)
 * @param kind what it is, for people (signature, attestation, SBOM, other) and for {@code --attached signatures}
 */
public record Attached(Digest subject, ImageTree tree, String tag, boolean referrer, AttachmentKind kind) {
    public Digest digest() {
        return tree.top().digest();
    }
}
