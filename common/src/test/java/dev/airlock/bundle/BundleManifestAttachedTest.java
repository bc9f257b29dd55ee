package dev.airlock.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.error.AirlockException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Format v1.1's {@code attached} under an image: v1 bundles keep their exact form, and what a v1.1 bundle may ask is bounded. */
class BundleManifestAttachedTest {
    private static final String IMAGE = "sha256:" + "1".repeat(64);
    private static final String SIG = "sha256:" + "2".repeat(64);
    private static final String LAYOUT = "{\"oci-layout\":{\"digest\":\"sha256:" + "a".repeat(64) + "\",\"size\":30},"
            + "\"index.json\":{\"digest\":\"sha256:" + "b".repeat(64) + "\",\"size\":3}}";
    private static final String OCI = "application/vnd.oci.image.manifest.v1+json";

    private static byte[] json(String format, String attached) {
        return ("{\"format\":\"" + format + "\",\"channel\":\"daily\",\"sequence\":1,\"parent\":null,\"created\":\"2026-01-01T00:00:00Z\","
                + "\"tool\":\"t\",\"layout\":" + LAYOUT + ",\"images\":[{\"source\":\"src:5000/app:1\",\"registry\":\"src:5000\","
                + "\"repository\":\"app\",\"tag\":\"1\",\"digest\":\"" + IMAGE + "\",\"mediaType\":\"" + OCI + "\""
                + (attached == null ? "" : ",\"attached\":[" + attached + "]") + "}],"
                + "\"blobs\":[{\"digest\":\"" + IMAGE + "\",\"size\":10,\"mediaType\":\"" + OCI + "\"},"
                + "{\"digest\":\"" + SIG + "\",\"size\":10,\"mediaType\":\"" + OCI + "\"}],\"requires\":[]}").getBytes(StandardCharsets.UTF_8);
    }

    private static String attachment(String subject, String tag, boolean referrer, String kind) {
        return "{\"subject\":\"" + subject + "\",\"digest\":\"" + SIG + "\",\"mediaType\":\"" + OCI + "\""
                + (tag == null ? "" : ",\"tag\":\"" + tag + "\"") + ",\"referrer\":" + referrer + ",\"kind\":\"" + kind + "\"}";
    }

    private static final String SIG_TAG = "sha256-" + "1".repeat(64) + ".sig";

    @Test
    void aV1Bundle_parses_andIsWrittenWithoutAnyAttachedField() {
        BundleManifest m = BundleManifest.parse(json(BundleManifest.FORMAT, null));
        assertEquals(List.of(), m.images().get(0).attached());
        assertFalse(new String(m.toJson(), StandardCharsets.UTF_8).contains("attached"), "images without attachments keep the v1 form");
    }

    @Test
    void aV11Bundle_roundTrips() {
        BundleManifest m = BundleManifest.parse(json(BundleManifest.FORMAT_ATTACHED, attachment(IMAGE, SIG_TAG, false, "signature")));
        BundleManifest.Attachment a = m.images().get(0).attached().get(0);
        assertEquals(new BundleManifest.Attachment(IMAGE, SIG, OCI, null, SIG_TAG, false, "signature", null), a);
        assertEquals(m, BundleManifest.parse(m.toJson()));
    }

    @Test
    void anUnknownFormat_isRefused_namingItAndWhatThisSideReads() {
        AirlockException e = assertThrows(AirlockException.class, () -> BundleManifest.parse(json("airlock-bundle/v1.2", null)));
        assertEquals(AirlockException.Kind.MALFORMED_BUNDLE, e.kind());
        assertTrue(e.getMessage().contains("'airlock-bundle/v1.2'") && e.getMessage().contains("airlock-bundle/v1.1")
                && e.getMessage().contains("upgrade"), e.getMessage());
    }

    @Test
    void attachmentsInAV1Bundle_areRefused() {
        AirlockException e = assertThrows(AirlockException.class,
                () -> BundleManifest.parse(json(BundleManifest.FORMAT, attachment(IMAGE, SIG_TAG, false, "signature"))));
        assertTrue(e.getMessage().contains("lists attachments in a airlock-bundle/v1 bundle"), e.getMessage());
    }

    @Test
    void anAttachmentCannotMoveAnyOtherTag_norNameWhatTheBundleDoesNotCarry() {
        for (String bad : List.of(
                attachment(IMAGE, "latest", false, "signature"),
                attachment(IMAGE, "sha256-" + "3".repeat(64) + ".sig", false, "signature"),
                attachment(IMAGE, SIG_TAG + "x", false, "signature"),
                attachment(IMAGE, null, false, "signature"),
                attachment(IMAGE, SIG_TAG, false, "virus"),
                attachment("sha256:nothex", SIG_TAG, false, "signature"),
                attachment(IMAGE, SIG_TAG, false, "signature").replace(SIG, "sha256:" + "4".repeat(64)))) {
            AirlockException e = assertThrows(AirlockException.class,
                    () -> BundleManifest.parse(json(BundleManifest.FORMAT_ATTACHED, bad)), bad);
            assertEquals(AirlockException.Kind.MALFORMED_BUNDLE, e.kind(), bad);
        }
    }

    private static byte[] withUpstream(String format, String upstream) {
        String json = new String(json(format, null), StandardCharsets.UTF_8);
        return json.replace("\"mediaType\":\"" + OCI + "\"}],\"blobs\"", "\"mediaType\":\"" + OCI + "\",\"upstream\":" + upstream + "}],\"blobs\"")
                .getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void upstream_roundTrips_andIsShownInOneLine() {
        String u = "{\"rule\":\"src:5000/**\",\"require\":\"signed\",\"verified\":[{\"manifest\":\"" + IMAGE + "\",\"kind\":\"key\","
                + "\"key\":\"" + "ab".repeat(32) + "\",\"signature\":\"tag sha256-x.sig layer 0\"}]}";
        BundleManifest m = BundleManifest.parse(withUpstream(BundleManifest.FORMAT_ATTACHED, u));
        assertEquals("src:5000/**", m.images().get(0).upstream().rule());
        assertEquals(m, BundleManifest.parse(m.toJson()));
        assertEquals("cosign key abababab…ababab (rule src:5000/**)", dev.airlock.report.UpstreamSummary.of(m.images().get(0).upstream()));
    }

    @Test
    void upstream_inAV1Bundle_orMalformed_isRefused() {
        String ok = "{\"rule\":\"**\",\"require\":\"none\"}";
        assertThrows(AirlockException.class, () -> BundleManifest.parse(withUpstream(BundleManifest.FORMAT, ok)));
        for (String bad : List.of("{\"rule\":\"**\",\"require\":\"maybe\"}", "{\"require\":\"none\"}",
                "{\"rule\":\"**\",\"require\":\"signed\",\"verified\":[{\"manifest\":\"nope\",\"kind\":\"key\"}]}",
                "{\"rule\":\"**\",\"require\":\"signed\",\"verified\":[{\"manifest\":\"" + IMAGE + "\",\"kind\":\"trust-me\"}]}")) {
            AirlockException e = assertThrows(AirlockException.class,
                    () -> BundleManifest.parse(withUpstream(BundleManifest.FORMAT_ATTACHED, bad)), bad);
            assertEquals(AirlockException.Kind.MALFORMED_BUNDLE, e.kind());
        }
        assertEquals("not required (rule **)", dev.airlock.report.UpstreamSummary.of(
                BundleManifest.parse(withUpstream(BundleManifest.FORMAT_ATTACHED, ok)).images().get(0).upstream()));
    }
}
