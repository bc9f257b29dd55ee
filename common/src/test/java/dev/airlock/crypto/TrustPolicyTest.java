package dev.airlock.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.error.AirlockException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrustPolicyTest {
    @TempDir
    Path tmp;

    record Key(BundleSigner signer, Path cert, String fingerprint) {
    }

    Key key(String name, char[] passphrase) throws Exception {
        OpenPgpKeys.Generated g = OpenPgpKeys.generate(name + " <" + name + "@airlock.test>", passphrase);
        Path secret = tmp.resolve(name + ".key.asc");
        Path cert = tmp.resolve(name + ".pub.asc");
        Files.write(secret, g.secretArmored());
        Files.write(cert, g.certArmored());
        return new Key(new BundleSigner(OpenPgpKeys.readSecretKey(secret), passphrase), cert, g.fingerprint());
    }

    @Test
    void acceptsTrustedSignature_refusesOtherKeyAndChangedData() throws Exception {
        Key a = key("a", null);
        Key b = key("b", null);
        byte[] data = "bundle".getBytes(StandardCharsets.UTF_8);
        byte[] sig = a.signer().sign(data);
        assertEquals(List.of(a.fingerprint()), new TrustPolicy(OpenPgpKeys.readCertificates(a.cert()), 1).verify(data, sig, "x"));
        AirlockException wrongKey = assertThrows(AirlockException.class,
                () -> new TrustPolicy(OpenPgpKeys.readCertificates(b.cert()), 1).verify(data, sig, "x"));
        assertEquals(AirlockException.Kind.UNTRUSTED, wrongKey.kind());
        AirlockException changed = assertThrows(AirlockException.class, () -> new TrustPolicy(OpenPgpKeys.readCertificates(a.cert()), 1)
                .verify("bundlE".getBytes(StandardCharsets.UTF_8), sig, "x"));
        assertTrue(changed.getMessage().contains("changed"), changed.getMessage());
    }

    @Test
    void threshold_countsDistinctCertificates() throws Exception {
        Key a = key("a", null);
        Key b = key("b", "pw".toCharArray());
        byte[] data = "bundle".getBytes(StandardCharsets.UTF_8);
        List<org.bouncycastle.openpgp.PGPPublicKeyRing> both = new java.util.ArrayList<>(OpenPgpKeys.readCertificates(a.cert()));
        both.addAll(OpenPgpKeys.readCertificates(b.cert()));
        TrustPolicy twoOfTwo = new TrustPolicy(both, 2);
        ByteArrayOutputStream twice = new ByteArrayOutputStream();
        twice.writeBytes(a.signer().sign(data));
        twice.writeBytes(a.signer().sign(data));
        AirlockException sameKeyTwice = assertThrows(AirlockException.class, () -> twoOfTwo.verify(data, twice.toByteArray(), "x"));
        assertTrue(sameKeyTwice.getMessage().contains("requires 2"), sameKeyTwice.getMessage());
        ByteArrayOutputStream two = new ByteArrayOutputStream();
        two.writeBytes(a.signer().sign(data));
        two.writeBytes(b.signer().sign(data));
        assertEquals(2, twoOfTwo.verify(data, two.toByteArray(), "x").size());
        assertThrows(AirlockException.class, () -> new TrustPolicy(OpenPgpKeys.readCertificates(a.cert()), 2));
    }

    /** claims: which of many signature files may verify at all, without cryptography (the watch's search for a set's signed list). */
    @Test
    void claims_countsSignaturesNamingTrustedKeys_zeroBelowTheThresholdOrForWhatIsNoSignature() throws Exception {
        Key a = key("a", null);
        Key b = key("b", null);
        byte[] data = "bundle".getBytes(StandardCharsets.UTF_8);
        List<org.bouncycastle.openpgp.PGPPublicKeyRing> both = new java.util.ArrayList<>(OpenPgpKeys.readCertificates(a.cert()));
        both.addAll(OpenPgpKeys.readCertificates(b.cert()));
        TrustPolicy onlyA = new TrustPolicy(OpenPgpKeys.readCertificates(a.cert()), 1);
        assertEquals(new TrustPolicy.Claims(1, java.util.Set.of()), onlyA.claims(a.signer().sign("other data".getBytes(StandardCharsets.UTF_8))));
        assertEquals(TrustPolicy.Claims.NONE, onlyA.claims(b.signer().sign(data)));
        assertEquals(TrustPolicy.Claims.NONE, onlyA.claims("not a signature".getBytes(StandardCharsets.UTF_8)));
        byte[] naming = SignatureBlock.signNaming(data, List.of(a.signer(), b.signer()));
        assertEquals(new TrustPolicy.Claims(1, java.util.Set.of(dev.airlock.digest.Digest.sha256Of(data).hex())), onlyA.claims(naming));
        assertEquals(List.of(a.fingerprint()), onlyA.verify(data, naming, "x"), "the notation changes nothing of the verification");
        ByteArrayOutputStream aTwice = new ByteArrayOutputStream();
        aTwice.writeBytes(a.signer().sign(data));
        aTwice.writeBytes(a.signer().sign(data));
        assertEquals(2, onlyA.claims(aTwice.toByteArray()).signatures());
        assertEquals(TrustPolicy.Claims.NONE, new TrustPolicy(both, 2).claims(aTwice.toByteArray()), "one certificate cannot meet a threshold of two");
        ByteArrayOutputStream aAndB = new ByteArrayOutputStream();
        aAndB.writeBytes(a.signer().sign(data));
        aAndB.writeBytes(b.signer().sign(data));
        assertEquals(2, new TrustPolicy(both, 2).claims(aAndB.toByteArray()).signatures());
    }

    @Test
    void wrongPassphrase_isAUsageError() throws Exception {
        OpenPgpKeys.Generated g = OpenPgpKeys.generate("p <p@airlock.test>", "right".toCharArray());
        Path secret = tmp.resolve("p.key.asc");
        Files.write(secret, g.secretArmored());
        AirlockException e = assertThrows(AirlockException.class,
                () -> new BundleSigner(OpenPgpKeys.readSecretKey(secret), "wrong".toCharArray()));
        assertEquals(AirlockException.Kind.USAGE, e.kind());
    }

    @Test
    void onlyWhitespaceMayStandOutsideTheArmoredSignatures() throws Exception {
        Key a = key("a", null);
        Key b = key("b", null);
        byte[] data = "bundle".getBytes(StandardCharsets.UTF_8);
        List<org.bouncycastle.openpgp.PGPPublicKeyRing> both = new java.util.ArrayList<>(OpenPgpKeys.readCertificates(a.cert()));
        both.addAll(OpenPgpKeys.readCertificates(b.cert()));
        TrustPolicy twoOfTwo = new TrustPolicy(both, 2);
        String sa = new String(a.signer().sign(data), StandardCharsets.US_ASCII);
        String sb = new String(b.signer().sign(data), StandardCharsets.US_ASCII);
        String padded = new String(SignatureBlock.sign(data, List.of(a.signer(), b.signer())), StandardCharsets.US_ASCII);

        // Accepted: the padded block, and (bundles written before the padding) separate blocks, with any whitespace around.
        for (String ok : List.of(padded, padded + " \t\r\n", sa + sb, "\n \t" + sa + "\r\n\r\n \t" + sb + "\n\n\n")) {
            assertEquals(2, twoOfTwo.verify(data, ok.getBytes(StandardCharsets.US_ASCII), "bundle.json").size(), ok);
        }
        String end = "-----END PGP SIGNATURE-----";
        for (String junk : List.of(padded + "x", padded.replace("\n\n\n", "\n.\n"), "junk\n" + padded, sa + "junk\n" + sb,
                sa.replace(end, end + "x") + sb, sa + sb + "\0", sa + sb + "\u00a0", sa.substring(0, sa.indexOf(end)))) {
            AirlockException e = assertThrows(AirlockException.class,
                    () -> twoOfTwo.verify(data, junk.getBytes(StandardCharsets.UTF_8), "bundle.json"), junk);
            assertEquals(AirlockException.Kind.UNTRUSTED, e.kind(), e.getMessage());
        }
    }

    /** The fingerprint of the signing subkey of a generated key, as gpg prints it (40 hex). */
    static String subkeyFingerprint(Path cert) {
        org.bouncycastle.openpgp.PGPPublicKeyRing ring = OpenPgpKeys.readCertificates(cert).get(0);
        for (org.bouncycastle.openpgp.PGPPublicKey k : ring) {
            if (!k.isMasterKey()) {
                return java.util.HexFormat.of().withUpperCase().formatHex(k.getFingerprint());
            }
        }
        throw new AssertionError("no subkey");
    }

    @Test
    void unknownSigner_isNamedByItsSigningKeysFingerprint_withHowToCompare() throws Exception {
        Key a = key("a", null);
        Key b = key("b", null);
        byte[] data = "bundle".getBytes(StandardCharsets.UTF_8);
        AirlockException e = assertThrows(AirlockException.class,
                () -> new TrustPolicy(OpenPgpKeys.readCertificates(b.cert()), 1).verify(data, a.signer().sign(data), "bundle.json"));
        assertEquals(AirlockException.Kind.UNTRUSTED, e.kind());
        assertEquals("bundle.json is not signed by any trusted key: its signer is not in --trust, and a signature names only the key"
                + " that made it (usually a signing subkey, not the primary key), here fingerprint " + subkeyFingerprint(a.cert())
                + "; the signer's certificate holds both: 'gpg --with-subkey-fingerprints --show-keys CERT.asc' lists its primary"
                + " fingerprint and each subkey's; trusted: " + b.fingerprint()
                + ". Pass the signer's certificate with --trust only if you trust it", e.getMessage());
        assertTrue(!e.getMessage().contains(a.fingerprint()), "the signer's primary fingerprint is not in its signature");
    }

    @Test
    void unknownSigner_withoutIssuerFingerprint_isNamedByKeyId() throws Exception {
        OpenPgpKeys.Generated g = OpenPgpKeys.generate("old <old@airlock.test>", null);
        Path secret = tmp.resolve("old.key.asc");
        Files.write(secret, g.secretArmored());
        org.bouncycastle.openpgp.PGPSecretKeyRing ring = OpenPgpKeys.readSecretKey(secret);
        org.bouncycastle.openpgp.PGPSecretKey sub = null;
        for (org.bouncycastle.openpgp.PGPSecretKey k : ring) {
            if (!k.isMasterKey()) {
                sub = k;
            }
        }
        // A signature as older tools make them: the issuer's 64-bit key ID only.
        org.bouncycastle.openpgp.PGPSignatureGenerator gen = new org.bouncycastle.openpgp.PGPSignatureGenerator(
                OpenPgpKeys.signer(), sub.getPublicKey());
        gen.init(org.bouncycastle.openpgp.PGPSignature.BINARY_DOCUMENT, sub.extractPrivateKey(
                new org.bouncycastle.openpgp.operator.bc.BcPBESecretKeyDecryptorBuilder(
                        new org.bouncycastle.openpgp.operator.bc.BcPGPDigestCalculatorProvider()).build(new char[0])));
        org.bouncycastle.openpgp.PGPSignatureSubpacketGenerator hashed = new org.bouncycastle.openpgp.PGPSignatureSubpacketGenerator();
        hashed.setSignatureCreationTime(true, new java.util.Date());
        hashed.setIssuerKeyID(false, sub.getKeyID());
        gen.setHashedSubpackets(hashed.generate());
        byte[] data = "bundle".getBytes(StandardCharsets.UTF_8);
        gen.update(data);
        byte[] sig = OpenPgpKeys.armor(gen.generate().getEncoded());
        Key b = key("b", null);
        AirlockException e = assertThrows(AirlockException.class,
                () -> new TrustPolicy(OpenPgpKeys.readCertificates(b.cert()), 1).verify(data, sig, "bundle.json"));
        assertTrue(e.getMessage().contains("here key ID " + String.format("%016X", sub.getKeyID()) + "; "), e.getMessage());
        // The same signature from a trusted key is accepted and reported by the primary fingerprint.
        Path cert = tmp.resolve("old.pub.asc");
        Files.write(cert, g.certArmored());
        assertEquals(List.of(g.fingerprint()), new TrustPolicy(OpenPgpKeys.readCertificates(cert), 1).verify(data, sig, "bundle.json"));
    }

    @Test
    void wrongPassphrase_namesThePrimaryFingerprint_andTheSubkey() throws Exception {
        OpenPgpKeys.Generated g = OpenPgpKeys.generate("q <q@airlock.test>", "right".toCharArray());
        Path secret = tmp.resolve("q.key.asc");
        Path cert = tmp.resolve("q.pub.asc");
        Files.write(secret, g.secretArmored());
        Files.write(cert, g.certArmored());
        AirlockException e = assertThrows(AirlockException.class,
                () -> new BundleSigner(OpenPgpKeys.readSecretKey(secret), "wrong".toCharArray()));
        assertEquals("cannot unlock the signing key " + g.fingerprint() + " (subkey " + subkeyFingerprint(cert)
                + "): wrong or missing passphrase (--passphrase-file or AIRLOCK_KEY_PASSPHRASE)", e.getMessage());
    }

    @Test
    void theFingerprintsWePrint_areTheOnesGpgShows() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(dev.airlock.testing.Tools.has("gpg"), "gpg is not installed (apt-get install gnupg)");
        Key a = key("a", null);
        Path home = Files.createDirectories(tmp.resolve("gnupg"));
        Files.setPosixFilePermissions(home, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        dev.airlock.testing.Tools.Result r = dev.airlock.testing.Tools.run(List.of("gpg", "--homedir", home.toString(), "--batch",
                "--with-colons", "--with-subkey-fingerprints", "--show-keys", a.cert().toString()), java.util.Map.of(), null);
        assertEquals(0, r.exitCode(), r.stderr());
        List<String> fprs = r.stdout().lines().filter(l -> l.startsWith("fpr:")).map(l -> l.split(":")[9]).toList();
        assertEquals(List.of(a.fingerprint(), subkeyFingerprint(a.cert())), fprs);
    }
}
