package dev.airlock.imports.inbox;

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
 * Red-team pass Q, Q1b: a file's stamp is its name, size, modification time and inode, not its status
 * change time, so a stranger who rewrites his own file with other bytes of the same size and sets its
 * modification time back is not seen to have changed it. His copy of the arriving real list, read and
 * paired with the real signature while the real list settled, stayed the pair found after he wrote
 * another list of the same size into it: no longer of the real list's bytes, it was chosen, took the
 * name, and the real list went to rejected/ as "squatted".
 */
class InboxScanCopyFlippedTest {
    private static final String BUNDLE = "daily-000001.airlock.tar";
    private static final String LIST = VolumeList.listName(BUNDLE);

    @TempDir
    Path root;

    @Test
    void aStrangersCopyPairedThenRewrittenInPlace_isNotChosen() throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        OpenPgpKeys.Generated g = OpenPgpKeys.generate("Exporter <e@airlock.test>", null);
        BundleSigner signer = new BundleSigner(OpenPgpKeys.readSecretKey(Files.write(root.resolve("key.asc"), g.secretArmored())), null);
        TrustPolicy trust = new TrustPolicy(OpenPgpKeys.readCertificates(Files.write(root.resolve("cert.asc"), g.certArmored())), 1);
        byte[] volume = "the real volume".getBytes(StandardCharsets.UTF_8);
        byte[] list = list(volume);
        byte[] his = list("THE REAL VOLUME".getBytes(StandardCharsets.UTF_8)); // another list of this set, of the same size
        assertTrue(list.length == his.length);
        old(Files.write(inbox.resolve(BUNDLE + ".000"), volume));
        old(Files.write(inbox.resolve(LIST + ".asc"), SignatureBlock.signNaming(list, List.of(signer))));
        Files.write(inbox.resolve(LIST), list); // the real list, just arrived: settling
        Path copy = old(Files.write(inbox.resolve(LIST + ".conflict-0123456789abcdef"), list)); // his copy, settled at once
        InboxScan scan = new InboxScan(inbox, Duration.ofMillis(500), InboxScan.MAX_FILES, trust);
        set(scan); // his copy read and paired while the real list settles
        FileTime t = Files.getLastModifiedTime(copy);
        Files.write(copy, his, StandardOpenOption.TRUNCATE_EXISTING); // then he writes his own list into it
        Files.setLastModifiedTime(copy, t);
        Thread.sleep(700);
        InboxScan.Candidate c = set(scan);
        for (int i = 0; i < 10 && c.state() != InboxScan.State.READY; i++) {
            Thread.sleep(200);
            c = set(scan);
        }
        assertTrue(c.arrangement().squats().stream().noneMatch(s -> s.file().equals(inbox.resolve(LIST))),
                "the real list is sent to rejected/: " + c.arrangement().squats() + " " + c.state() + " " + c.note());
    }

    private static byte[] list(byte[] volume) {
        return new VolumeList(VolumeList.FORMAT, "daily", 1, BUNDLE, "sha256:" + "0".repeat(64), volume.length, volume.length,
                List.of(new VolumeList.Volume(BUNDLE + ".000", volume.length, Digest.sha256Of(volume).toString()))).toJson();
    }

    private static InboxScan.Candidate set(InboxScan scan) throws Exception {
        return scan.scan().candidates().stream().filter(x -> x.key().equals(LIST)).findFirst().orElseThrow();
    }

    private static Path old(Path p) throws Exception {
        Files.setLastModifiedTime(p, FileTime.from(Instant.now().minusSeconds(60)));
        return p;
    }
}
