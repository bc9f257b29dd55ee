package dev.airlock.oci;

import dev.airlock.digest.Digest;
import java.util.Map;

/**
 * One entry of a referrers list (OCI distribution 1.1): a manifest whose {@code subject} names
 * another manifest, as the referrers API or the referrers tag schema's index describes it.
 * {@code artifactType} is the manifest's {@code artifactType}, else its config's media type (the
 * spec's rule); {@code annotations} are the manifest's own (never null).
 */
public record Referrer(String mediaType, Digest digest, long size, String artifactType, Map<String, String> annotations) {
    public Referrer {
        annotations = annotations == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(annotations));
    }

    /** The tag under which the referrers tag schema keeps the index for {@code subject}: {@code sha256-<hex>}. */
    public static String fallbackTag(Digest subject) {
        return subject.toString().replace(':', '-');
    }
}
