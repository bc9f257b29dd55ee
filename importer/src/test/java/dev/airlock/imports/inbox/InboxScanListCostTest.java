package dev.airlock.imports.inbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.bundle.VolumeList;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass I: a volume list waits in the inbox for as long as its volumes are missing (by
 * design: senders write the list last, and a set may take days). Every scan read and parsed every
 * waiting list again, however often it had seen it unchanged: a valid list of 50,000 volumes is
 * 15 MB and some 150 ms of CPU, so 1 GB of such lists from a sender (within any byte quota) made
 * each scan ~10 s. The watcher scans again after every import and on every file arriving
 * (inotify), so anyone who can send kept a core busy for good and delayed every real bundle.
 * A list unchanged since the last scan (same stamp: size, mtime, inode) is not read again.
 */
class InboxScanListCostTest {
    @TempDir
    Path inbox;

    @Test
    void waitingVolumeLists_unchanged_areNotParsedAgainOnEveryScan() throws Exception {
        int n = VolumeList.MAX_VOLUMES;
        for (int k = 0; k < 4; k++) {
            String bundle = "b" + k + "-" + "x".repeat(190) + ".tar";
            StringBuilder s = new StringBuilder("{\"format\":\"airlock-volumes/v1\",\"channel\":\"c\",\"sequence\":1,\"bundle\":\"" + bundle
                    + "\",\"bundleDigest\":\"sha256:" + "0".repeat(64) + "\",\"size\":" + n + ",\"volumeSize\":1,\"volumes\":[");
            for (int i = 0; i < n; i++) {
                s.append(i == 0 ? "" : ",").append("{\"name\":\"").append(VolumeList.volumeName(bundle, i, n))
                        .append("\",\"size\":1,\"digest\":\"sha256:").append("0".repeat(64)).append("\"}");
            }
            Files.writeString(inbox.resolve(VolumeList.listName(bundle)), s.append("]}"));
        }
        Thread.sleep(20);
        InboxScan scan = new InboxScan(inbox, Duration.ofMillis(1));
        long t0 = System.nanoTime();
        InboxScan.Result first = scan.scan();
        long firstNanos = System.nanoTime() - t0;
        assertEquals(InboxScan.State.INCOMPLETE, first.candidates().get(0).state(), first.candidates().get(0).note());
        assertTrue(first.candidates().get(0).note().contains("0 of 50000 volumes here"), first.candidates().get(0).note());
        long t1 = System.nanoTime();
        for (int i = 0; i < 3; i++) {
            InboxScan.Result again = scan.scan();
            assertEquals(first.candidates().get(0).note(), again.candidates().get(0).note());
        }
        long againNanos = System.nanoTime() - t1;
        assertTrue(againNanos < firstNanos, "three scans of the same four unchanged lists took " + againNanos / 1_000_000
                + " ms, the first one " + firstNanos / 1_000_000 + " ms: every scan parses every waiting list again");
    }
}
