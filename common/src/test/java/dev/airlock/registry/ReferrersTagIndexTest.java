package dev.airlock.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.airlock.digest.Digest;
import dev.airlock.error.AirlockException;
import dev.airlock.oci.Referrer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Our entry is spliced into the index's own bytes: everything else stays byte for byte. */
class ReferrersTagIndexTest {
    private static final Digest D = Digest.sha256Of("x".getBytes(StandardCharsets.UTF_8));
    private static final Referrer ENTRY = new Referrer("application/vnd.oci.image.manifest.v1+json", D, 7, "application/spdx+json",
            Map.of("k", "v"));
    private static final String OURS = "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + D
            + "\",\"size\":7,\"artifactType\":\"application/spdx+json\",\"annotations\":{\"k\":\"v\"}}";

    @Test
    void withEntry_intoAnEmptyArrayWithSpaces_addsNoComma() {
        assertEquals("{\"manifests\": [ \n" + OURS + "], \"z\": 1}", splice("{\"manifests\": [ \n], \"z\": 1}"));
    }

    @Test
    void withEntry_afterOtherEntries_keepsThemAndEverythingAfterTheArray() {
        String other = "{\"digest\":\"sha256:" + "a".repeat(64) + "\", \"x-unknown\": [1, 2.50, {\"]\": \"[\"}]}";
        assertEquals("{\"a\":{\"manifests\":[]},\"manifests\":[" + other + "," + OURS + "]\n,\"x\":\"]\"}",
                splice("{\"a\":{\"manifests\":[]},\"manifests\":[" + other + "]\n,\"x\":\"]\"}"));
    }

    @Test
    void withEntry_withoutAManifestsArray_isRefused() {
        AirlockException e = assertThrows(AirlockException.class, () -> splice("{\"manifests\":null}"));
        assertEquals(AirlockException.Kind.MALFORMED_BUNDLE, e.kind());
    }

    private static String splice(String index) {
        return new String(ReferrersTagIndex.withEntry(index.getBytes(StandardCharsets.UTF_8), ENTRY, "test index"), StandardCharsets.UTF_8);
    }
}
