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
 * Red-team pass Q (of Q1's fix): a stranger's copy of the real list, named as the delivery rule names
 * a copy of its bytes, made after the real list under its name; then a careless admin's chmod (or
 * chown -R) of the inbox makes the real list's status change time newer than the copy's. The copy
 * must not take the name: of the two, the one the watcher's user owns (the receivers run as it) is
 * kept; a stranger's file is his own (run as root, this test gives the copy to nobody).
 */
@org.junit.jupiter.api.condition.EnabledIf("asRoot")
class InboxScanCopyBeforeAdminChmodTest {
    private static final String BUNDLE = "daily-000001.airlock.tar";
    private static final String LIST = VolumeList.listName(BUNDLE);

    @TempDir
    Path root;

    @Test
    void aStrangersCopyNamedByTheRealBytes_thenTheAdminChmodsTheRealList_theListUnderItsNameIsKept() throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        OpenPgpKeys.Generated g = OpenPgpKeys.generate("Exporter <e@airlock.test>", null);
        BundleSigner signer = new BundleSigner(OpenPgpKeys.readSecretKey(Files.write(root.resolve("key.asc"), g.secretArmored())), null);
        TrustPolicy trust = new TrustPolicy(OpenPgpKeys.readCertificates(Files.write(root.resolve("cert.asc"), g.certArmored())), 1);
        byte[] volume = "the real volume".getBytes(StandardCharsets.UTF_8);
        byte[] list = new VolumeList(VolumeList.FORMAT, "daily", 1, BUNDLE, "sha256:" + "0".repeat(64), volume.length, volume.length,
                List.of(new VolumeList.Volume(BUNDLE + ".000", volume.length, Digest.sha256Of(volume).toString()))).toJson();
        old(Files.write(inbox.resolve(BUNDLE + ".000"), volume));
        old(Files.write(inbox.resolve(LIST + ".asc"), SignatureBlock.signNaming(list, List.of(signer))));
        old(Files.write(inbox.resolve(LIST), list)); // the real list under its name
        Path his = inbox.resolve(LIST + ".conflict-" + Digest.sha256Of(list).hex().substring(0, 16));
        old(Files.write(his, list)); // the stranger's copy, named as the delivery rule would
        Files.setAttribute(his, "unix:uid", 65534);
        Thread.sleep(20);
        Files.setPosixFilePermissions(inbox.resolve(LIST), java.nio.file.attribute.PosixFilePermissions.fromString("rw-r-----")); // chmod -R
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

    static boolean asRoot() {
        try {
            return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (Exception e) {
            return false;
        }
    }

    private static InboxScan.Candidate set(InboxScan scan) throws Exception {
        return scan.scan().candidates().stream().filter(x -> x.key().equals(LIST)).findFirst().orElseThrow();
    }

    private static void old(Path p) throws Exception {
        Files.setLastModifiedTime(p, FileTime.from(Instant.now().minusSeconds(60)));
    }
}
