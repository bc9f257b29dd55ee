package dev.airlock.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.airlock.error.AirlockException;
import dev.airlock.testing.Tools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The signature entry has one size per signer count, although the signatures in it do not: and
 * gpg, sqv and TrustPolicy all accept the padded entry.
 */
class SignatureBlockTest {
    @TempDir
    static Path tmp;

    static BundleSigner a;
    static BundleSigner b;
    /** Both certificates in one file, as sqv's --keyring takes them. */
    static Path certs;
    static List<PGPPublicKeyRing> both;
    /** Data whose signature by {@code a} is shorter than usual (an MPI lost a leading zero byte). */
    static byte[] shortData;
    static byte[] shortPacket;
    /** A signature packet of the usual (longest) length. */
    static byte[] usualPacket;

    @BeforeAll
    static void keys() throws Exception {
        a = signer("a");
        b = signer("b");
        certs = tmp.resolve("certs.asc");
        Files.write(certs, concat(Files.readAllBytes(tmp.resolve("a.pub.asc")), Files.readAllBytes(tmp.resolve("b.pub.asc"))));
        both = new ArrayList<>(OpenPgpKeys.readCertificates(tmp.resolve("a.pub.asc")));
        both.addAll(OpenPgpKeys.readCertificates(tmp.resolve("b.pub.asc")));
        // About one Ed25519 signature in 128 has a leading zero byte in r or s; look for one.
        usualPacket = a.signPacket("usual".getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < 20_000 && shortPacket == null; i++) {
            byte[] data = ("bundle.json " + i).getBytes(StandardCharsets.UTF_8);
            byte[] packet = a.signPacket(data);
            if (packet.length < usualPacket.length) {
                shortData = data;
                shortPacket = packet;
            } else if (packet.length > usualPacket.length) {
                usualPacket = packet; // the first sample was itself a short one
            }
        }
        assertNotNull(shortPacket, "no short signature in 20000: the signatures' length does not vary any more");
    }

    private static BundleSigner signer(String name) throws Exception {
        OpenPgpKeys.Generated g = OpenPgpKeys.generate(name + " <" + name + "@airlock.test>", null);
        Files.write(tmp.resolve(name + ".key.asc"), g.secretArmored());
        Files.write(tmp.resolve(name + ".pub.asc"), g.certArmored());
        return new BundleSigner(OpenPgpKeys.readSecretKey(tmp.resolve(name + ".key.asc")), null);
    }

    private static byte[] concat(byte[] x, byte[] y) {
        byte[] out = Arrays.copyOf(x, x.length + y.length);
        System.arraycopy(y, 0, out, x.length, y.length);
        return out;
    }

    @Test
    void entrySize_dependsOnlyOnTheSignerCount_thoughTheArmoredSignaturesDiffer() throws Exception {
        byte[] usual = usualPacket;
        // Unpadded, two signatures in one armored block differ in length: what made plan's size inexact.
        assertNotEquals(OpenPgpKeys.armor(concat(shortPacket, usual)).length, OpenPgpKeys.armor(concat(usual, usual)).length);

        for (List<byte[]> packets : List.of(List.of(shortPacket), List.of(usual), List.of(shortPacket, usual), List.of(usual, usual),
                List.of(usual, shortPacket, usual))) {
            byte[] block = SignatureBlock.encode(packets);
            assertEquals(SignatureBlock.size(packets.size()), block.length);
            assertEquals(512L * packets.size(), block.length);
            String text = new String(block, StandardCharsets.US_ASCII);
            assertTrue(text.startsWith("-----BEGIN PGP SIGNATURE-----\n"), text);
            String tail = text.substring(text.indexOf("-----END PGP SIGNATURE-----") + "-----END PGP SIGNATURE-----".length());
            assertTrue(tail.chars().allMatch(c -> c == '\n'), "only newlines after the armor");
        }
    }

    @Test
    void signatureBeyondItsShare_isRefusedClearly() {
        AirlockException e = assertThrows(AirlockException.class, () -> SignatureBlock.encode(List.of(new byte[400])));
        assertEquals(AirlockException.Kind.INTERNAL, e.kind());
        assertTrue(e.getMessage().contains("512 per signer"), e.getMessage());
    }

    @Test
    void trustPolicy_acceptsAPaddedTwoSignatureBlock_withAShortSignature() {
        byte[] block = SignatureBlock.encode(List.of(shortPacket, b.signPacket(shortData)));
        assertEquals(2, new TrustPolicy(both, 2).verify(shortData, block, "bundle.json").size());
        byte[] signed = SignatureBlock.sign(shortData, List.of(b, a));
        assertEquals(1024, signed.length);
        assertEquals(2, new TrustPolicy(both, 2).verify(shortData, signed, "bundle.json").size());
        AirlockException changed = assertThrows(AirlockException.class,
                () -> new TrustPolicy(both, 1).verify("changed".getBytes(StandardCharsets.UTF_8), signed, "bundle.json"));
        assertEquals(AirlockException.Kind.UNTRUSTED, changed.kind());
    }

    @Test
    void gpgVerify_acceptsAPaddedTwoSignatureBlock_withAShortSignature() throws Exception {
        assumeTrue(Tools.has("gpg"), "gpg is not installed (apt-get install gnupg)");
        Path dir = Files.createDirectories(tmp.resolve("gpg-check"));
        Path data = Files.write(dir.resolve("bundle.json"), shortData);
        Path sig = Files.write(dir.resolve("bundle.json.asc"), SignatureBlock.encode(List.of(shortPacket, b.signPacket(shortData))));
        Path home = Files.createDirectories(dir.resolve("gnupg"));
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx------"));
        Map<String, String> env = Map.of("GNUPGHOME", home.toString());
        Tools.run(List.of("gpg", "--batch", "--import", tmp.resolve("a.pub.asc").toString(), tmp.resolve("b.pub.asc").toString()), env,
                null).ok();

        Tools.Result good = Tools.run(List.of("gpg", "--batch", "--status-fd", "1", "--verify", sig.toString(), data.toString()), env, null);
        assertEquals(0, good.exitCode(), good.stderr());
        assertEquals(2, good.stdout().lines().filter(l -> l.startsWith("[GNUPG:] GOODSIG ")).count(), good.stdout());

        Files.write(data, "changed".getBytes(StandardCharsets.UTF_8));
        Tools.Result bad = Tools.run(List.of("gpg", "--batch", "--status-fd", "1", "--verify", sig.toString(), data.toString()), env, null);
        assertNotEquals(0, bad.exitCode(), "gpg must refuse changed data");
        assertTrue(bad.stdout().contains("[GNUPG:] BADSIG "), bad.stdout());
        assertFalse(bad.stdout().contains("[GNUPG:] GOODSIG "), bad.stdout());
    }

    @Test
    void sqv_acceptsAPaddedTwoSignatureBlock_withAShortSignature_andCountsBothSigners() throws Exception {
        assumeTrue(Tools.has("sqv"), "sqv is not installed (apt-get install sqv)");
        Path dir = Files.createDirectories(tmp.resolve("sqv-check"));
        Path data = Files.write(dir.resolve("bundle.json"), shortData);
        Path sig = Files.write(dir.resolve("bundle.json.asc"), SignatureBlock.encode(List.of(shortPacket, b.signPacket(shortData))));

        Tools.Result good = Tools.run("sqv", "--signatures", "2", "--keyring", certs.toString(), sig.toString(), data.toString());
        assertEquals(0, good.exitCode(), good.stderr());
        List<String> signers = new ArrayList<>(good.stdout().lines().map(String::trim).filter(l -> !l.isEmpty()).toList());
        assertEquals(2, signers.size(), good.stdout());

        Files.write(data, "changed".getBytes(StandardCharsets.UTF_8));
        Tools.Result bad = Tools.run("sqv", "--keyring", certs.toString(), sig.toString(), data.toString());
        assertNotEquals(0, bad.exitCode(), "sqv must refuse changed data");
    }
}
