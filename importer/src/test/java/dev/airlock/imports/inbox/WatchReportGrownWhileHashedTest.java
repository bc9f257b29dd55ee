package dev.airlock.imports.inbox;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.bundle.BundleManifest;
import dev.airlock.report.ReportFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass X (issue 17, R1): a stranger's file under a real bundle's report name
 * ({@code NAME.report.md}, predictable), of the bound's size (16 MiB, sparse) when the watcher's import checks its size
 * against the bound for a report, made a sparse file of terabytes (one ftruncate, no disk) once the
 * import opens it to hash it (the import checks the report beside an inbox bundle,
 * {@code ReportBeside.MUST_MATCH}), was hashed to its end: hours of reading zeros per try, the
 * import, the watcher and every channel behind it held meanwhile. As W's R5 for a volume.
 */
class WatchReportGrownWhileHashedTest {
    private static final String LAYOUT = "{\"oci-layout\":{\"digest\":\"sha256:" + "a".repeat(64) + "\",\"size\":30},"
            + "\"index.json\":{\"digest\":\"sha256:" + "b".repeat(64) + "\",\"size\":3}}";

    @TempDir
    Path root;

    @Test
    void theReportCheckOfAReportGrownToTerabytesWhileHashed_returns() throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        String report = "daily-000001.airlock.report.md";
        BundleManifest m = BundleManifest.parse(("{\"format\":\"airlock-bundle/v1\",\"channel\":\"daily\",\"sequence\":1,\"parent\":null,"
                + "\"created\":\"2026-01-01T00:00:00Z\",\"tool\":\"t\",\"layout\":" + LAYOUT + ",\"images\":[],\"blobs\":[],\"requires\":[],"
                + "\"report\":{\"name\":\"" + report + "\",\"sha256\":\"" + "c".repeat(64) + "\"}}").getBytes(StandardCharsets.UTF_8));
        Path bundle = Files.write(inbox.resolve("daily-000001.airlock.tar"), new byte[] {1});
        Path his = Files.write(inbox.resolve(report), "a stranger's report".getBytes(StandardCharsets.UTF_8));
        StrangersLoop.truncate(his, ReportFile.MAX_SIZE); // at the bound: hashed for a few ms, time enough to see it opened
        CountDownLatch done = StrangersLoop.inBackground("report check", () -> ReportFile.check(m, bundle));
        StrangersLoop.awaitOpen(his, "the report check"); // the size is checked, the hashing has begun
        StrangersLoop.truncate(his, 4L << 40); // 4 TiB, sparse
        boolean returned = done.await(60, TimeUnit.SECONDS);
        StrangersLoop.truncate(his, 0); // let it go
        assertTrue(returned, "the report check hashes a report grown to 4 TiB after its size was checked, to its end");
    }
}
