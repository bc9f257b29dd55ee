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
}
