package dev.airlock.imports.inbox;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.crypto.SignatureBlock;
import dev.airlock.digest.Digest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass R, R4: a set beside more files named as its volumes, signature or report than a set
 * can have is "not a set the exporter wrote": it is named and left where it is, held by no scan (pass
 * J, against 250,000 empty volume names). Copies kept beside a set's names count among them (pass L3).
 * So a stranger who can write the inbox made 50,003 empty files named as copies of a real, complete,
 * signed set's volume ({@code NAME.000.conflict-HEX16}: inodes only, no quota counts them), and the
 * real set was never imported, its channel waiting behind it, until an admin removed them. Over the
 * bound, only the files of the watcher's user (the receivers') are held, and another user's file under
 * a name the set's chosen copy must take is set aside. (Run as root, the stranger's files are given to
 * another uid; a flood by the watcher's own user still leaves the set named and waiting.)
 */
@EnabledIf("dev.airlock.imports.inbox.InboxScanConflictNamesExhaustedTest#asRoot")
class InboxScanBelongingFloodTest {
    private static final int STRANGER = 54_321;

    @TempDir
    Path root;

    @Test
    void aStrangersFiftyThousandCopyNamesBesideARealSet_doNotKeepItOut() throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        SignedSetFixture.Keys keys = SignedSetFixture.keys(root);
        byte[] volume = "the real volume".getBytes(StandardCharsets.UTF_8);
        realSet(inbox, keys, volume, SignedSetFixture.BUNDLE + ".000");
        flood(inbox);

        InboxScan.Candidate c = ready(new InboxScan(inbox, Duration.ofMillis(200), InboxScan.MAX_FILES, keys.trust()));

        assertEquals(List.of(inbox.resolve(SignedSetFixture.BUNDLE + ".000")), c.files().stream()
                .filter(p -> p.getFileName().toString().startsWith(SignedSetFixture.BUNDLE + ".000")).toList());
    }

    /** The same, with the volume's name held by the stranger too: the real volume was kept beside it by the delivery rule. */
    @Test
    void aStrangersFloodAndHisFileUnderTheVolumesName_theRealCopyTakesTheName() throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        SignedSetFixture.Keys keys = SignedSetFixture.keys(root);
        byte[] volume = "the real volume, kept beside his".getBytes(StandardCharsets.UTF_8);
        String name = SignedSetFixture.BUNDLE + ".000";
        Files.setAttribute(Files.writeString(inbox.resolve(name), "his"), "unix:uid", STRANGER);
        realSet(inbox, keys, volume, name + ".conflict-" + Digest.sha256Of(volume).hex().substring(0, 16));
        flood(inbox);
        InboxScan scan = new InboxScan(inbox, Duration.ofMillis(200), InboxScan.MAX_FILES, keys.trust());
        List<String> log = new ArrayList<>();
        SquatterMoves moves = new SquatterMoves(inbox, new InboxMoves(InboxLayout.of(inbox), log::add), log::add);

        moves.arrange(ready(scan)); // his file under the name is set aside; the copy takes the name at the next listing
        moves.arrange(ready(scan));

        assertArrayEquals(volume, Files.readAllBytes(inbox.resolve(name)), String.join("\n", log));
        assertTrue(Files.exists(inbox.resolve(InboxLayout.REJECTED).resolve(name)), "his file was set aside: " + log);
        assertEquals(STRANGER, (int) Files.getAttribute(inbox.resolve(InboxLayout.REJECTED).resolve(name), "unix:uid"));
    }

    private static void realSet(Path inbox, SignedSetFixture.Keys keys, byte[] volume, String volumeAs) throws Exception {
        byte[] list = SignedSetFixture.list(volume);
        SignedSetFixture.put(inbox, volumeAs, volume);
        SignedSetFixture.put(inbox, SignedSetFixture.LIST + ".asc", SignatureBlock.signNaming(list, List.of(keys.signer())));
        SignedSetFixture.put(inbox, SignedSetFixture.LIST, list);
    }

    /** The stranger's 50,003 empty files named as copies of the set's volume. */
    private static void flood(Path inbox) throws Exception {
        for (int i = 0; i < 50_003; i++) {
            Path his = Files.createFile(inbox.resolve(SignedSetFixture.BUNDLE + ".000.conflict-" + String.format("%016x", i)));
            Files.setAttribute(his, "unix:uid", STRANGER);
        }
    }

    private static InboxScan.Candidate ready(InboxScan scan) throws Exception {
        InboxScan.Result r = scan.scan();
        for (int i = 0; i < 50 && set(r) == null; i++) {
            Thread.sleep(100);
            r = scan.scan();
        }
        InboxScan.Candidate c = set(r);
        assertTrue(c != null, "the real set is not taken: " + r.ignored());
        return c;
    }

    private static InboxScan.Candidate set(InboxScan.Result r) {
        return r.candidates().stream().filter(c -> c.key().equals(SignedSetFixture.LIST) && c.state() == InboxScan.State.READY)
                .findFirst().orElse(null);
    }
}
