package dev.airlock.imports.inbox;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.crypto.SignatureBlock;
import dev.airlock.digest.Digest;
import dev.airlock.io.NoReplaceDelivery;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass S, S1: the rules that keep the receivers' files over a stranger's (R1b, R4) took the
 * receivers' user to be the watcher's own. Run as root (the admin's {@code watch --once} from root's
 * cron, or {@code sudo airlock-import watch /var/lib/airlock/inbox}) beside diode-receive and serve,
 * which run as airlock and own the inbox, every real delivery is "another user's": a stranger holding
 * a listed volume's name and its 100 conflict names, or flooding the set with 50,003 empty copy
 * names, kept the real set out for good. The inbox's owner (the user the install recipe gives it to,
 * the one the receivers run as) is a receiver too. (Run as root; the receivers' files are given to
 * uid 54,320, the stranger's to nobody.)
 */
@EnabledIf("dev.airlock.imports.inbox.InboxScanConflictNamesExhaustedTest#asRoot")
class InboxScanReceiversUserTest {
    private static final int RECEIVERS = 54_320;
    private static final int STRANGER = 65_534;

    @TempDir
    Path root;

    @Test
    void aStrangerHoldingEveryConflictName_theReceiversRandomCopyIsTaken_whenTheWatcherIsRoot() throws Exception {
        Path inbox = inbox();
        SignedSetFixture.Keys keys = SignedSetFixture.keys(root);
        byte[] volume = "the real volume, lost in the first round".getBytes(StandardCharsets.UTF_8);
        byte[] list = SignedSetFixture.list(volume);
        receivers(inbox, SignedSetFixture.LIST + ".asc", SignatureBlock.signNaming(list, List.of(keys.signer())));
        receivers(inbox, SignedSetFixture.LIST, list);
        String name = SignedSetFixture.BUNDLE + ".000";
        String sha16 = Digest.sha256Of(volume).hex().substring(0, 16);
        for (int n = 0; n <= 100; n++) {
            String his = n == 0 ? name : name + ".conflict-" + sha16 + (n == 1 ? "" : "-" + n);
            SignedSetFixture.put(inbox, his, ("his " + n).getBytes(StandardCharsets.UTF_8));
            Files.setAttribute(inbox.resolve(his), "unix:uid", STRANGER);
        }
        Path received = Files.write(inbox.resolve(".received"), volume); // diode-receive's temporary file, as airlock
        Files.setAttribute(received, "unix:uid", RECEIVERS);
        Path at = NoReplaceDelivery.deliver(received, inbox.resolve(name)).path();
        assertEquals(RECEIVERS, (int) Files.getAttribute(at, "unix:uid"));

        InboxScan.Candidate c = ready(new InboxScan(inbox, Duration.ofMillis(200), InboxScan.MAX_FILES, keys.trust()));

        Path chosen = c.arrangement().promote().stream().filter(p -> p.getFileName().toString().startsWith(name)).findFirst().orElseThrow();
        assertArrayEquals(volume, Files.readAllBytes(chosen));
    }

    @Test
    void aStrangersFiftyThousandCopyNamesBesideTheReceiversSet_doNotKeepItOut_whenTheWatcherIsRoot() throws Exception {
        Path inbox = inbox();
        SignedSetFixture.Keys keys = SignedSetFixture.keys(root);
        byte[] volume = "the real volume".getBytes(StandardCharsets.UTF_8);
        byte[] list = SignedSetFixture.list(volume);
        receivers(inbox, SignedSetFixture.BUNDLE + ".000", volume);
        receivers(inbox, SignedSetFixture.LIST + ".asc", SignatureBlock.signNaming(list, List.of(keys.signer())));
        receivers(inbox, SignedSetFixture.LIST, list);
        for (int i = 0; i < 50_003; i++) {
            Path his = Files.createFile(inbox.resolve(SignedSetFixture.BUNDLE + ".000.conflict-" + String.format("%016x", i)));
            Files.setAttribute(his, "unix:uid", STRANGER);
        }

        InboxScan.Candidate c = ready(new InboxScan(inbox, Duration.ofMillis(200), InboxScan.MAX_FILES, keys.trust()));

        assertEquals(List.of(inbox.resolve(SignedSetFixture.BUNDLE + ".000")), c.files().stream()
                .filter(p -> p.getFileName().toString().startsWith(SignedSetFixture.BUNDLE + ".000")).toList());
    }

    /** The install recipe's inbox: the receivers' user's (here sticky and open to others, a shared inbox). */
    private Path inbox() throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        Files.setAttribute(inbox, "unix:uid", RECEIVERS);
        Files.setAttribute(inbox, "unix:mode", 01777);
        return inbox;
    }

    private static void receivers(Path inbox, String name, byte[] bytes) throws Exception {
        SignedSetFixture.put(inbox, name, bytes);
        Files.setAttribute(inbox.resolve(name), "unix:uid", RECEIVERS);
    }

    private static InboxScan.Candidate ready(InboxScan scan) throws Exception {
        InboxScan.Result r = scan.scan();
        for (int i = 0; i < 50 && set(r) == null; i++) {
            Thread.sleep(100);
            r = scan.scan();
        }
        InboxScan.Candidate c = set(r);
        assertTrue(c != null, "the real set is not taken: " + r.ignored() + " "
                + Stream.of(r.candidates().toArray()).map(String::valueOf).toList());
        return c;
    }

    private static InboxScan.Candidate set(InboxScan.Result r) {
        return r.candidates().stream().filter(c -> c.key().equals(SignedSetFixture.LIST) && c.state() == InboxScan.State.READY)
                .findFirst().orElse(null);
    }
}
