package dev.airlock.crypto;

import dev.airlock.error.AirlockException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Date;
import java.util.Iterator;
import org.bouncycastle.bcpg.PublicKeyAlgorithmTags;
import org.bouncycastle.bcpg.sig.KeyFlags;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPPrivateKey;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPSecretKey;
import org.bouncycastle.openpgp.PGPSecretKeyRing;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPSignatureGenerator;
import org.bouncycastle.openpgp.PGPSignatureSubpacketGenerator;
import org.bouncycastle.openpgp.operator.bc.BcPBESecretKeyDecryptorBuilder;
import org.bouncycastle.openpgp.operator.bc.BcPGPDigestCalculatorProvider;

/** Makes detached, armored, SHA-512 OpenPGP signatures with the signing subkey of a secret key. */
public final class BundleSigner {
    private final PGPSecretKey signingKey;
    private final PGPPrivateKey privateKey;
    private final String fingerprint;
    private final org.bouncycastle.openpgp.PGPPublicKeyRing certificate;

    public BundleSigner(PGPSecretKeyRing ring, char[] passphrase) {
        this.fingerprint = OpenPgpKeys.fingerprint(new org.bouncycastle.openpgp.PGPPublicKeyRing(
                java.util.List.of(ring.getPublicKey())));
        this.signingKey = pickSigningKey(ring, fingerprint);
        this.certificate = new org.bouncycastle.openpgp.PGPPublicKeyRing(signingKey.isMasterKey()
                ? java.util.List.of(ring.getPublicKey()) : java.util.List.of(ring.getPublicKey(), signingKey.getPublicKey()));
        String name = OpenPgpKeys.describe(ring.getPublicKey(), signingKey.getPublicKey());
        if (signingKey.getPublicKey().getAlgorithm() != PublicKeyAlgorithmTags.EDDSA_LEGACY) {
            // The signer is built for EdDSA only, and SignatureBlock's fixed size per signer is sized for it.
            throw AirlockException.usage("the signing key " + name
                    + " is not an EdDSA (Ed25519) key (OpenPGP algorithm " + signingKey.getPublicKey().getAlgorithm()
                    + "); airlock signs with Ed25519 keys: make one with 'airlock-export keygen'");
        }
        try {
            this.privateKey = signingKey.extractPrivateKey(
                    new BcPBESecretKeyDecryptorBuilder(new BcPGPDigestCalculatorProvider()).build(passphrase == null ? new char[0] : passphrase));
        } catch (PGPException e) {
            throw AirlockException.usage("cannot unlock the signing key " + name
                    + ": wrong or missing passphrase (--passphrase-file or AIRLOCK_KEY_PASSPHRASE)");
        }
    }

    private static PGPSecretKey pickSigningKey(PGPSecretKeyRing ring, String fingerprint) {
        PGPSecretKey fallback = null;
        Iterator<PGPSecretKey> it = ring.getSecretKeys();
        while (it.hasNext()) {
            PGPSecretKey k = it.next();
            if (!k.isSigningKey() || k.getPublicKey().hasRevocation()) {
                continue;
            }
            if (!k.isMasterKey() && hasFlag(k.getPublicKey(), KeyFlags.SIGN_DATA)) {
                return k;
            }
            if (k.isMasterKey() && hasFlag(k.getPublicKey(), KeyFlags.SIGN_DATA)) {
                fallback = k;
            }
        }
        if (fallback == null) {
            throw AirlockException.usage("the secret key " + fingerprint + " has no usable signing key (no subkey or primary key"
                    + " that may sign data and is not revoked)");
        }
        return fallback;
    }

    private static boolean hasFlag(PGPPublicKey key, int flag) {
        Iterator<PGPSignature> sigs = key.getSignatures();
        while (sigs.hasNext()) {
            PGPSignature s = sigs.next();
            if (s.getHashedSubPackets() != null && (s.getHashedSubPackets().getKeyFlags() & flag) != 0) {
                return true;
            }
        }
        return false;
    }

    /** Fingerprint of the primary key: what a trust policy lists. */
    public String fingerprint() {
        return fingerprint;
    }

    /**
     * The public certificate of this signer as far as a verifier needs it to name the signer: the
     * primary key with its user IDs and their self-signatures, and the signing subkey with its
     * binding (no other subkeys).
     */
    public org.bouncycastle.openpgp.PGPPublicKeyRing certificate() {
        return certificate;
    }

    /** A detached, ASCII-armored signature over exactly {@code data}. */
    public byte[] sign(byte[] data) {
        try {
            return OpenPgpKeys.armor(signPacket(data));
        } catch (IOException e) {
            throw new AirlockException(AirlockException.Kind.INTERNAL, "signing failed: " + e.getMessage(), e);
        }
    }

    /** A detached signature over exactly {@code data}, as one binary OpenPGP signature packet. */
    public byte[] signPacket(byte[] data) {
        try {
            PGPSignatureGenerator generator = generator();
            generator.update(data);
            return generator.generate().getEncoded();
        } catch (PGPException | IOException e) {
            throw new AirlockException(AirlockException.Kind.INTERNAL, "signing failed: " + e.getMessage(), e);
        }
    }

    /**
     * A detached, ASCII-armored signature over everything {@code in} yields, read to its end in
     * chunks (any file size, constant memory). The caller closes {@code in}; its read errors are thrown.
     */
    public byte[] sign(InputStream in) throws IOException {
        try {
            PGPSignatureGenerator generator = generator();
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) >= 0; ) {
                generator.update(buf, 0, n);
            }
            return OpenPgpKeys.armor(generator.generate().getEncoded());
        } catch (PGPException e) {
            throw new AirlockException(AirlockException.Kind.INTERNAL, "signing failed: " + e.getMessage(), e);
        }
    }

    private PGPSignatureGenerator generator() throws PGPException {
        PGPSignatureGenerator generator = new PGPSignatureGenerator(OpenPgpKeys.signer(), signingKey.getPublicKey());
        generator.init(PGPSignature.BINARY_DOCUMENT, privateKey);
        PGPSignatureSubpacketGenerator hashed = new PGPSignatureSubpacketGenerator();
        hashed.setSignatureCreationTime(true, new Date());
        hashed.setIssuerFingerprint(false, signingKey.getPublicKey());
        hashed.setIssuerKeyID(false, signingKey.getKeyID());
        generator.setHashedSubpackets(hashed.generate());
        return generator;
    }
}
