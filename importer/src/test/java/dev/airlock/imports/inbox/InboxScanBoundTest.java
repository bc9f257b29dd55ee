package dev.airlock.imports.inbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
}
