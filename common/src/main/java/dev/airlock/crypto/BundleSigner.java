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

    /**
     * The hashed notation {@link #signPacketNaming} adds: the sha256 of the signed bytes, lower-case
     * hex. Not critical, so every verifier (gpg, sqv, older airlock) ignores it.
     */
    public static final String SIGNED_SHA256 = "signed-sha256@airlock";

    /** A detached signature over exactly {@code data}, as one binary OpenPGP signature packet. */
    public byte[] signPacket(byte[] data) {
        return signPacket(data, null);
    }

    /**
     * {@link #signPacket}, the signature naming the sha256 of {@code data} in a hashed notation
     * ({@link #SIGNED_SHA256}): it then says which of many files it signs before any cryptography, so
     * a watcher holding a stranger's copies of a volume set's list and signature beside their names
     * pairs them in a number of signature checks that grows with the copies, not with their square.
     * The notation is covered by the signature; it is a hint for finding the pair, never trusted alone.
     */
    public byte[] signPacketNaming(byte[] data) {
        return signPacket(data, dev.airlock.digest.Digest.sha256Of(data).hex());
    }

    private byte[] signPacket(byte[] data, String sha256) {
        try {
            PGPSignatureGenerator generator = generator(sha256);
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
            PGPSignatureGenerator generator = generator(null);
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) >= 0; ) {
                generator.update(buf, 0, n);
            }
            return OpenPgpKeys.armor(generator.generate().getEncoded());
        } catch (PGPException e) {
            throw new AirlockException(AirlockException.Kind.INTERNAL, "signing failed: " + e.getMessage(), e);
        }
    }

    private PGPSignatureGenerator generator(String sha256) throws PGPException {
        PGPSignatureGenerator generator = new PGPSignatureGenerator(OpenPgpKeys.signer(), signingKey.getPublicKey());
        generator.init(PGPSignature.BINARY_DOCUMENT, privateKey);
        PGPSignatureSubpacketGenerator hashed = new PGPSignatureSubpacketGenerator();
        hashed.setSignatureCreationTime(true, new Date());
        hashed.setIssuerFingerprint(false, signingKey.getPublicKey());
        hashed.setIssuerKeyID(false, signingKey.getKeyID());
        if (sha256 != null) {
            hashed.addNotationData(false, true, SIGNED_SHA256, sha256);
        }
        generator.setHashedSubpackets(hashed.generate());
        return generator;
    }
}
