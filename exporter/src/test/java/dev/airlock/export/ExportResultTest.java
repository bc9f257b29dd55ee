package dev.airlock.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.airlock.bundle.BundleManifest;
import dev.airlock.digest.Digest;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The order a transport delivers a bundle's files in: the report before the file whose arrival completes the bundle. */
class ExportResultTest {
    private static BundleManifest manifest(BundleManifest.Report report) {
        return new BundleManifest(BundleManifest.FORMAT, "daily", 1, null, "2026-01-01T00:00:00Z", "test", null, List.of(), List.of(),
                List.of(), report);
    }

    private static final BundleManifest.Report REPORT = new BundleManifest.Report("daily-000001.airlock.report.md", "0".repeat(64));
    private static final Digest D = Digest.sha256Of(new byte[0]);

    @Test
    void singleFile_reportThenBundle() {
        Path out = Path.of("/out");
        ExportResult r = new ExportResult(out.resolve("daily-000001.airlock.tar"), D, manifest(REPORT), 1, List.of(), List.of(), null);
        assertEquals(List.of(out.resolve("daily-000001.airlock.report.md"), out.resolve("daily-000001.airlock.tar")), r.files());
    }

    @Test
    void volumes_thenListSignature_thenReport_thenListLast() {
        Path out = Path.of("/out");
        List<Path> volumes = List.of(out.resolve("daily-000001.airlock.tar.000"), out.resolve("daily-000001.airlock.tar.001"));
        ExportResult r = new ExportResult(out.resolve("daily-000001.airlock.volumes.json"), D, manifest(REPORT), 1, List.of(), volumes, null);
        assertEquals(List.of(volumes.get(0), volumes.get(1), out.resolve("daily-000001.airlock.volumes.json.asc"),
                out.resolve("daily-000001.airlock.report.md"), out.resolve("daily-000001.airlock.volumes.json")), r.files());
    }

    @Test
    void noReport_theBundleAlone() {
        ExportResult r = new ExportResult(Path.of("/out/daily-000001.airlock.tar"), D, manifest(null), 1, List.of(), List.of(), null);
        assertEquals(List.of(Path.of("/out/daily-000001.airlock.tar")), r.files());
        assertNull(r.report());
    }
}
