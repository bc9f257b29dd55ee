package dev.airlock.imports.inbox;

import static org.junit.jupiter.api.Assertions.assertTrue;

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
import org.bouncycastle.bcpg.ArmoredOutputStream;
import org.bouncycastle.bcpg.HashAlgorithmTags;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPSecretKey;
import org.bouncycastle.openpgp.PGPSecretKeyRing;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPSignatureGenerator;
import org.bouncycastle.openpgp.PGPSignatureSubpacketGenerator;
import org.bouncycastle.openpgp.operator.bc.BcPBESecretKeyDecryptorBuilder;
import org.bouncycastle.openpgp.operator.bc.BcPGPContentSignerBuilder;
import org.bouncycastle.openpgp.operator.bc.BcPGPDigestCalculatorProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass P, P1: a signature naming a sha256 is checked against every list file of that sha256,
 * by stamp, so a stranger who copies one list of this set n times and one forged signature naming it
 * (64 signatures claiming the trusted key, the most a file may hold) n times, all sent before the real
 * pair, costs the watcher n² checks of 66 units each: his work is 2n copies ({@code cp}), the search's
 * grows with their square again (red-team pass O, O2's fix bypassed). 100 of each took 600+ scans.
 * Files of the same bytes are the same file to a signature check.
 */
class InboxScanNamingCopiesCostTest {
    private static final String BUNDLE = SignedSetFixture.BUNDLE;
    private static final String LIST = SignedSetFixture.LIST;

    @TempDir
    Path root;

    @Test
    void aHundredCopiesOfOneListAndOfOneSignatureNamingItSentFirst_theSignedPairIsFoundInAFewScans() throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        SignedSetFixture.Keys keys = SignedSetFixture.keys(root);
        BundleSigner signer = keys.signer();
        TrustPolicy trust = keys.trust();
        PGPSecretKeyRing stranger = keys.stranger();
        byte[] forged = SignedSetFixture.list("a stranger's volume".getBytes(StandardCharsets.UTF_8));
        byte[] sig = forgedNaming(signer, stranger, forged, 64);
        for (int i = 0; i < 100; i++) {
            SignedSetFixture.put(inbox, LIST + ".conflict-00" + String.format("%014x", i), forged);
            SignedSetFixture.put(inbox, LIST + ".asc.conflict-00" + String.format("%014x", i), sig);
        }
        Thread.sleep(20);
        int scans = realFoundAfter(inbox, signer, trust);
        assertTrue(scans <= 5, "the signed pair was found after " + scans + " scans");
    }

    /**
     * P1b: a file may hold 64 signatures, each naming up to 4 sha256s: 20 signature files naming each of
     * 256 lists of this set cost 5,120 checks of 66 units (330 scans), where airlock's own signature
     * names one sha256 and no list can be of two.
     */
    @Test
    void twentySignaturesEachNamingTwoHundredAndFiftySixListsSentFirst_theSignedPairIsFoundInAFewScans() throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        SignedSetFixture.Keys keys = SignedSetFixture.keys(root);
        BundleSigner signer = keys.signer();
        TrustPolicy trust = keys.trust();
        PGPSecretKeyRing stranger = keys.stranger();
        List<byte[]> forged = new java.util.ArrayList<>();
        for (int i = 0; i < 256; i++) {
            forged.add(SignedSetFixture.list(("a stranger's volume " + i).getBytes(StandardCharsets.UTF_8)));
            SignedSetFixture.put(inbox, LIST + ".conflict-00" + String.format("%014x", i), forged.get(i));
        }
        for (int i = 0; i < 20; i++) {
            SignedSetFixture.put(inbox, LIST + ".asc.conflict-00" + String.format("%014x", i), forgedNaming(signer, stranger, forged, i));
        }
        Thread.sleep(20);
        int scans = realFoundAfter(inbox, signer, trust);
        assertTrue(scans <= 5, "the signed pair was found after " + scans + " scans");
    }

    private static int realFoundAfter(Path inbox, BundleSigner signer, TrustPolicy trust) throws Exception {
        byte[] volume = "the real volume".getBytes(StandardCharsets.UTF_8);
        byte[] list = SignedSetFixture.list(volume);
        byte[] asc = SignatureBlock.signNaming(list, List.of(signer));
        SignedSetFixture.put(inbox, BUNDLE + ".000", volume);
        SignedSetFixture.put(inbox, LIST + ".conflict-" + Digest.sha256Of(list).hex().substring(0, 16), list);
        SignedSetFixture.put(inbox, LIST + ".asc.conflict-" + Digest.sha256Of(asc).hex().substring(0, 16), asc);
        InboxScan scan = new InboxScan(inbox, Duration.ofMillis(10), InboxScan.MAX_FILES, trust);
        int scans = 0;
        InboxScan.Candidate c = null;
        while ((c == null || c.state() != InboxScan.State.READY) && scans < 60) {
            scans++;
            c = scan.scan().candidates().stream().filter(x -> x.key().equals(LIST)).findFirst().orElse(null);
        }
        return scans;
    }

    /** 64 signatures claiming the trusted key, the k-th naming the sha256s of lists 4k..4k+3 (mod their count); {@code salt} makes the file's bytes its own. */
    static byte[] forgedNaming(BundleSigner trusted, PGPSecretKeyRing stranger, List<byte[]> lists, int salt) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int k = 0; k < 64; k++) {
            List<byte[]> named = new java.util.ArrayList<>();
            for (int j = 0; j < 4; j++) {
                named.add(lists.get((4 * k + j) % lists.size()));
            }
            out.write(forged(trusted, stranger, named, ("salt " + salt).getBytes(StandardCharsets.UTF_8)));
        }
        ByteArrayOutputStream armoredOut = new ByteArrayOutputStream();
        try (var armored = new ArmoredOutputStream(armoredOut)) {
            armored.write(out.toByteArray());
        }
        return armoredOut.toByteArray();
    }

    /**
     * What a stranger can make: {@code count} signatures, each naming the trusted key as its maker and
     * the sha256 of {@code named} as what it signs (both in the hashed area he writes), made with his own key.
     */
    static byte[] forgedNaming(BundleSigner trusted, PGPSecretKeyRing stranger, byte[] named, int count) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (var armored = new ArmoredOutputStream(out)) {
            for (int i = 0; i < count; i++) {
                armored.write(forged(trusted, stranger, List.of(named), named));
            }
        }
        return out.toByteArray();
    }

    /** One binary signature packet by the stranger's key over {@code data}, claiming the trusted key and naming the sha256 of each of {@code named}. */
    private static byte[] forged(BundleSigner trusted, PGPSecretKeyRing stranger, List<byte[]> named, byte[] data) throws Exception {
        PGPSecretKey sk = null;
        for (var it = stranger.getSecretKeys(); it.hasNext(); ) {
            sk = it.next(); // the last: generate makes a signing subkey after the primary
        }
        var priv = sk.extractPrivateKey(new BcPBESecretKeyDecryptorBuilder(new BcPGPDigestCalculatorProvider()).build(null));
        PGPPublicKey claimed = null;
        for (var it = trusted.certificate().getPublicKeys(); it.hasNext(); ) {
            claimed = it.next();
        }
        var gen = new PGPSignatureGenerator(new BcPGPContentSignerBuilder(sk.getPublicKey().getAlgorithm(), HashAlgorithmTags.SHA512),
                sk.getPublicKey());
        gen.init(PGPSignature.BINARY_DOCUMENT, priv);
        var hashed = new PGPSignatureSubpacketGenerator();
        hashed.setSignatureCreationTime(true, new java.util.Date());
        hashed.setIssuerFingerprint(false, claimed);
        hashed.setIssuerKeyID(false, claimed.getKeyID());
        for (byte[] n : named) {
            hashed.addNotationData(false, true, BundleSigner.SIGNED_SHA256, Digest.sha256Of(n).hex());
        }
        gen.setHashedSubpackets(hashed.generate());
        gen.update(data);
        return gen.generate().getEncoded();
    }
}
