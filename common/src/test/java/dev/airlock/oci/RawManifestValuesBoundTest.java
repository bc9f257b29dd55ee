package dev.airlock.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.error.AirlockException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Red-team pass H: a manifest from an upstream registry is bounded to 4 MiB and then read into a
 * Jackson tree; 4 MiB of {@code {"layers":[{},{},…]}} is 1.4 million ObjectNodes, 114 MiB of the
 * exporter's 192 MiB heap for one manifest, while planning resolves 8 to 16 images at once. No real
 * manifest comes near the bound on values (Docker allows 127 layers; a large index has hundreds of
 * entries), so it is refused before a tree is built, naming it, as a manifest that is not valid.
 */
class RawManifestValuesBoundTest {
    @Test
    void of_aManifestOfMillionsOfEmptyObjects_isRefusedAsMalformed_beforeATreeIsBuilt() {
        StringBuilder s = new StringBuilder("{\"layers\":[{}");
        while (s.length() < RawManifest.MAX_SIZE - 10) {
            s.append(",{}");
        }
        byte[] bytes = s.append("]}").toString().getBytes(StandardCharsets.US_ASCII);
        AirlockException e = assertThrows(AirlockException.class, () -> RawManifest.of(bytes, null, "r/x@sha256:…"));
        assertEquals(AirlockException.Kind.MALFORMED_BUNDLE, e.kind(), e.getMessage());
        assertTrue(e.getMessage().startsWith("r/x@sha256:…: manifest ") && e.getMessage().contains("values"), e.getMessage());
    }

    @Test
    void of_aRealSizedIndex_isRead() {
        StringBuilder s = new StringBuilder("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":[");
        for (int i = 0; i < 2000; i++) {
            s.append(i == 0 ? "" : ",").append("{\"mediaType\":\"").append(MediaTypes.OCI_MANIFEST).append("\",\"size\":1,\"digest\":\"sha256:")
                    .append(String.format("%064d", i)).append("\",\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"},")
                    .append("\"annotations\":{\"a\":\"b\"}}");
        }
        RawManifest m = RawManifest.of(s.append("]}").toString().getBytes(StandardCharsets.US_ASCII), null, "r/x:1");
        assertEquals(MediaTypes.OCI_INDEX, m.mediaType());
    }
}
