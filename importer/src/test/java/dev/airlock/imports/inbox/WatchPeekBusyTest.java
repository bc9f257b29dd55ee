package dev.airlock.imports.inbox;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.crypto.OpenPgpKeys;
import dev.airlock.crypto.TrustPolicy;
import dev.airlock.error.AirlockException;
import dev.airlock.imports.ImportRequest;
import dev.airlock.imports.TargetNaming;
import dev.airlock.io.UntrustedOpen;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass X (issue 17, R6): the watcher remembers a bundle's unsigned bundle.json (channel,
 * sequence, parent) by the file's stamps, and a failure to read it too. A real delta a user copied
 * into the shared inbox before its parent, peeked while opens of other users' files left waiting
 * were at their bound (a stranger's FIFOs, W's R1), was "unreadable" for as long as it stayed
 * unchanged: once the stranger let his opens go it was imported without its channel's order, the
 * import found its parent not applied (chain broken, a refusal), and the real delta went to
 * rejected/, where its parent, arriving next, could never be followed by it.
 */
class WatchPeekBusyTest {
    @TempDir
    Path root;

    @Test
    void watch_aUsersRealDeltaPeekedWhileBusy_waitsForItsParent_notRejected() throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        OpenPgpKeys.Generated g = OpenPgpKeys.generate("Exporter <e@airlock.test>", null);
        TrustPolicy trust = new TrustPolicy(OpenPgpKeys.readCertificates(Files.write(root.resolve("cert.asc"), g.certArmored())), 1);
        Path delta = UnsignedBundles.write(inbox.resolve("daily-000005.airlock.tar"), "{\"format\":\"airlock-bundle/v1\",\"channel\":\"daily\","
                + "\"sequence\":\"5\",\"parent\":{\"sequence\":\"4\",\"digest\":\"sha256:" + "0".repeat(64) + "\"}}",
                FileTime.from(Instant.now().minusSeconds(60)));
        Files.setOwner(delta, delta.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("daemon")); // a user's, copied in
        Path away = Files.createDirectory(root.resolve("away"));
        List<Path> fifos = WatchForgedVolumeBusyTest.strangersWaitingOpens(root, away); // the stranger's, at the bound
        List<String> lines = new CopyOnWriteArrayList<>();
        ImportRequest template = new ImportRequest(null, trust, new TargetNaming("127.0.0.1:5000", List.of()), root.resolve("state"), 1, false);
        InboxWatcher w = new InboxWatcher(inbox, new WatchOptions(Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofSeconds(1)),
                template, r -> {
                    try {
                        UntrustedOpen.read(r.bundle()).close(); // as the import opens it first
                    } catch (java.io.IOException e) {
                        throw AirlockException.local("cannot read bundle " + r.bundle() + ": " + e.getMessage(), e);
                    }
                    throw AirlockException.chain("sequence 5 follows sequence 4, which has not been applied"); // what the import says
                }, lines::add);
        Thread t = new Thread(w::run, "watch");
        t.start();
        try {
            Thread.sleep(1500); // a few listings while busy
            for (Path f : fifos) { // the stranger lets them go
                FileChannel.open(away.resolve(f.getFileName()), StandardOpenOption.READ, StandardOpenOption.WRITE).close();
            }
            fifos.clear();
            Thread.sleep(4000); // the retries after
            assertTrue(Files.exists(delta), "the real delta left the inbox: " + lines);
            assertFalse(Files.exists(inbox.resolve(InboxLayout.REJECTED).resolve(delta.getFileName())), "the real delta went to rejected/: "
                    + lines);
        } finally {
            w.stop();
            for (Path f : fifos) {
                FileChannel.open(away.resolve(f.getFileName()), StandardOpenOption.READ, StandardOpenOption.WRITE).close();
            }
            t.join(20_000);
        }
    }
}
