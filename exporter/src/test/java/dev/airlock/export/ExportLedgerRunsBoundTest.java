package dev.airlock.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.error.AirlockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass M (issue 17): an exporter ledger of format v2 stores a bundle's images as runs of its
 * parent's ({@link LedgerImages}), and a run may name a parent's positions again (a source named twice).
 * A hand-edited (or damaged) ledger of 12 KB whose every bundle takes its parent's images twice doubles
 * them each bundle: reading it (plan, bundle, a scheduled export) ran out of heap with a stack trace
 * instead of a one-line refusal naming the file, as every other ledger that is not one is refused.
 */
class ExportLedgerRunsBoundTest {
    @TempDir
    Path state;

    @Test
    void aLedgerWhoseRunsDoubleTheImagesEachBundle_isRefusedInOneLine_notReadIntoAnOutOfMemoryError() throws Exception {
        StringBuilder b = new StringBuilder("{\"format\":\"" + ExportLedger.FORMAT + "\",\"channel\":\"daily\",\"bundles\":[");
        b.append("{\"sequence\":1,\"digest\":\"sha256:").append(String.format("%064x", 1)).append("\",\"parent\":null,")
                .append("\"file\":\"daily-1.airlock.tar\",\"created\":\"2026-12-07T00:00:00Z\",\"images\":[{\"source\":\"s:1/a:1\",")
                .append("\"digest\":\"sha256:").append("a".repeat(64)).append("\",\"blobs\":[]}],\"carried\":[]}");
        long size = 1;
        for (int s = 2; s <= 27; s++) { // 2^25 images in the last: 64 Mi in all (45 bundles ran out of a 6 GiB heap)
            b.append(",{\"sequence\":").append(s).append(",\"digest\":\"sha256:").append(String.format("%064x", s)).append("\",\"parent\":")
                    .append(s - 1).append(",\"file\":\"daily-").append(s).append(".airlock.tar\",\"created\":\"2026-12-07T00:00:00Z\",")
                    .append("\"imagesFromParent\":[{\"from\":0,\"to\":").append(size - 1).append("},{\"from\":0,\"to\":").append(size - 1)
                    .append("}],\"carried\":[]}");
            size *= 2;
        }
        b.append("],\"head\":27,\"receipts\":[]}");
        Path file = Files.createDirectories(state.resolve("channels")).resolve("daily.json");
        Files.writeString(file, b);
        AirlockException e = assertTimeoutPreemptively(Duration.ofSeconds(30),
                () -> assertThrows(AirlockException.class, () -> ExportLedger.readOnly(state, "daily")));
        assertEquals(AirlockException.Kind.USAGE, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("exporter ledger " + file) && e.getMessage().contains("imagesFromParent"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }
}
