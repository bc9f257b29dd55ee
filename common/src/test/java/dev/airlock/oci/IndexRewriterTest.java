package dev.airlock.oci;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.digest.Digest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Cutting an index to some platforms: which entries stay, and a rewritten index that keeps them byte for byte. */
class IndexRewriterTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static String d(char c) {
        return "sha256:" + String.valueOf(c).repeat(64);
    }

    /**
     * A BuildKit-style index written by hand with odd spacing inside entries (a re-serializing
     * tool would change their bytes): amd64, arm64/v8, arm/v7, and one attestation manifest per image.
     */
    private static final String INDEX = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\n"
            + "\"manifests\":[ {\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\", \"digest\":\"%s\",\"size\":  10,"
            + "\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}},\n"
            + " {\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"%s\",\"size\":11,"
            + "\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\",\"variant\":\"v8\"}},"
            + "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"%s\",\"size\":12,"
            + "\"platform\":{\"architecture\":\"arm\",\"os\":\"linux\",\"variant\":\"v7\"}},"
            + "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"%s\",\"size\":13,"
            + "\"annotations\":{\"vnd.docker.reference.digest\":\"%s\",\"vnd.docker.reference.type\":\"attestation-manifest\"},"
            + "\"platform\":{\"architecture\":\"unknown\",\"os\":\"unknown\"}},"
            + "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"%s\",\"size\":14,"
            + "\"annotations\":{\"vnd.docker.reference.digest\":\"%s\",\"vnd.docker.reference.type\":\"attestation-manifest\"},"
            + "\"platform\":{\"architecture\":\"unknown\",\"os\":\"unknown\"}}  ],\n"
            + "\"annotations\":{\"org.opencontainers.image.created\":\"2026-01-01T00:00:00Z\"}}")
            .formatted(d('a'), d('b'), d('c'), d('d'), d('a'), d('e'), d('b'));

    private static RawManifest index() {
        return RawManifest.of(INDEX.getBytes(StandardCharsets.UTF_8), null, "test");
    }

    private static List<String> digests(List<PlatformIndex.Entry> entries) {
        return entries.stream().map(e -> e.descriptor().digest().toString()).toList();
    }

    @Test
    void choose_keepsMatchingPlatform_andItsAttestation_only() {
        PlatformIndex.Choice c = PlatformIndex.choose(index(), PlatformMatcher.of(List.of("linux/amd64")));
        assertEquals(List.of(d('a'), d('d')), digests(c.kept()));
        assertEquals(List.of(d('b'), d('c'), d('e')), digests(c.leftOut()));
        assertEquals(List.of("linux/amd64", "linux/arm64/v8", "linux/arm/v7"), c.available());
        assertEquals(List.of("linux/amd64"), c.chosen());
        assertEquals("1 of 3 platforms", PlatformIndex.count(c));
    }

    @Test
    void choose_everyPlatform_keepsAll_noneOfThem_keepsNone() {
        assertTrue(PlatformIndex.choose(index(), PlatformMatcher.of(List.of("linux/amd64", "linux/arm64", "linux/arm/v7"))).keepsAll());
        PlatformIndex.Choice none = PlatformIndex.choose(index(), PlatformMatcher.of(List.of("linux/arm/v6", "linux/s390x")));
        assertTrue(none.keepsNone());
    }

    @Test
    void rewrite_keepsEachEntryByteIdentical_annotationsKept_sourceNamed() throws Exception {
        RawManifest source = index();
        PlatformIndex.Choice c = PlatformIndex.choose(source, PlatformMatcher.of(List.of("linux/arm64/v8")));
        RawManifest cut = IndexRewriter.rewrite(source, c.kept());
        assertNotEquals(source.digest(), cut.digest());
        assertEquals(source.mediaType(), cut.mediaType());
        List<PlatformIndex.Entry> after = PlatformIndex.entries(cut);
        assertEquals(2, after.size());
        for (int i = 0; i < after.size(); i++) {
            assertArrayEquals(c.kept().get(i).json(), after.get(i).json(), "entry " + i + " changed its bytes");
        }
        // the entry's own odd spacing survives, as it stood in the source
        String text = new String(cut.bytesUnsafe(), StandardCharsets.UTF_8);
        assertTrue(text.contains("{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + d('b') + "\",\"size\":11,"), text);
        JsonNode root = JSON.readTree(cut.bytesUnsafe());
        assertEquals("2026-01-01T00:00:00Z", root.path("annotations").path("org.opencontainers.image.created").asText());
        assertEquals(source.digest().toString(), root.path("annotations").path(PlatformIndex.SOURCE_INDEX).asText());
        assertEquals(2, root.path("schemaVersion").asInt());
        assertEquals(List.of(Digest.parse(d('b')), Digest.parse(d('e'))), cut.children().stream().map(Descriptor::digest).toList());
    }

    @Test
    void rewrite_dockerListWithoutAnnotations_getsTheSourceAnnotation() throws Exception {
        String list = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.list.v2+json\",\"manifests\":["
                + "{\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\",\"digest\":\"%s\",\"size\":5,"
                + "\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}},"
                + "{\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\",\"digest\":\"%s\",\"size\":6,"
                + "\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\",\"variant\":\"v8\"}}]}").formatted(d('a'), d('b'));
        RawManifest source = RawManifest.of(list.getBytes(StandardCharsets.UTF_8), null, "test");
        RawManifest cut = IndexRewriter.rewrite(source, PlatformIndex.choose(source, PlatformMatcher.of(List.of("linux/amd64"))).kept());
        assertEquals(MediaTypes.DOCKER_LIST, cut.mediaType());
        assertEquals(List.of(Digest.parse(d('a'))), cut.children().stream().map(Descriptor::digest).toList());
        assertEquals(source.digest().toString(), JSON.readTree(cut.bytesUnsafe()).path("annotations").path(PlatformIndex.SOURCE_INDEX).asText());
    }
}
