package dev.airlock.imports.inbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A bundle's report NAME.report.md in the inbox: moved with its bundle, never taken for a bundle, never complained about. */
class InboxScanReportTest {
    @TempDir
    Path inbox;

    private Path file(String name) throws IOException {
        Path p = Files.writeString(inbox.resolve(name), name);
        Files.setLastModifiedTime(p, FileTime.from(Instant.now().minusSeconds(60)));
        return p;
    }

    @Test
    void aReportAlone_isNeitherACandidateNorIgnoredAloud() throws IOException {
        file("daily-000001.airlock.report.md");
        InboxScan.Result r = new InboxScan(inbox, Duration.ofMillis(10)).scan();
        assertEquals(List.of(), r.candidates());
        assertEquals(List.of(), r.ignored(), "a report that arrived before its bundle is not an unknown file");
    }

    @Test
    void aReportBesideItsBundle_goesWithIt_andASettlingReportHoldsTheBundle() throws IOException {
        Path bundle = file("daily-000001.airlock.tar");
        Path report = file("daily-000001.airlock.report.md");
        InboxScan scan = new InboxScan(inbox, Duration.ofSeconds(30));
        InboxScan.Candidate c = scan.scan().candidates().get(0);
        assertEquals("daily-000001.airlock.tar", c.key());
        assertEquals(List.of(bundle, report), c.files());
        assertEquals(InboxScan.State.READY, c.state());

        Files.writeString(report, "still being copied"); // modified just now
        InboxScan.Candidate settling = new InboxScan(inbox, Duration.ofSeconds(30)).scan().candidates().get(0);
        assertEquals(InboxScan.State.SETTLING, settling.state());
        assertEquals("daily-000001.airlock.report.md is still being written", settling.note());
    }

    @Test
    void aVolumeSetsReport_goesWithTheSet() throws IOException {
        file("daily-000002.airlock.volumes.json");
        file("daily-000002.airlock.volumes.json.asc");
        Path report = file("daily-000002.airlock.report.md");
        InboxScan.Candidate c = new InboxScan(inbox, Duration.ofMillis(10)).scan().candidates().get(0);
        assertEquals("daily-000002.airlock.volumes.json", c.key());
        assertTrue(c.files().contains(report), c.files().toString());
    }
}
