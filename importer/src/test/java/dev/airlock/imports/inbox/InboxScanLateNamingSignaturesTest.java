package dev.airlock.imports.inbox;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.airlock.bundle.VolumeList;
import dev.airlock.crypto.BundleSigner;
import dev.airlock.crypto.OpenPgpKeys;
import dev.airlock.crypto.SignatureBlock;
import dev.airlock.crypto.TrustPolicy;
import dev.airlock.digest.Digest;
import java.io.ByteArrayOutputStream;
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
 * Red-team pass Q, Q2: the real signature names the sha256 of the list it signs, so a stranger who
 * can read the inbox learns it when the real .asc arrives, before the list (sent last) has settled.
 * He puts copies beside the .asc's name, each 64 signatures claiming the trusted key and naming that
 * sha256 (a real old signature with the notation's 64 hex digits replaced). When the real list was
 * read, the signatures naming its sha256 were checked in hash order, not oldest first; the budget ran
 * out before the real one, the list was then counted done by the other search (no signature naming
 * nothing to check it against), and the real pair was never checked: the set waited for good as "no
 * signature here verifies its list against --trust", its real list and signature under their names.
 */
class InboxScanLateNamingSignaturesTest {
    private static final String BUNDLE = "daily-000001.airlock.tar";
    private static final String LIST = VolumeList.listName(BUNDLE);

    @TempDir
    Path root;

    @Test
    void forgedSignaturesNamingTheRealListSentAfterItsSignature_theRealPairIsStillFound() throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        OpenPgpKeys.Generated g = OpenPgpKeys.generate("Exporter <e@airlock.test>", null);
        BundleSigner signer = new BundleSigner(OpenPgpKeys.readSecretKey(Files.write(root.resolve("key.asc"), g.secretArmored())), null);
        TrustPolicy trust = new TrustPolicy(OpenPgpKeys.readCertificates(Files.write(root.resolve("cert.asc"), g.certArmored())), 1);
        byte[] volume = "the real volume".getBytes(StandardCharsets.UTF_8);
        byte[] list = new VolumeList(VolumeList.FORMAT, "daily", 1, BUNDLE, "sha256:" + "0".repeat(64), volume.length, volume.length,
                List.of(new VolumeList.Volume(BUNDLE + ".000", volume.length, Digest.sha256Of(volume).toString()))).toJson();
        String realSha = Digest.sha256Of(list).hex();
        old(Files.write(inbox.resolve(BUNDLE + ".000"), volume));
        old(Files.write(inbox.resolve(LIST + ".asc"), SignatureBlock.signNaming(list, List.of(signer))));
        Files.write(inbox.resolve(LIST), list); // the real list, just arrived (sent last): settling
        for (int i = 0; i < 200; i++) { // the stranger's, once he has read the real .asc
            byte[] other = ("last month's list " + i).getBytes(StandardCharsets.UTF_8);
            byte[] packet = replace(signer.signPacketNaming(other), Digest.sha256Of(other).hex(), realSha);
            ByteArrayOutputStream file = new ByteArrayOutputStream();
            for (int k = 0; k < 64; k++) {
                file.writeBytes(packet);
            }
            ByteArrayOutputStream armored = new ByteArrayOutputStream();
            try (org.bouncycastle.bcpg.ArmoredOutputStream out = new org.bouncycastle.bcpg.ArmoredOutputStream(armored)) {
                out.write(file.toByteArray());
            }
            byte[] asc = armored.toByteArray();
            old(Files.write(inbox.resolve(LIST + ".asc.conflict-" + Digest.sha256Of(asc).hex().substring(0, 16)), asc));
        }
        InboxScan scan = new InboxScan(inbox, Duration.ofMillis(500), InboxScan.MAX_FILES, trust);
        InboxScan.Candidate c = set(scan);
        Thread.sleep(600);
        for (int i = 0; i < 40 && c.state() != InboxScan.State.READY; i++) {
            c = set(scan);
        }
        assertEquals(InboxScan.State.READY, c.state(), c.note());
        assertEquals(inbox.resolve(LIST + ".asc"), c.files().get(1), c.files().toString());
    }

    private static byte[] replace(byte[] in, String from, String to) {
        String s = new String(in, StandardCharsets.ISO_8859_1);
        int at = s.indexOf(from);
        if (at < 0) {
            throw new IllegalStateException("no notation");
        }
        return (s.substring(0, at) + to + s.substring(at + from.length())).getBytes(StandardCharsets.ISO_8859_1);
    }

    private static InboxScan.Candidate set(InboxScan scan) throws Exception {
        return scan.scan().candidates().stream().filter(x -> x.key().equals(LIST)).findFirst().orElseThrow();
    }

    private static void old(Path p) throws Exception {
        Files.setLastModifiedTime(p, FileTime.from(Instant.now().minusSeconds(60)));
    }
}
