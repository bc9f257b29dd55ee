package dev.airlock.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Locale;
import java.util.Set;

/**
 * What an attachment is, for people and for {@code --attached signatures}: a signature, an
 * attestation (with its predicate type), an SBOM (with its format) or something else (with its
 * artifact type). Read from how it was found (the cosign tag suffix) and its own manifest, never
 * from anything else; unknown shapes are {@link Type#OTHER}, never dropped.
 */
public record AttachmentKind(Type type, String detail) {
    public enum Type {
        SIGNATURE, ATTESTATION, SBOM, OTHER;

        public String word() {
            return this == SBOM ? "SBOM" : name().toLowerCase(Locale.ROOT);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    /** cosign (referrers mode), Notary v2. Sigstore bundles are read from their predicate type. */
    private static final Set<String> SIGNATURE_TYPES = Set.of("application/vnd.dev.cosign.artifact.sig.v1+json",
            "application/vnd.dev.cosign.simplesigning.v1+json", "application/vnd.cncf.notary.signature");
    /** The predicate type cosign 3 gives a plain signature kept as a Sigstore bundle. */
    private static final String COSIGN_SIGN_PREDICATE = "https://sigstore.dev/cosign/sign/v1";
    private static final Set<String> ATTESTATION_TYPES = Set.of("application/vnd.in-toto+json",
            "application/vnd.dsse.envelope.v1+json", "application/vnd.dev.cosign.artifact.att.v1+json");

    /**
     * @param tag the legacy tag it was found under, or null
     * @param manifest its manifest
     */
    public static AttachmentKind of(String tag, RawManifest manifest) {
        JsonNode node = parse(manifest);
        JsonNode layer = node.path("layers").path(0);
        String layerType = layer.path("mediaType").asText("");
        String predicate = firstText(node.path("annotations"), layer.path("annotations"), "predicateType",
                "dev.sigstore.bundle.predicateType", "in-toto.io/predicate-type");
        if (tag != null && tag.endsWith(".sig")) {
            return new AttachmentKind(Type.SIGNATURE, "cosign");
        }
        if (tag != null && tag.endsWith(".att")) {
            return new AttachmentKind(Type.ATTESTATION, predicate);
        }
        if (tag != null && tag.endsWith(".sbom")) {
            return new AttachmentKind(Type.SBOM, sbomFormat(layerType));
        }
        String artifact = manifest.isIndex() ? node.path("artifactType").asText(null) : manifest.artifactType();
        String type = artifact == null ? "" : artifact.toLowerCase(Locale.ROOT);
        if (SIGNATURE_TYPES.contains(type)) {
            return new AttachmentKind(Type.SIGNATURE, type.contains("notary") ? "notation" : "cosign");
        }
        if (type.startsWith("application/vnd.dev.sigstore.bundle")) {
            return predicate == null || predicate.equals(COSIGN_SIGN_PREDICATE) ? new AttachmentKind(Type.SIGNATURE, "sigstore bundle")
                    : new AttachmentKind(Type.ATTESTATION, predicate);
        }
        if (ATTESTATION_TYPES.contains(type)) {
            return new AttachmentKind(Type.ATTESTATION, predicate);
        }
        if (type.contains("spdx") || type.contains("cyclonedx") || type.contains("syft")) {
            return new AttachmentKind(Type.SBOM, sbomFormat(artifact));
        }
        return new AttachmentKind(Type.OTHER, artifact);
    }

    /** {@code text/spdx+json} → {@code spdx+json}; {@code application/vnd.cyclonedx+json} → {@code cyclonedx+json}. */
    private static String sbomFormat(String mediaType) {
        if (mediaType == null || mediaType.isEmpty()) {
            return null;
        }
        String sub = mediaType.substring(mediaType.indexOf('/') + 1);
        return sub.startsWith("vnd.") ? sub.substring(4) : sub;
    }

    private static String firstText(JsonNode a, JsonNode b, String... keys) {
        for (JsonNode n : new JsonNode[] {a, b}) {
            for (String k : keys) {
                if (n.path(k).isTextual()) {
                    return n.path(k).asText();
                }
            }
        }
        return null;
    }

    private static JsonNode parse(RawManifest m) {
        try {
            return JSON.readTree(m.bytesUnsafe());
        } catch (IOException e) {
            return JSON.createObjectNode(); // RawManifest already refused bytes that are not JSON
        }
    }
}
