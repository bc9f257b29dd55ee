package dev.airlock.crypto;

import dev.airlock.error.AirlockException;
import dev.airlock.io.BoundedFiles;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import org.bouncycastle.bcpg.ArmoredOutputStream;
import org.bouncycastle.bcpg.HashAlgorithmTags;
import org.bouncycastle.bcpg.PublicKeyAlgorithmTags;
import org.bouncycastle.bcpg.PublicKeyPacket;
import org.bouncycastle.bcpg.SymmetricKeyAlgorithmTags;
import org.bouncycastle.bcpg.sig.Features;
import org.bouncycastle.bcpg.sig.KeyFlags;
import org.bouncycastle.crypto.generators.Ed25519KeyPairGenerator;
import org.bouncycastle.crypto.params.Ed25519KeyGenerationParameters;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPKeyPair;
import org.bouncycastle.openpgp.PGPKeyRingGenerator;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.bouncycastle.openpgp.PGPSecretKeyRing;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPSignatureSubpacketGenerator;
import org.bouncycastle.openpgp.PGPUtil;
import org.bouncycastle.openpgp.bc.BcPGPObjectFactory;
import org.bouncycastle.openpgp.operator.PBESecretKeyEncryptor;
import org.bouncycastle.openpgp.operator.PGPDigestCalculator;
import org.bouncycastle.openpgp.operator.bc.BcPBESecretKeyEncryptorBuilder;
import org.bouncycastle.openpgp.operator.bc.BcPGPContentSignerBuilder;
import org.bouncycastle.openpgp.operator.bc.BcPGPDigestCalculatorProvider;
import org.bouncycastle.openpgp.operator.bc.BcPGPKeyPair;

/**
 * OpenPGP keys for bundle signing: a v4 key whose certify-only primary and signing subkey are both
 * legacy EdDSA (Ed25519), with SHA-512 binding signatures, so GnuPG 2.2 accepts them.
 */
public final class OpenPgpKeys {
    private static final SecureRandom RANDOM = new SecureRandom();

    private OpenPgpKeys() {
    }

    /** A generated key: the armored secret key and the armored public certificate. */
    public record Generated(byte[] secretArmored, byte[] certArmored, String fingerprint) {
    }

    public static Generated generate(String uid, char[] passphrase) {
        try {
            Date now = new Date();
            PGPKeyPair primary = ed25519(now);
            PGPKeyPair signing = ed25519(now);

            PGPSignatureSubpacketGenerator primaryPackets = new PGPSignatureSubpacketGenerator();
            primaryPackets.setKeyFlags(true, KeyFlags.CERTIFY_OTHER);
            primaryPackets.setPreferredHashAlgorithms(false, new int[] {HashAlgorithmTags.SHA512, HashAlgorithmTags.SHA256});
            primaryPackets.setFeature(false, Features.FEATURE_MODIFICATION_DETECTION);
            primaryPackets.setIssuerFingerprint(false, primary.getPublicKey());

            PGPSignatureSubpacketGenerator signingPackets = new PGPSignatureSubpacketGenerator();
            signingPackets.setKeyFlags(true, KeyFlags.SIGN_DATA);
            signingPackets.setIssuerFingerprint(false, primary.getPublicKey());

            PGPDigestCalculator sha1 = new BcPGPDigestCalculatorProvider().get(HashAlgorithmTags.SHA1);
            PBESecretKeyEncryptor encryptor = passphrase == null || passphrase.length == 0 ? null
                    : new BcPBESecretKeyEncryptorBuilder(SymmetricKeyAlgorithmTags.AES_256,
                            new BcPGPDigestCalculatorProvider().get(HashAlgorithmTags.SHA256), 0x90).build(passphrase);
            PGPKeyRingGenerator generator = new PGPKeyRingGenerator(PGPSignature.POSITIVE_CERTIFICATION, primary, uid, sha1,
                    primaryPackets.generate(), null, signer(), encryptor);
            // The signer given here makes the subkey's embedded back-signature, which gpg requires.
            generator.addSubKey(signing, signingPackets.generate(), null, signer());

            PGPSecretKeyRing secret = generator.generateSecretKeyRing();
            PGPPublicKeyRing cert = generator.generatePublicKeyRing();
            return new Generated(armor(secret.getEncoded()), armor(cert.getEncoded()), fingerprint(cert));
        } catch (PGPException | IOException e) {
            throw new AirlockException(AirlockException.Kind.INTERNAL, "key generation failed: " + e.getMessage(), e);
        }
    }

    static BcPGPContentSignerBuilder signer() {
        return new BcPGPContentSignerBuilder(PublicKeyAlgorithmTags.EDDSA_LEGACY, HashAlgorithmTags.SHA512);
    }

    private static PGPKeyPair ed25519(Date created) throws PGPException {
        Ed25519KeyPairGenerator g = new Ed25519KeyPairGenerator();
        g.init(new Ed25519KeyGenerationParameters(RANDOM));
        return new BcPGPKeyPair(PublicKeyPacket.VERSION_4, PublicKeyAlgorithmTags.EDDSA_LEGACY, g.generateKeyPair(), created);
    }

    static byte[] armor(byte[] binary) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ArmoredOutputStream armored = ArmoredOutputStream.builder().clearHeaders().build(out)) {
            armored.write(binary);
        }
        return out.toByteArray();
    }

    /** The primary key's fingerprint, 40 hex digits: the one name airlock gives a key everywhere. */
    public static String fingerprint(PGPPublicKeyRing cert) {
        return hex(cert.getPublicKey().getFingerprint());
    }

    /**
     * How messages name {@code used} (the primary key or one of its subkeys) of the key whose primary
     * is {@code primary}: the primary fingerprint, plus {@code (subkey FINGERPRINT)} when a subkey
     * is meant. {@code gpg --with-subkey-fingerprints --show-keys CERT.asc} prints both.
     */
    public static String describe(PGPPublicKey primary, PGPPublicKey used) {
        String p = hex(primary.getFingerprint());
        return used == null || used.getKeyID() == primary.getKeyID() ? p : p + " (subkey " + hex(used.getFingerprint()) + ")";
    }

    static String hex(byte[] bytes) {
        return HexFormat.of().withUpperCase().formatHex(bytes);
    }

    /**
     * Start-up work done ahead on another core: Ed25519's base-point tables (computed once per
     * run, on first use, by whichever thread gets there) and the OpenPGP parsing classes.
     */
    public static void warmUp() {
        org.bouncycastle.math.ec.rfc8032.Ed25519.precompute();
        new BcPGPObjectFactory(new byte[0]).iterator().hasNext();
    }

    /** Reads an armored (or binary) secret key file. */
    public static PGPSecretKeyRing readSecretKey(Path file) {
        List<Object> objects = readObjects(file, "secret key");
        for (Object o : objects) {
            if (o instanceof PGPSecretKeyRing ring) {
                return ring;
            }
        }
        throw AirlockException.usage(file + " holds no OpenPGP secret key");
    }

    /** Reads every certificate (public key ring) in an armored or binary file. */
    public static List<PGPPublicKeyRing> readCertificates(Path file) {
        dev.airlock.io.FileOwners.refuseWritableByOthers(file, "certificate", "anyone who may write it can make a key of theirs trusted");
        List<PGPPublicKeyRing> out = new ArrayList<>();
        for (Object o : readObjects(file, "certificate")) {
            if (o instanceof PGPPublicKeyRing ring) {
                out.add(ring);
            } else if (o instanceof PGPSecretKeyRing) {
                throw AirlockException.usage(file + " is a secret key; give the importer the public certificate (keygen --cert)");
            }
        }
        if (out.isEmpty()) {
            throw AirlockException.usage(file + " holds no OpenPGP certificate");
        }
        return out;
    }

    private static List<Object> readObjects(Path file, String what) {
        byte[] bytes;
        try {
            bytes = BoundedFiles.read(file, BoundedFiles.KEY);
        } catch (NoSuchFileException e) {
            throw AirlockException.usage(what + " " + file + " does not exist");
        }
        List<Object> out = new ArrayList<>();
        try (InputStream in = PGPUtil.getDecoderStream(new ByteArrayInputStream(bytes))) {
            BcPGPObjectFactory factory = new BcPGPObjectFactory(in);
            for (Object o : factory) {
                out.add(o);
            }
        } catch (IOException | RuntimeException e) {
            throw AirlockException.usage(file + " is not a readable OpenPGP " + what + ": " + e.getMessage());
        }
        return out;
    }
}
