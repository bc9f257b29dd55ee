package dev.airlock.imports.inbox;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.bundle.VolumeList;
import dev.airlock.crypto.BundleSigner;
import dev.airlock.crypto.OpenPgpKeys;
import dev.airlock.crypto.TrustPolicy;
import dev.airlock.digest.Digest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import dev.airlock.crypto.SignatureBlock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass O, O2: the search for a set's signed list checked every pair of a list and a
 * signature delivered before the real pair, so its work grew with the square of a stranger's copies
 * while his grew with their number: 150 lists of this set and 150 real signatures by the trusted key
 * over other files (last month's .asc files), sent first, took 67 scans and 16 s of CPU; 9,000 of each
 * would have taken about 16 hours of one core. The exporter's volume-list signatures name the sha256
 * of the list they sign (a hashed notation, {@link dev.airlock.crypto.BundleSigner#SIGNED_SHA256}),
 * so the real signature is checked against the real list only, after each copy is read once.
 */
class InboxScanPairSearchCostTest {
    private static final String BUNDLE = "daily-000001.airlock.tar";
    private static final String LIST = VolumeList.listName(BUNDLE);

    @TempDir
    Path root;

    private static byte[] list(byte[] volume) {
        return new VolumeList(VolumeList.FORMAT, "daily", 1, BUNDLE, "sha256:" + "0".repeat(64), volume.length, volume.length,
                List.of(new VolumeList.Volume(BUNDLE + ".000", volume.length, Digest.sha256Of(volume).toString()))).toJson();
    }

    private static void put(Path inbox, String name, byte[] bytes) throws Exception {
        Path p = Files.write(inbox.resolve(name), bytes);
        Files.setLastModifiedTime(p, FileTime.from(Instant.now().minusSeconds(60)));
    }

    @Test
    void aHundredAndFiftyListsAndTrustedKeySignaturesSentFirst_theSignedPairIsFoundInAFewScans() throws Exception {
        found(false);
    }

    /** The same with every stranger's signature forged to name the sha256 of one of his lists: one check each. */
    @Test
    void aHundredAndFiftyListsAndSignaturesNamingThemSentFirst_theSignedPairIsFoundInAFewScans() throws Exception {
        found(true);
    }

    private void found(boolean strangersName) throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        OpenPgpKeys.Generated g = OpenPgpKeys.generate("Exporter <e@airlock.test>", null);
        BundleSigner signer = new BundleSigner(OpenPgpKeys.readSecretKey(Files.write(root.resolve("key.asc"), g.secretArmored())), null);
        TrustPolicy trust = new TrustPolicy(OpenPgpKeys.readCertificates(Files.write(root.resolve("cert.asc"), g.certArmored())), 1);
        var stranger = OpenPgpKeys.readSecretKey(Files.write(root.resolve("stranger.asc"),
                OpenPgpKeys.generate("Stranger <s@airlock.test>", null).secretArmored()));
        for (int i = 0; i < 150; i++) {
            byte[] forged = list(("a stranger's volume " + i).getBytes(StandardCharsets.UTF_8));
            byte[] sig = strangersName ? forgedNaming(signer, stranger, forged) : signer.sign(("last month's " + i).getBytes(StandardCharsets.UTF_8));
            put(inbox, LIST + ".conflict-00" + String.format("%014x", i), forged);
            put(inbox, LIST + ".asc.conflict-00" + String.format("%014x", i), sig);
        }
        Thread.sleep(20);
        byte[] volume = "the real volume".getBytes(StandardCharsets.UTF_8);
        byte[] list = list(volume);
        byte[] asc = SignatureBlock.signNaming(list, List.of(signer)); // as the exporter signs a volume list
        put(inbox, BUNDLE + ".000", volume);
        put(inbox, LIST + ".conflict-" + Digest.sha256Of(list).hex().substring(0, 16), list);
        put(inbox, LIST + ".asc.conflict-" + Digest.sha256Of(asc).hex().substring(0, 16), asc);
        InboxScan scan = new InboxScan(inbox, Duration.ofMillis(10), InboxScan.MAX_FILES, trust);
        int scans = 0;
        InboxScan.Candidate c = null;
        while ((c == null || c.state() != InboxScan.State.READY) && scans < 100) {
            scans++;
            c = scan.scan().candidates().stream().filter(x -> x.key().equals(LIST)).findFirst().orElse(null);
        }
        assertTrue(scans <= 5, "the signed pair was found after " + scans + " scans");
    }

    /**
     * What a stranger can make: a signature naming the trusted key as its maker and the sha256 of his list
     * {@code named} as what it signs (both in the hashed area he writes), made with his own key: it claims
     * the trusted key, so the watcher must check it, once, against that list, and it verifies nothing.
     */
    private static byte[] forgedNaming(BundleSigner trusted, org.bouncycastle.openpgp.PGPSecretKeyRing stranger, byte[] named)
            throws Exception {
        org.bouncycastle.openpgp.PGPSecretKey sk = null;
        for (var it = stranger.getSecretKeys(); it.hasNext(); ) {
            sk = it.next(); // the last: generate makes a signing subkey after the primary
        }
        var priv = sk.extractPrivateKey(new org.bouncycastle.openpgp.operator.bc.BcPBESecretKeyDecryptorBuilder(
                new org.bouncycastle.openpgp.operator.bc.BcPGPDigestCalculatorProvider()).build(null));
        org.bouncycastle.openpgp.PGPPublicKey claimed = null;
        for (var it = trusted.certificate().getPublicKeys(); it.hasNext(); ) {
            claimed = it.next();
        }
        var gen = new org.bouncycastle.openpgp.PGPSignatureGenerator(new org.bouncycastle.openpgp.operator.bc.BcPGPContentSignerBuilder(
                sk.getPublicKey().getAlgorithm(), org.bouncycastle.bcpg.HashAlgorithmTags.SHA512), sk.getPublicKey());
        gen.init(org.bouncycastle.openpgp.PGPSignature.BINARY_DOCUMENT, priv);
        var hashed = new org.bouncycastle.openpgp.PGPSignatureSubpacketGenerator();
        hashed.setSignatureCreationTime(true, new java.util.Date());
        hashed.setIssuerFingerprint(false, claimed);
        hashed.setIssuerKeyID(false, claimed.getKeyID());
        hashed.addNotationData(false, true, BundleSigner.SIGNED_SHA256, Digest.sha256Of(named).hex());
        gen.setHashedSubpackets(hashed.generate());
        gen.update(named);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (var armored = new org.bouncycastle.bcpg.ArmoredOutputStream(out)) {
            armored.write(gen.generate().getEncoded());
        }
        return out.toByteArray();
    }
}
