package dev.airlock.imports.inbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.bundle.VolumeList;
import dev.airlock.crypto.BundleSigner;
import dev.airlock.crypto.OpenPgpKeys;
import dev.airlock.crypto.SignatureBlock;
import dev.airlock.crypto.TrustPolicy;
import dev.airlock.digest.Digest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass Q (of Q1's first fix): the watcher's own moves change a file's status change time: a
 * real list that took its name from its copy (a hard link) is newer than a stranger's copy of its
 * bytes made before and still settling then (so not set aside with the squatters). Of files of the
 * same bytes, the oldest status change time is no proof of the real one: a copy other than the one the
 * delivery rule names by those bytes never takes the name from the file under it.
 */
class InboxScanCopyOlderThanPromotedTest {
    private static final String BUNDLE = "daily-000001.airlock.tar";
    private static final String LIST = VolumeList.listName(BUNDLE);

    @TempDir
    Path root;

    @Test
    void aStrangersCopyOlderThanTheRealListUnderItsName_theListUnderItsNameIsKept() throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        OpenPgpKeys.Generated g = OpenPgpKeys.generate("Exporter <e@airlock.test>", null);
        BundleSigner signer = new BundleSigner(OpenPgpKeys.readSecretKey(Files.write(root.resolve("key.asc"), g.secretArmored())), null);
        TrustPolicy trust = new TrustPolicy(OpenPgpKeys.readCertificates(Files.write(root.resolve("cert.asc"), g.certArmored())), 1);
        byte[] volume = "the real volume".getBytes(StandardCharsets.UTF_8);
        byte[] list = new VolumeList(VolumeList.FORMAT, "daily", 1, BUNDLE, "sha256:" + "0".repeat(64), volume.length, volume.length,
                List.of(new VolumeList.Volume(BUNDLE + ".000", volume.length, Digest.sha256Of(volume).toString()))).toJson();
        String his = LIST + ".conflict-0123456789abcdef";
        old(Files.write(inbox.resolve(his), list)); // the stranger's copy of the real list's bytes
        Thread.sleep(20);
        old(Files.write(inbox.resolve(BUNDLE + ".000"), volume));
        old(Files.write(inbox.resolve(LIST + ".asc"), SignatureBlock.signNaming(list, List.of(signer))));
        old(Files.write(inbox.resolve(LIST), list)); // the real list, given its name after his copy was made
        InboxScan scan = new InboxScan(inbox, Duration.ofMillis(500), InboxScan.MAX_FILES, trust);
        InboxScan.Candidate c = set(scan);
        for (int i = 0; i < 10 && c.state() != InboxScan.State.READY; i++) {
            Thread.sleep(200);
            c = set(scan);
        }
        assertEquals(InboxScan.State.READY, c.state(), c.note());
        assertTrue(c.arrangement().squats().stream().noneMatch(s -> s.file().equals(inbox.resolve(LIST))),
                "the list under its name is sent to rejected/: " + c.arrangement().squats());
        assertTrue(c.arrangement().promote().isEmpty(), "a stranger's copy takes the name: " + c.arrangement().promote());
    }

    private static InboxScan.Candidate set(InboxScan scan) throws Exception {
        return scan.scan().candidates().stream().filter(x -> x.key().equals(LIST)).findFirst().orElseThrow();
    }

    private static void old(Path p) throws Exception {
        Files.setLastModifiedTime(p, FileTime.from(Instant.now().minusSeconds(60)));
    }
}
