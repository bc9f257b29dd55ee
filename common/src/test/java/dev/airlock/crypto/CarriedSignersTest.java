package dev.airlock.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.error.AirlockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.bouncycastle.bcpg.sig.KeyFlags;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.bouncycastle.openpgp.PGPSecretKey;
import org.bouncycastle.openpgp.PGPSecretKeyRing;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPSignatureGenerator;
import org.bouncycastle.openpgp.PGPSignatureSubpacketGenerator;
import org.bouncycastle.openpgp.operator.bc.BcPBESecretKeyDecryptorBuilder;
import org.bouncycastle.openpgp.operator.bc.BcPGPDigestCalculatorProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a certificate carried in a signed JSON document may say about a signer not in --trust
 * (issue 22, item 2): its primary fingerprint and claimed user ID when its key made the signature,
 * nothing otherwise; unreadable or oversized certificates name no one.
 */
class CarriedSignersTest {
    private static final byte[] DATA = "{\"format\":\"x\"}".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path tmp;

    record Key(OpenPgpKeys.Generated generated, PGPSecretKeyRing secret, BundleSigner signer, PGPPublicKeyRing cert, Path certFile) {
        String armoredCert() {
            return new String(generated.certArmored(), StandardCharsets.US_ASCII);
        }
    }

    private Key key(String name) throws Exception {
        OpenPgpKeys.Generated g = OpenPgpKeys.generate(name + " <" + name + "@example.org>", null);
        Path secret = Files.write(tmp.resolve(name + ".key.asc"), g.secretArmored());
        Path cert = Files.write(tmp.resolve(name + ".pub.asc"), g.certArmored());
        PGPSecretKeyRing ring = OpenPgpKeys.readSecretKey(secret);
        return new Key(g, ring, new BundleSigner(ring, null), OpenPgpKeys.readCertificates(cert).get(0), cert);
    }

    private static byte[] json(Object certificates) throws Exception {
        return new ObjectMapper().writeValueAsBytes(Map.of("format", "x", SignerCertificates.FIELD, certificates));
    }

    private static String refusal(Key trusted, byte[] signature, byte[] carriedIn) {
        AirlockException e = assertThrows(AirlockException.class, () -> new TrustPolicy(List.of(trusted.cert()), 1)
                .verify(DATA, signature, "bundle.json", () -> CarriedSigners.fromJson(carriedIn)));
        assertEquals(AirlockException.Kind.UNTRUSTED, e.kind());
        return e.getMessage();
    }

    private static String today(Key signer, Key trusted) {
        return "bundle.json is not signed by any trusted key: its signer is not in --trust, and a signature names only the key that"
                + " made it (usually a signing subkey, not the primary key), here fingerprint " + TrustPolicyTest.subkeyFingerprint(signer.certFile())
                + "; the signer's certificate holds both: 'gpg --with-subkey-fingerprints --show-keys CERT.asc' lists its primary"
                + " fingerprint and each subkey's; trusted: " + trusted.generated().fingerprint()
                + ". Pass the signer's certificate with --trust only if you trust it";
    }

    @Test
    void unknownSigner_isNamedByTheCertificateWhoseKeySigned_andAnotherCarriedCertificateIsPassedOver() throws Exception {
        Key mirror = key("mirror");
        Key other = key("other");
        Key trusted = key("trusted");
        byte[] carried = json(List.of(SignerCertificates.pad(other.armoredCert()), SignerCertificates.pad(mirror.armoredCert())));
        String message = refusal(trusted, mirror.signer().sign(DATA), carried);
        assertEquals("bundle.json is not signed by any trusted key: it is signed by " + mirror.generated().fingerprint()
                + " (claims 'mirror <mirror@example.org>'), which is not in --trust; trusted: " + trusted.generated().fingerprint()
                + ". Pass the signer's certificate with --trust only if you trust it", message);
        assertFalse(message.contains("other"), message);
    }

    @Test
    void aCertificateWhoseKeyDidNotMakeTheSignature_namesNoOne() throws Exception {
        Key mirror = key("mirror");
        Key forger = key("forger");
        Key trusted = key("trusted");
        String message = refusal(trusted, forger.signer().sign(DATA), json(List.of(mirror.armoredCert())));
        assertEquals(today(forger, trusted), message);
    }

    @Test
    void unreadableOversizedOrMisplacedCertificates_keepTodaysMessage() throws Exception {
        Key mirror = key("mirror");
        Key trusted = key("trusted");
        byte[] sig = mirror.signer().sign(DATA);
        String cert = mirror.armoredCert();
        List<byte[]> carriers = List.of(
                "not json".getBytes(StandardCharsets.UTF_8),
                new ObjectMapper().writeValueAsBytes(List.of(cert)),
                new ObjectMapper().writeValueAsBytes(Map.of("nested", Map.of(SignerCertificates.FIELD, List.of(cert)))),
                json(cert),
                json(List.of(cert + " ".repeat(CarriedSigners.MAX_BYTES))),
                json(List.of("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nAAAA\n-----END PGP PUBLIC KEY BLOCK-----\n", "", 7)),
                json(List.of(cert.substring(0, cert.length() / 2))),
                ("{\"" + SignerCertificates.FIELD + "\":[\"" + cert.replace("\n", "\\n")).getBytes(StandardCharsets.UTF_8));
        for (byte[] carrier : carriers) {
            assertEquals(today(mirror, trusted), refusal(trusted, sig, carrier), new String(carrier, StandardCharsets.UTF_8));
        }
    }

    /**
     * Someone binds Mirror's signing subkey to a primary key of their own, claiming Mirror's user ID:
     * Mirror's real signatures must not be named by that primary. Without the subkey's own
     * back-signature the binding is not the subkey owner's word.
     */
    @Test
    void aSubkeyBoundToAnotherPrimaryWithoutItsBackSignature_namesNoOne() throws Exception {
        Key mirror = key("mirror");
        Key thief = key("thief");
        Key trusted = key("trusted");
        PGPPublicKey stolen = null;
        for (PGPPublicKey k : mirror.cert()) {
            if (!k.isMasterKey()) {
                stolen = k;
            }
        }
        for (java.util.Iterator<PGPSignature> it = stolen.getSignaturesOfType(PGPSignature.SUBKEY_BINDING); it.hasNext();) {
            stolen = PGPPublicKey.removeCertification(stolen, it.next());
        }
        PGPSecretKey thiefPrimary = thief.secret().getSecretKey();
        PGPSignatureGenerator gen = new PGPSignatureGenerator(OpenPgpKeys.signer(), thiefPrimary.getPublicKey());
        gen.init(PGPSignature.SUBKEY_BINDING, thiefPrimary.extractPrivateKey(
                new BcPBESecretKeyDecryptorBuilder(new BcPGPDigestCalculatorProvider()).build(new char[0])));
        PGPSignatureSubpacketGenerator hashed = new PGPSignatureSubpacketGenerator();
        hashed.setSignatureCreationTime(true, new Date());
        hashed.setKeyFlags(true, KeyFlags.SIGN_DATA);
        gen.setHashedSubpackets(hashed.generate());
        PGPPublicKey rebound = PGPPublicKey.addCertification(stolen, gen.generateCertification(thiefPrimary.getPublicKey(), stolen));
        PGPPublicKeyRing forged = new PGPPublicKeyRing(List.of(thief.cert().getPublicKey(), rebound));
        assertEquals(true, TrustPolicy.subkeyMaySign(forged.getPublicKey(), rebound), "the forged binding itself verifies");

        String armored = new String(OpenPgpKeys.armor(forged.getEncoded()), StandardCharsets.US_ASCII);
        String message = refusal(trusted, mirror.signer().sign(DATA), json(List.of(armored)));
        assertEquals(today(mirror, trusted), message);
        assertFalse(message.contains(thief.generated().fingerprint()), message);
    }

    @Test
    void twoSigners_areBothNamed_butMoreUnknownSignaturesThanTheBound_keepTodaysMessage() throws Exception {
        Key mirror = key("mirror");
        Key second = key("second");
        Key trusted = key("trusted");
        byte[] carried = json(SignerCertificates.padded(List.of(mirror.signer(), second.signer())));
        String two = refusal(trusted, SignatureBlock.sign(DATA, List.of(mirror.signer(), second.signer(), mirror.signer())), carried);
        assertEquals("bundle.json is not signed by any trusted key: it is signed by " + mirror.generated().fingerprint()
                + " (claims 'mirror <mirror@example.org>') and " + second.generated().fingerprint() + " (claims 'second <second@example.org>'),"
                + " which are not in --trust; trusted: " + trusted.generated().fingerprint()
                + ". Pass the signer's certificate with --trust only if you trust it", two);
        // Each naming hashes the whole document again (up to 64 MiB): past the bound, no naming at all.
        List<BundleSigner> many = java.util.Collections.nCopies(CarriedSigners.MAX_NAMED + 1, mirror.signer());
        String message = refusal(trusted, SignatureBlock.sign(DATA, many), carried);
        assertFalse(message.contains("claims"), message);
        assertEquals(CarriedSigners.MAX_NAMED + 1, message.split(TrustPolicyTest.subkeyFingerprint(mirror.certFile()), -1).length - 1, message);
    }

    @Test
    void paddedEntries_takeExactly4096BytesOfJsonPerSigner_likeAPlansPlaceholders() throws Exception {
        Key mirror = key("mirror");
        Key second = key("second");
        ObjectMapper pretty = new ObjectMapper().enable(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT);
        int one = pretty.writeValueAsBytes(Map.of(SignerCertificates.FIELD, SignerCertificates.placeholders(1))).length;
        int two = pretty.writeValueAsBytes(Map.of(SignerCertificates.FIELD, SignerCertificates.placeholders(2))).length;
        byte[] real = pretty.writeValueAsBytes(Map.of(SignerCertificates.FIELD, SignerCertificates.padded(List.of(mirror.signer(),
                second.signer()))));
        assertEquals(4096, two - one);
        assertEquals(two, real.length);
        // What a reader gets back is the certificate gpg reads (trailing spaces after the armor are ignored).
        assertEquals(mirror.generated().fingerprint(), OpenPgpKeys.fingerprint(
                new PGPPublicKeyRing(org.bouncycastle.openpgp.PGPUtil.getDecoderStream(new java.io.ByteArrayInputStream(
                        SignerCertificates.padded(List.of(mirror.signer())).get(0).getBytes(StandardCharsets.US_ASCII))),
                        new org.bouncycastle.openpgp.operator.bc.BcKeyFingerprintCalculator())));
    }
}
