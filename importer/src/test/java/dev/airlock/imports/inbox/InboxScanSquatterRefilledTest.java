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
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass Q, Q1: a stranger holds a set's name with his own file (names are predictable); the
 * real file, arriving, is kept beside it as {@code NAME.conflict-SHA16} by the delivery rule. The
 * stranger then writes the real file's bytes (the inbox is readable) into his own file under the name
 * (the same inode, his to write again). "Of the files of the pair's bytes the one under the name
 * wins": his inode was kept under the name and went on to be imported, and the real file, delivered
 * first, went to rejected/ as "a copy kept beside" the name. The real file is the one to keep.
 */
class InboxScanSquatterRefilledTest {
    private static final String BUNDLE = "daily-000001.airlock.tar";
    private static final String LIST = VolumeList.listName(BUNDLE);

    @TempDir
    Path root;

    @Test
    void aSquattersListRefilledWithTheRealBytes_theDeliveredCopyIsChosen() throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        OpenPgpKeys.Generated g = OpenPgpKeys.generate("Exporter <e@airlock.test>", null);
        BundleSigner signer = new BundleSigner(OpenPgpKeys.readSecretKey(Files.write(root.resolve("key.asc"), g.secretArmored())), null);
        TrustPolicy trust = new TrustPolicy(OpenPgpKeys.readCertificates(Files.write(root.resolve("cert.asc"), g.certArmored())), 1);
        byte[] volume = "the real volume".getBytes(StandardCharsets.UTF_8);
        byte[] list = new VolumeList(VolumeList.FORMAT, "daily", 1, BUNDLE, "sha256:" + "0".repeat(64), volume.length, volume.length,
                List.of(new VolumeList.Volume(BUNDLE + ".000", volume.length, Digest.sha256Of(volume).toString()))).toJson();
        Path his = old(Files.write(inbox.resolve(LIST), "{\"a stranger's\": true}".getBytes(StandardCharsets.UTF_8))); // held before
        old(Files.write(inbox.resolve(BUNDLE + ".000"), volume));
        old(Files.write(inbox.resolve(LIST + ".asc"), SignatureBlock.signNaming(list, List.of(signer))));
        String real = LIST + ".conflict-" + Digest.sha256Of(list).hex().substring(0, 16);
        old(Files.write(inbox.resolve(real), list)); // the real list, kept beside the name by the delivery rule
        Object inode = Files.readAttributes(his, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
        old(Files.write(his, list, StandardOpenOption.TRUNCATE_EXISTING)); // the stranger writes its bytes into his own file
        assertEquals(inode, Files.readAttributes(his, java.nio.file.attribute.BasicFileAttributes.class).fileKey());
        InboxScan scan = new InboxScan(inbox, Duration.ofMillis(500), InboxScan.MAX_FILES, trust);
        InboxScan.Candidate c = set(scan);
        for (int i = 0; i < 10 && c.state() != InboxScan.State.READY; i++) {
            Thread.sleep(200);
            c = set(scan);
        }
        assertEquals(InboxScan.State.READY, c.state(), c.note());
        assertTrue(c.arrangement().squats().stream().noneMatch(s -> s.file().equals(inbox.resolve(real))),
                "the real list, delivered first, is sent to rejected/: " + c.arrangement().squats());
        assertEquals(List.of(inbox.resolve(real)), c.arrangement().promote(), "the stranger's inode keeps the name");
    }

    /** The same with a volume: the stranger's file under its name refilled with the real volume's bytes. */
    @Test
    void aSquattersVolumeRefilledWithTheRealBytes_theDeliveredCopyIsChosen() throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        OpenPgpKeys.Generated g = OpenPgpKeys.generate("Exporter <e@airlock.test>", null);
        BundleSigner signer = new BundleSigner(OpenPgpKeys.readSecretKey(Files.write(root.resolve("key.asc"), g.secretArmored())), null);
        TrustPolicy trust = new TrustPolicy(OpenPgpKeys.readCertificates(Files.write(root.resolve("cert.asc"), g.certArmored())), 1);
        byte[] volume = "the real volume".getBytes(StandardCharsets.UTF_8);
        byte[] list = new VolumeList(VolumeList.FORMAT, "daily", 1, BUNDLE, "sha256:" + "0".repeat(64), volume.length, volume.length,
                List.of(new VolumeList.Volume(BUNDLE + ".000", volume.length, Digest.sha256Of(volume).toString()))).toJson();
        Path his = old(Files.write(inbox.resolve(BUNDLE + ".000"), "his".getBytes(StandardCharsets.UTF_8))); // held before
        String real = BUNDLE + ".000.conflict-" + Digest.sha256Of(volume).hex().substring(0, 16);
        old(Files.write(inbox.resolve(real), volume)); // the real volume, kept beside the name by the delivery rule
        old(Files.write(inbox.resolve(LIST), list));
        old(Files.write(inbox.resolve(LIST + ".asc"), SignatureBlock.signNaming(list, List.of(signer))));
        old(Files.write(his, volume, StandardOpenOption.TRUNCATE_EXISTING)); // the stranger writes its bytes into his own file
        InboxScan scan = new InboxScan(inbox, Duration.ofMillis(500), InboxScan.MAX_FILES, trust);
        InboxScan.Candidate c = set(scan);
        for (int i = 0; i < 10 && c.state() != InboxScan.State.READY; i++) {
            Thread.sleep(200);
            c = set(scan);
        }
        assertEquals(InboxScan.State.READY, c.state(), c.note());
        assertTrue(c.arrangement().squats().stream().noneMatch(s -> s.file().equals(inbox.resolve(real))),
                "the real volume, delivered first, is sent to rejected/: " + c.arrangement().squats());
        assertEquals(List.of(inbox.resolve(real)), c.arrangement().promote(), "the stranger's inode keeps the name");
    }

    private static InboxScan.Candidate set(InboxScan scan) throws Exception {
        return scan.scan().candidates().stream().filter(x -> x.key().equals(LIST)).findFirst().orElseThrow();
    }

    private static Path old(Path p) throws Exception {
        Files.setLastModifiedTime(p, FileTime.from(Instant.now().minusSeconds(60)));
        return p;
    }
}
