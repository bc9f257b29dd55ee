package dev.airlock.imports.inbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.crypto.SignatureBlock;
import dev.airlock.digest.Digest;
import dev.airlock.io.NoReplaceDelivery;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass T, T5: a stranger who holds a listed volume's name and the copy name the delivery
 * rule gives its real bytes ({@code NAME.conflict-SHA16}: the list, readable in the inbox, names the
 * sha256) has the real volume delivered as {@code NAME.conflict-SHA16-2}, the receivers'. He then
 * copies its bytes (the inbox is readable) into his own file under the name. The rule keeping the
 * receivers' file over a stranger's (pass Q, S1) compares the name's file with {@code -SHA16} alone,
 * his too: the first candidate with the listed bytes, his, is chosen, and the receivers' real copy
 * goes to rejected/ as a squatter; his inode, his to rewrite before the import reads it, takes its
 * place (rewritten, the set is refused for a digest, his file set aside, and the set waits for good
 * for a volume that is in rejected/). (Run as root; the receivers' files are given to uid 54,320,
 * the inbox's owner, the stranger's to nobody.)
 */
@EnabledIf("dev.airlock.imports.inbox.InboxScanConflictNamesExhaustedTest#asRoot")
class InboxScanStrangersNameOverNumberedCopyTest {
    private static final int RECEIVERS = 54_320;
    private static final int STRANGER = 65_534;

    @TempDir
    Path root;

    @Test
    void aStrangersCopyOfTheRealBytesUnderTheName_neverSendsTheReceiversNumberedCopyToRejected() throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        Files.setAttribute(inbox, "unix:uid", RECEIVERS);
        Files.setAttribute(inbox, "unix:mode", 01777);
        SignedSetFixture.Keys keys = SignedSetFixture.keys(root);
        byte[] volume = "the real volume".getBytes(StandardCharsets.UTF_8);
        byte[] list = SignedSetFixture.list(volume);
        receivers(inbox, SignedSetFixture.LIST + ".asc", SignatureBlock.signNaming(list, List.of(keys.signer())));
        receivers(inbox, SignedSetFixture.LIST, list);
        String name = SignedSetFixture.BUNDLE + ".000";
        String sha16 = Digest.sha256Of(volume).hex().substring(0, 16);
        stranger(inbox, name, "his own".getBytes(StandardCharsets.UTF_8));
        stranger(inbox, name + ".conflict-" + sha16, "his own, under the copy's name".getBytes(StandardCharsets.UTF_8));
        Path received = Files.write(inbox.resolve(".received"), volume); // a receiver's temporary file, as the inbox's owner
        Files.setAttribute(received, "unix:uid", RECEIVERS);
        Path real = NoReplaceDelivery.deliver(received, inbox.resolve(name)).path();
        assertEquals(name + ".conflict-" + sha16 + "-2", real.getFileName().toString());
        Files.setLastModifiedTime(real, FileTime.from(Instant.now().minusSeconds(60)));
        Thread.sleep(20);
        stranger(inbox, name, volume); // his file under the name, now of the real bytes (copied from the inbox)

        InboxScan.Candidate c = ready(new InboxScan(inbox, Duration.ofMillis(200), InboxScan.MAX_FILES, keys.trust()));

        assertTrue(c.arrangement().squats().stream().noneMatch(s -> s.file().equals(real)), "the receivers' real copy " + real.getFileName()
                + " is set aside as a squatter: " + c.arrangement().squats().stream().map(s -> s.file().getFileName() + ": " + s.why()).toList());
        assertTrue(c.arrangement().promote().contains(real), "the receivers' real copy is not the one that takes the name: "
                + c.arrangement());
    }

    @Test
    void aStrangersCopyOfTheRealListUnderItsName_neverSendsTheReceiversNumberedListToRejected() throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        Files.setAttribute(inbox, "unix:uid", RECEIVERS);
        Files.setAttribute(inbox, "unix:mode", 01777);
        SignedSetFixture.Keys keys = SignedSetFixture.keys(root);
        byte[] volume = "the real volume".getBytes(StandardCharsets.UTF_8);
        byte[] list = SignedSetFixture.list(volume);
        receivers(inbox, SignedSetFixture.BUNDLE + ".000", volume);
        receivers(inbox, SignedSetFixture.LIST + ".asc", SignatureBlock.signNaming(list, List.of(keys.signer())));
        String name = SignedSetFixture.LIST;
        String sha16 = Digest.sha256Of(list).hex().substring(0, 16);
        stranger(inbox, name, "{}".getBytes(StandardCharsets.UTF_8));
        stranger(inbox, name + ".conflict-" + sha16, "{ }".getBytes(StandardCharsets.UTF_8));
        Path received = Files.write(inbox.resolve(".received"), list);
        Files.setAttribute(received, "unix:uid", RECEIVERS);
        Path real = NoReplaceDelivery.deliver(received, inbox.resolve(name)).path();
        assertEquals(name + ".conflict-" + sha16 + "-2", real.getFileName().toString());
        Files.setLastModifiedTime(real, FileTime.from(Instant.now().minusSeconds(60)));
        Thread.sleep(20);
        stranger(inbox, name, list); // his file under the name, now of the real list's bytes (copied from the inbox)
        stranger(inbox, name + ".conflict-" + sha16, list);

        InboxScan.Candidate c = ready(new InboxScan(inbox, Duration.ofMillis(200), InboxScan.MAX_FILES, keys.trust()));

        assertTrue(c.arrangement().squats().stream().noneMatch(s -> s.file().equals(real)), "the receivers' real list " + real.getFileName()
                + " is set aside as a squatter: " + c.arrangement().squats().stream().map(s -> s.file().getFileName() + ": " + s.why()).toList());
        assertTrue(c.arrangement().promote().contains(real), "the receivers' real list is not the one that takes the name: "
                + c.arrangement());
    }

    private static void receivers(Path inbox, String name, byte[] bytes) throws Exception {
        SignedSetFixture.put(inbox, name, bytes);
        Files.setAttribute(inbox.resolve(name), "unix:uid", RECEIVERS);
    }

    private static void stranger(Path inbox, String name, byte[] bytes) throws Exception {
        SignedSetFixture.put(inbox, name, bytes);
        Files.setAttribute(inbox.resolve(name), "unix:uid", STRANGER);
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
