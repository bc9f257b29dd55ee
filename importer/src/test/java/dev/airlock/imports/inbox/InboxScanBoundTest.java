package dev.airlock.imports.inbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.bundle.VolumeList;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What one scan of the inbox holds is bounded (red-team pass H: 400,000 empty files exhausted the
 * watcher's heap on every scan, so nothing was imported again): names that cannot be a bundle are
 * named up to a count and then counted, and bundle-like names past the bound wait for a later pass.
 */
class InboxScanBoundTest {
    @TempDir
    Path inbox;

    @Test
    void strays_areNamedUpToTheBound_thenCounted_andHoldNothing() throws Exception {
        for (int i = 0; i < 500; i++) {
            Files.createFile(inbox.resolve(String.format("n%06d", i)));
        }
        InboxScan.Result r = new InboxScan(inbox, Duration.ofMillis(1)).scan();
        assertEquals(List.of(), r.candidates());
        assertEquals(InboxScan.STRAYS_NAMED + 1, r.ignored().size(), r.ignored().toString());
        assertTrue(r.ignored().get(InboxScan.STRAYS_NAMED).contains("ignoring 480 more files"), r.ignored().toString());
    }

    @Test
    void bundlesPastTheBound_areTakenByLaterPasses_inTurn() throws Exception {
        for (int i = 0; i < 30; i++) {
            Files.createFile(inbox.resolve(String.format("c-%06d.airlock.tar", i)));
        }
        InboxScan scan = new InboxScan(inbox, Duration.ofMillis(1), 10);
        InboxScan.Result r = scan.scan();
        assertEquals(10, r.candidates().size());
        assertEquals("c-000000.airlock.tar", r.candidates().get(0).key());
        assertEquals("c-000009.airlock.tar", r.candidates().get(9).key());
        assertTrue(r.ignored().stream().anyMatch(l -> l.contains("holds 30 bundles") && l.contains("after c-000009.airlock.tar")),
                r.ignored().toString());
        // The next passes go on where this one stopped, then wrap around: none waits for good.
        assertEquals("c-000010.airlock.tar", scan.scan().candidates().get(0).key());
        InboxScan.Result third = scan.scan();
        assertEquals("c-000020.airlock.tar", third.candidates().get(0).key());
        assertEquals("c-000000.airlock.tar", scan.scan().candidates().get(0).key());
    }

    /**
     * Red-team pass J: what belongs to a bundle counts toward the bound (pass I took it "whatever its
     * number", so empty files named as volumes held any amount of heap); the first bundle of a pass
     * is taken whole all the same, so that a real set larger than the bound still goes.
     */
    @Test
    void volumesCountTowardTheBound_theFirstSetIsTakenWhole_theNextBundlesInTheNextPass() throws Exception {
        Files.writeString(inbox.resolve("a.airlock.volumes.json"), "{}");
        for (int i = 0; i < 15; i++) {
            Files.createFile(inbox.resolve(String.format("a.airlock.tar.%03d", i)));
        }
        for (String b : List.of("b", "c", "d")) {
            Files.createFile(inbox.resolve(b + ".airlock.tar"));
        }
        InboxScan scan = new InboxScan(inbox, Duration.ofMillis(1), 10);
        InboxScan.Result first = scan.scan();
        assertEquals(List.of("a.airlock.volumes.json"), first.candidates().stream().map(InboxScan.Candidate::key).toList());
        assertEquals(16, first.candidates().get(0).moved().size());
        assertEquals(List.of("b.airlock.tar", "c.airlock.tar", "d.airlock.tar"),
                scan.scan().candidates().stream().map(InboxScan.Candidate::key).toList());
    }

    /** More files named as a set's volumes than a set can have: not the exporter's; named, held by no scan, and the rest go on. */
    @Test
    void aSetBesideMoreVolumeNamesThanASetHas_isNamedAndLeft_andTheOtherBundlesAreScanned() throws Exception {
        Files.writeString(inbox.resolve("a.airlock.volumes.json"), "{}");
        for (int i = 0; i < VolumeList.MAX_VOLUMES + 3; i++) {
            Files.createFile(inbox.resolve(String.format("a.airlock.tar.%06d", i)));
        }
        Files.createFile(inbox.resolve("b.airlock.tar"));
        InboxScan.Result r = new InboxScan(inbox, Duration.ofMillis(1)).scan();
        assertEquals(List.of("b.airlock.tar"), r.candidates().stream().map(InboxScan.Candidate::key).toList());
        assertTrue(r.ignored().stream().anyMatch(l -> l.startsWith("ignoring a.airlock.volumes.json: " + (VolumeList.MAX_VOLUMES + 3) + " files")),
                r.ignored().toString());
    }
}
