package dev.airlock.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.error.AirlockException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The optional {@code report} of bundle.json: absent in older bundles, checked when present. */
class BundleManifestReportTest {
    private static final String LAYOUT = "{\"oci-layout\":{\"digest\":\"sha256:" + "a".repeat(64) + "\",\"size\":30},"
            + "\"index.json\":{\"digest\":\"sha256:" + "b".repeat(64) + "\",\"size\":3}}";

    private static byte[] json(String report) {
        return ("{\"format\":\"airlock-bundle/v1\",\"channel\":\"daily\",\"sequence\":1,\"parent\":null,\"created\":\"2026-01-01T00:00:00Z\","
                + "\"tool\":\"t\",\"layout\":" + LAYOUT + ",\"images\":[],\"blobs\":[],\"requires\":[]" + (report == null ? "" : ",\"report\":" + report)
                + "}").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aBundleWithoutReport_parses_andIsWrittenWithoutTheField() {
        BundleManifest m = BundleManifest.parse(json(null));
        assertNull(m.report());
        assertFalse(new String(m.toJson(), StandardCharsets.UTF_8).contains("report"), "bundles written with --no-report keep the old form");
    }

    @Test
    void aReport_roundTrips() {
        BundleManifest m = BundleManifest.parse(json("{\"name\":\"daily-000001.airlock.report.md\",\"sha256\":\"" + "c".repeat(64) + "\"}"));
        assertEquals(new BundleManifest.Report("daily-000001.airlock.report.md", "c".repeat(64)), m.report());
        assertTrue(new String(m.toJson(), StandardCharsets.UTF_8).contains("\"report\""));
        assertEquals(m, BundleManifest.parse(m.toJson()));
    }

    @Test
    void aReportNameThatEscapesTheDirectory_orABadDigest_isRefused() {
        for (String bad : List.of("{\"name\":\"../etc/x.report.md\",\"sha256\":\"" + "c".repeat(64) + "\"}",
                "{\"name\":\".hidden.report.md\",\"sha256\":\"" + "c".repeat(64) + "\"}",
                "{\"name\":\"daily.md\",\"sha256\":\"" + "c".repeat(64) + "\"}",
                "{\"name\":\"daily.report.md\",\"sha256\":\"sha256:" + "c".repeat(64) + "\"}",
                "{\"name\":\"daily.report.md\"}")) {
            AirlockException e = assertThrows(AirlockException.class, () -> BundleManifest.parse(json(bad)), bad);
            assertEquals(AirlockException.Kind.MALFORMED_BUNDLE, e.kind());
            assertTrue(e.getMessage().contains("invalid report"), e.getMessage());
        }
    }
}
