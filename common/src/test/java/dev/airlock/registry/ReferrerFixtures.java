package dev.airlock.registry;

import dev.airlock.digest.Digest;
import dev.airlock.io.BlobContent;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.RawManifest;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;

/** Referrers made by hand for tests: OCI 1.1 artifact manifests whose {@code subject} names an image. */
final class ReferrerFixtures {
    static final String EMPTY_TYPE = "application/vnd.oci.empty.v1+json";
    static final byte[] EMPTY = "{}".getBytes(StandardCharsets.UTF_8);
    static final String SBOM_TYPE = "application/spdx+json";

    private ReferrerFixtures() {
    }

    /**
     * Pushes (by digest) an SBOM-like artifact attached to {@code subject}: empty config, one layer
     * whose bytes are {@code label}, {@code artifactType} {@link #SBOM_TYPE} and an annotation.
     */
    static RawManifest pushReferrer(RegistryClient.Repository repo, RawManifest subject, String label) {
        byte[] layer = ("{\"spdxVersion\":\"SPDX-2.3\",\"name\":\"" + label + "\"}").getBytes(StandardCharsets.UTF_8);
        repo.pushBlob(Digest.sha256Of(EMPTY), EMPTY.length, content(EMPTY), 0);
        repo.pushBlob(Digest.sha256Of(layer), layer.length, content(layer), 0);
        RawManifest m = referrer(subject, label, layer);
        repo.putManifest(m.digest().toString(), m);
        return m;
    }

    static RawManifest referrer(RawManifest subject, String label, byte[] layer) {
        String json = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"artifactType\":\"" + SBOM_TYPE + "\","
                + "\"config\":{\"mediaType\":\"" + EMPTY_TYPE + "\",\"digest\":\"" + Digest.sha256Of(EMPTY) + "\",\"size\":2},"
                + "\"layers\":[{\"mediaType\":\"" + SBOM_TYPE + "\",\"digest\":\"" + Digest.sha256Of(layer) + "\",\"size\":"
                + layer.length + "}],"
                + "\"subject\":{\"mediaType\":\"" + subject.mediaType() + "\",\"digest\":\"" + subject.digest() + "\",\"size\":"
                + subject.size() + "},"
                + "\"annotations\":{\"org.example.label\":\"" + label + "\"}}";
        return RawManifest.of(json.getBytes(StandardCharsets.UTF_8), null, "test referrer " + label);
    }

    static BlobContent content(byte[] b) {
        return offset -> new ByteArrayInputStream(b, (int) offset, b.length - (int) offset);
    }
}
