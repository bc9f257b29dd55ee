package dev.airlock.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.RawManifest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The signatures an attachment holds, read as they crossed. {@code blobs} gives a layer's bytes,
 * never null (the caller bounds and digest-checks them: a signature blob is small; it may throw
 * to refuse). Layers that carry no
 * signature (an attestation's, an SBOM's) are not candidates.
 */
public final class Candidates {
    static final String SIGNATURE = "dev.cosignproject.cosign/signature";
    static final String CERTIFICATE = "dev.sigstore.cosign/certificate";
    static final String CHAIN = "dev.sigstore.cosign/chain";
    static final String BUNDLE = "dev.sigstore.cosign/bundle";
    static final String SIMPLE_SIGNING = "application/vnd.dev.cosign.simplesigning.v1+json";
    static final String SIGSTORE_BUNDLE_PREFIX = "application/vnd.dev.sigstore.bundle";
    private static final ObjectMapper JSON = new ObjectMapper();

    private Candidates() {
    }

    /** The signatures in a cosign {@code .sig} manifest (or cosign's OCI 1.1 signature referrer), one per signed layer. */
    public static List<Candidate> fromCosignManifest(String tag, RawManifest sig, Function<Descriptor, byte[]> blobs) {
        List<Candidate> out = new ArrayList<>();
        JsonNode layers = tree(sig).path("layers");
        for (int i = 0; i < layers.size(); i++) {
            JsonNode layer = layers.get(i);
            JsonNode a = layer.path("annotations");
            String signature = a.path(SIGNATURE).asText("");
            if (signature.isEmpty() || !SIMPLE_SIGNING.equals(layer.path("mediaType").asText())) {
                continue; // an attestation keeps its signature in its envelope, an SBOM has none
            }
            byte[] payload = blobs.apply(descriptor(layer, sig.digest() + " layers[" + i + "]"));
            out.add(new LegacySignature((tag != null ? "tag " + tag : "referrer " + sig.digest()) + " layer " + i, payload, signature,
                    a.path(CERTIFICATE).asText(null), a.path(CHAIN).asText(null), a.path(BUNDLE).asText(null)));
        }
        return out;
    }

    /** The Sigstore bundles in a referrer whose layers are {@code application/vnd.dev.sigstore.bundle…+json}. */
    public static List<Candidate> fromBundleReferrer(RawManifest ref, Function<Descriptor, byte[]> blobs) {
        List<Candidate> out = new ArrayList<>();
        JsonNode layers = tree(ref).path("layers");
        for (int i = 0; i < layers.size(); i++) {
            JsonNode layer = layers.get(i);
            if (layer.path("mediaType").asText("").startsWith(SIGSTORE_BUNDLE_PREFIX)) {
                byte[] bytes = blobs.apply(descriptor(layer, ref.digest() + " layers[" + i + "]"));
                out.add(new SigstoreBundle("referrer " + ref.digest() + " layer " + i, bytes));
            }
        }
        return out;
    }

    private static Descriptor descriptor(JsonNode layer, String where) {
        return Descriptor.fromJson(layer, where);
    }

    private static JsonNode tree(RawManifest m) {
        try {
            return JSON.readTree(m.bytesUnsafe());
        } catch (IOException e) {
            return JSON.createObjectNode(); // RawManifest already refused bytes that are not JSON
        }
    }

}
