package dev.airlock.imports.inbox;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.bundle.VolumeList;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass I: pass H bounded one scan to the {@link InboxScan#MAX_FILES} smallest bundle-like
 * names, the rest "wait for a later pass". But files that never leave the inbox (a report without
 * its bundle, volumes without their list: both are left where they are by design) keep the smallest
 * names on every pass, so what sorts after them is never looked at again, and nothing says which.
 * Both names here are what serve and diode-receive accept from any sender ({@code [A-Za-z0-9][A-Za-z0-9._+-]*}).
 */
class InboxScanFloodTest {
    @TempDir
    Path inbox;

    /** A sender (or anyone on the diode) drops 20,000 empty {@code 0….report.md} files: 0 bytes, so no quota stops them. */
    @Test
    void strayReports_withSmallNames_doNotKeepARealBundleOutOfEveryScan() throws Exception {
        for (int i = 0; i < InboxScan.MAX_FILES; i++) {
            Files.createFile(inbox.resolve(String.format("0%06d.report.md", i)));
        }
        Files.write(inbox.resolve("gitlab-000002.airlock.tar"), new byte[] {1});
        InboxScan scan = new InboxScan(inbox, Duration.ofMillis(1));
        for (int pass = 0; pass < 3; pass++) {
            List<String> keys = scan.scan().candidates().stream().map(InboxScan.Candidate::key).toList();
            assertTrue(keys.contains("gitlab-000002.airlock.tar"), "pass " + pass + ": the bundle is never scanned: " + keys.size() + " candidates");
        }
    }

    /**
     * The exporter writes sets of up to {@link VolumeList#MAX_VOLUMES} (50,000) volumes; their
     * names sort before the list's ({@code .tar.N} before {@code .volumes.json}), so a set of more
     * than 20,000 volumes never has its list scanned: a delivered, intact bundle is never imported.
     */
    @Test
    void aVolumeSetOfMoreVolumesThanTheScanBound_isStillSeenByItsList() throws Exception {
        String bundle = "gitlab-000001.airlock.tar";
        int count = InboxScan.MAX_FILES + 1;
        for (int i = 1; i <= count; i++) {
            Files.createFile(inbox.resolve(VolumeList.volumeName(bundle, i, count)));
        }
        Files.writeString(inbox.resolve(VolumeList.listName(bundle)), "{}");
        Files.writeString(inbox.resolve(VolumeList.listName(bundle) + ".asc"), "sig");
        List<String> keys = new InboxScan(inbox, Duration.ofMillis(1)).scan().candidates().stream().map(InboxScan.Candidate::key).toList();
        assertTrue(keys.contains(VolumeList.listName(bundle)), "the set's list is never scanned: " + keys);
    }
}
