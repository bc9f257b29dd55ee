package dev.airlock.upstream;

import java.io.IOException;
import java.io.StringReader;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.HexFormat;
import java.util.List;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PEMParser;

/**
 * Public keys as cosign uses them: read from PEM (SubjectPublicKeyInfo), named by the SHA-256 of
 * their DER, and checked against a signature the way cosign's verifiers accept it: ECDSA (ASN.1
 * DER signature) over SHA-256 — P-384 also over SHA-384, which newer cosign picks for it —,
 * Ed25519 over the message itself, RSA PKCS#1 v1.5 or PSS over SHA-256.
 */
final class PublicKeys {
    private static final BouncyCastleProvider BC = new BouncyCastleProvider();

    private PublicKeys() {
    }

    /** The key in a PEM {@code PUBLIC KEY} block; throws with a reason a person can act on. */
    static PublicKey fromPem(String pem) throws GeneralSecurityException {
        Object o;
        try (PEMParser p = new PEMParser(new StringReader(pem))) {
            o = p.readObject();
        } catch (IOException e) {
            throw new GeneralSecurityException("not a PEM public key: " + e.getMessage());
        }
        if (!(o instanceof SubjectPublicKeyInfo spki)) {
            throw new GeneralSecurityException(o == null ? "no PEM block in it" : "a PEM block that is not a PUBLIC KEY");
        }
        try {
            return fromDer(spki.getEncoded());
        } catch (IOException e) {
            throw new GeneralSecurityException("unreadable public key: " + e.getMessage());
        }
    }

    /** A DER SubjectPublicKeyInfo of a key type cosign signs with. */
    static PublicKey fromDer(byte[] der) throws GeneralSecurityException {
        for (String alg : List.of("EC", "Ed25519", "RSA")) {
            try {
                return KeyFactory.getInstance(alg).generatePublic(new X509EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // try the next type
            }
        }
        throw new GeneralSecurityException("a public key of a type cosign does not sign with (ECDSA, Ed25519, RSA)");
    }

    static String sha256Hex(PublicKey key) {
        return HexFormat.of().formatHex(sha256(key.getEncoded()));
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether {@code sig} is {@code key}'s signature over {@code data}; false for a malformed signature. */
    static boolean verifies(PublicKey key, byte[] data, byte[] sig) {
        for (String alg : algorithms(key)) {
            if (check(alg, key, data, sig)) {
                return true;
            }
        }
        return false;
    }

    /** For a Sigstore messageSignature, which signs a digest: ECDSA only (Ed25519 cannot sign a prehash). */
    static boolean verifiesPrehashed(PublicKey key, byte[] sha256, byte[] sig) {
        return key instanceof ECPublicKey && check("NONEwithECDSA", key, sha256, sig);
    }

    private static List<String> algorithms(PublicKey key) {
        if (key instanceof ECPublicKey ec) {
            return ec.getParams().getCurve().getField().getFieldSize() > 256 ? List.of("SHA384withECDSA", "SHA256withECDSA")
                    : List.of("SHA256withECDSA");
        }
        if (key instanceof RSAPublicKey) {
            return List.of("SHA256withRSA", "SHA256withRSA/PSS");
        }
        return List.of("Ed25519");
    }

    private static boolean check(String alg, PublicKey key, byte[] data, byte[] sig) {
        try {
            Signature s = alg.contains("/PSS") || alg.startsWith("NONE") ? Signature.getInstance(alg, BC) : Signature.getInstance(alg);
            s.initVerify(key);
            s.update(data);
            return s.verify(sig);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false; // a signature that is not even well formed does not verify
        }
    }
}
