package dev.airlock.crypto;

import dev.airlock.error.AirlockException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Date;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.bouncycastle.bcpg.HashAlgorithmTags;
import org.bouncycastle.bcpg.sig.KeyFlags;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPSignatureList;
import org.bouncycastle.openpgp.PGPUtil;
import org.bouncycastle.openpgp.bc.BcPGPObjectFactory;
import org.bouncycastle.openpgp.operator.bc.BcPGPContentVerifierBuilderProvider;

/**
 * Which certificates may sign bundles, and how many distinct ones must have (m of n). Verifying
 * against a key that did not sign yields nothing, never success: an empty result is a failure.
 */
public final class TrustPolicy {
    private static final int MAX_SIGNATURES = 64;
    private static final String BEGIN = "-----BEGIN PGP SIGNATURE-----";
    private static final String END = "-----END PGP SIGNATURE-----";

    private final List<PGPPublicKeyRing> trusted;
    private final int threshold;
    /** Each trusted subkey's binding, checked once ({@link #mayBindingSign}). */
    private final java.util.Map<String, Boolean> bindings = new java.util.concurrent.ConcurrentHashMap<>();

    public TrustPolicy(List<PGPPublicKeyRing> trusted, int threshold) {
        if (trusted.isEmpty()) {
            throw AirlockException.usage("no trusted certificate given; pass --trust CERT.asc");
        }
        if (threshold < 1) {
            throw AirlockException.usage("--threshold must be at least 1, not " + threshold);
        }
        Set<String> distinct = new LinkedHashSet<>();
        trusted.forEach(c -> distinct.add(OpenPgpKeys.fingerprint(c)));
        if (threshold > distinct.size()) {
            throw AirlockException.usage("--threshold " + threshold + " needs at least " + threshold
                    + " distinct trusted certificates; " + distinct.size() + " given");
        }
        this.trusted = List.copyOf(trusted);
        this.threshold = threshold;
    }

    /**
     * Checks {@code armoredSignatures} over {@code data}. Returns the primary-key fingerprints of
     * the distinct trusted certificates that signed; throws a verification error unless at least
     * {@code threshold} did and no signature claiming a trusted key is bad.
     */
    public List<String> verify(byte[] data, byte[] armoredSignatures, String what) {
        return verify(data, armoredSignatures, what, CarriedSigners::none);
    }

    /**
     * {@link #verify(byte[], byte[], String)}, naming a signer that is not trusted by the primary
     * fingerprint and claimed user ID of a certificate {@code carried} supplies (asked only then;
     * see {@link CarriedSigners} for when one names a signer). Carried certificates never count
     * towards the threshold.
     */
    public List<String> verify(byte[] data, byte[] armoredSignatures, String what, Supplier<CarriedSigners> carried) {
        List<PGPSignature> signatures = parse(armoredSignatures, what);
        Set<String> good = new LinkedHashSet<>();
        List<PGPSignature> unknown = new ArrayList<>();
        for (PGPSignature sig : signatures) {
            PGPPublicKeyRing ring = trustedRing(sig);
            if (ring == null) {
                unknown.add(sig);
                continue;
            }
            PGPPublicKey key = issuerKey(ring, sig);
            String fpr = OpenPgpKeys.describe(ring.getPublicKey(), key);
            checkUsable(sig, ring, key, fpr, what);
            boolean valid;
            try {
                sig.init(new BcPGPContentVerifierBuilderProvider(), key);
                sig.update(data);
                valid = sig.verify();
            } catch (PGPException e) {
                valid = false;
            }
            if (!valid) {
                throw AirlockException.untrusted("the signature by trusted key " + fpr + " does not match " + what
                        + ": the file was changed after it was signed; do not use this bundle");
            }
            good.add(OpenPgpKeys.fingerprint(ring));
        }
        if (good.size() < threshold) {
            if (good.isEmpty()) {
                throw AirlockException.untrusted(what + " is not signed by any trusted key" + unknownSigners(unknown, data, carried)
                        + "; trusted: " + String.join(", ", fingerprints()) + ". Pass the signer's certificate with --trust only if you trust it");
            }
            throw AirlockException.untrusted(what + " is signed by " + good.size() + " trusted key(s) (" + String.join(", ", good)
                    + ") but --threshold requires " + threshold);
        }
        return List.copyOf(good);
    }

    /**
     * What the signatures in a signature file claim, before any cryptography: {@code signatures} how
     * many name a trusted key as the one that made them (0 when they name fewer distinct trusted
     * certificates than the threshold, or the file is not armored signatures: it cannot verify against
     * this policy, whatever it signs); {@code named} the sha256s (hex) those signatures say they sign
     * ({@link BundleSigner#SIGNED_SHA256}), empty when none says.
     */
    public record Claims(int signatures, Set<String> named) {
        public static final Claims NONE = new Claims(0, Set.of());
    }

    /**
     * {@link Claims} of {@code armoredSignatures}: which of many candidate signature files are worth a
     * {@link #verify} (whose cost grows with {@code signatures}), and against which data.
     */
    public Claims claims(byte[] armoredSignatures) {
        List<PGPSignature> signatures;
        try {
            signatures = parse(armoredSignatures, "a signature");
        } catch (AirlockException e) {
            return Claims.NONE;
        }
        int claims = 0;
        Set<String> certificates = new java.util.HashSet<>();
        Set<String> named = new java.util.TreeSet<>();
        for (PGPSignature sig : signatures) {
            PGPPublicKeyRing ring = trustedRing(sig);
            if (ring != null) {
                claims++;
                certificates.add(OpenPgpKeys.fingerprint(ring));
                named.addAll(signedSha256(sig));
            }
        }
        return certificates.size() < threshold ? Claims.NONE : new Claims(claims, Set.copyOf(named));
    }

    /** The sha256s a signature's hashed notations say it signs (at most a few, well formed). */
    private static List<String> signedSha256(PGPSignature sig) {
        if (sig.getHashedSubPackets() == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (var n : sig.getHashedSubPackets().getNotationDataOccurrences(BundleSigner.SIGNED_SHA256)) {
            String v = n.isHumanReadable() ? n.getNotationValue() : "";
            if (v.length() == 64 && v.chars().allMatch(c -> c >= '0' && c <= '9' || c >= 'a' && c <= 'f') && out.size() < 4) {
                out.add(v);
            }
        }
        return out;
    }

    /** The trusted certificate holding the key {@code sig} names, or null. */
    private PGPPublicKeyRing trustedRing(PGPSignature sig) {
        for (PGPPublicKeyRing r : trusted) {
            if (issuerKey(r, sig) != null) {
                return r;
            }
        }
        return null;
    }

    /** The key of {@code ring} that {@code sig} names: by the issuer fingerprint when it carries one (a 64-bit key ID can collide). */
    private static PGPPublicKey issuerKey(PGPPublicKeyRing ring, PGPSignature sig) {
        byte[] issuer = issuerFingerprint(sig);
        return issuer != null ? ring.getPublicKey(issuer) : ring.getPublicKey(sig.getKeyID());
    }

    /**
     * Who made the signatures no trusted key made: by the primary fingerprint and claimed user ID
     * when a carried certificate names every one of them, else (older files, or a certificate that
     * does not match) by the key each signature names, with how to find its primary fingerprint.
     */
    private static String unknownSigners(List<PGPSignature> unknown, byte[] data, Supplier<CarriedSigners> carried) {
        if (unknown.isEmpty()) {
            return "";
        }
        List<String> named = named(unknown, data, carried);
        if (named != null) {
            return ": it is signed by " + String.join(" and ", named) + (named.size() == 1 ? ", which is" : ", which are")
                    + " not in --trust";
        }
        List<String> keys = new ArrayList<>();
        for (PGPSignature sig : unknown) {
            byte[] issuer = issuerFingerprint(sig);
            keys.add(issuer != null ? "fingerprint " + OpenPgpKeys.hex(issuer) : "key ID " + String.format("%016X", sig.getKeyID()));
        }
        return ": its signer is not in --trust, and a signature names only the key that made it (usually a signing subkey, not the"
                + " primary key), here " + String.join(", ", keys) + "; the signer's certificate holds both: 'gpg"
                + " --with-subkey-fingerprints --show-keys CERT.asc' lists its primary fingerprint and each subkey's";
    }

    /** The distinct names carried certificates give the unknown signatures, or null unless every one is named. */
    private static List<String> named(List<PGPSignature> unknown, byte[] data, Supplier<CarriedSigners> carried) {
        if (unknown.size() > CarriedSigners.MAX_NAMED) {
            return null;
        }
        CarriedSigners certificates;
        try {
            certificates = carried.get();
        } catch (RuntimeException e) {
            return null; // unreadable: named as without certificates
        }
        List<String> named = new ArrayList<>();
        for (PGPSignature sig : unknown) {
            String name = certificates.name(sig, issuerFingerprint(sig), data);
            if (name == null) {
                return null;
            }
            if (!named.contains(name)) {
                named.add(name);
            }
        }
        return named;
    }

    private void checkUsable(PGPSignature sig, PGPPublicKeyRing ring, PGPPublicKey key, String fpr, String what) {
        if (sig.getSignatureType() != PGPSignature.BINARY_DOCUMENT && sig.getSignatureType() != PGPSignature.CANONICAL_TEXT_DOCUMENT) {
            throw AirlockException.untrusted("the signature by " + fpr + " on " + what + " is not a document signature");
        }
        int hash = sig.getHashAlgorithm();
        if (hash != HashAlgorithmTags.SHA256 && hash != HashAlgorithmTags.SHA384 && hash != HashAlgorithmTags.SHA512) {
            throw AirlockException.untrusted("the signature by " + fpr + " on " + what + " uses a weak hash algorithm (" + hash + ")");
        }
        if (ring.getPublicKey().hasRevocation() || key.hasRevocation()) {
            throw AirlockException.untrusted("the key " + fpr + " that signed " + what + " is revoked");
        }
        Date created = sig.getCreationTime();
        if (key.getValidSeconds() > 0 && created.getTime() > key.getCreationTime().getTime() + key.getValidSeconds() * 1000) {
            throw AirlockException.untrusted("the key " + fpr + " had expired when it signed " + what);
        }
        if (!key.isMasterKey() && !mayBindingSign(ring, key)) {
            throw AirlockException.untrusted("the key " + fpr
                    + " is not bound as a signing key, so its signature on " + what + " is not accepted");
        }
    }

    /**
     * {@link #subkeyMaySign} for a trusted certificate's subkey, checked once: the certificates do not
     * change, and a watcher looking for a set's signed list among many signature copies checks each
     * against the same few keys (the binding check is a signature check of its own).
     */
    private boolean mayBindingSign(PGPPublicKeyRing ring, PGPPublicKey key) {
        String id = OpenPgpKeys.fingerprint(ring) + "/" + Long.toHexString(key.getKeyID());
        return bindings.computeIfAbsent(id, k -> subkeyMaySign(ring.getPublicKey(), key));
    }

    /** Whether {@code subkey} is bound to {@code primary} (a binding signature that verifies) as a key that may sign data. */
    static boolean subkeyMaySign(PGPPublicKey primary, PGPPublicKey subkey) {
        Iterator<PGPSignature> it = subkey.getSignaturesOfType(PGPSignature.SUBKEY_BINDING);
        while (it.hasNext()) {
            PGPSignature binding = it.next();
            try {
                binding.init(new BcPGPContentVerifierBuilderProvider(), primary);
                if (binding.verifyCertification(primary, subkey) && binding.getHashedSubPackets() != null
                        && (binding.getHashedSubPackets().getKeyFlags() & KeyFlags.SIGN_DATA) != 0) {
                    return true;
                }
            } catch (PGPException e) {
                // not a valid binding; try the next
            }
        }
        return false;
    }

    /** The issuer fingerprint subpacket of a v4 signature (hashed, else unhashed), or null. */
    private static byte[] issuerFingerprint(PGPSignature sig) {
        for (var packets : new org.bouncycastle.openpgp.PGPSignatureSubpacketVector[] {sig.getHashedSubPackets(), sig.getUnhashedSubPackets()}) {
            if (packets != null && packets.getIssuerFingerprint() != null && packets.getIssuerFingerprint().getKeyVersion() == 4) {
                return packets.getIssuerFingerprint().getFingerprint();
            }
        }
        return null;
    }

    public List<String> fingerprints() {
        return trusted.stream().map(OpenPgpKeys::fingerprint).distinct().toList();
    }

    /**
     * The signatures of one or more armored blocks. Only whitespace may stand before, between and
     * after the blocks: the exporter pads its signature entry with newlines (see SignatureBlock),
     * and anything else there is not ours.
     */
    private static List<PGPSignature> parse(byte[] armored, String what) {
        String text = new String(armored, StandardCharsets.US_ASCII);
        List<PGPSignature> out = new ArrayList<>();
        int at = 0;
        while (true) {
            int begin = text.indexOf(BEGIN, at);
            requireBlank(text, at, begin < 0 ? text.length() : begin, what);
            if (begin < 0) {
                break;
            }
            int end = text.indexOf(END, begin);
            if (end < 0) {
                throw AirlockException.untrusted(what + ".asc holds an armored signature with no end line");
            }
            at = end + END.length();
            String block = text.substring(begin, at) + "\n";
            try (InputStream in = PGPUtil.getDecoderStream(new ByteArrayInputStream(block.getBytes(StandardCharsets.US_ASCII)))) {
                for (Object o : new BcPGPObjectFactory(in)) {
                    if (!(o instanceof PGPSignatureList list)) {
                        throw AirlockException.untrusted(what + ".asc holds something other than signatures");
                    }
                    for (PGPSignature s : list) {
                        out.add(s);
                    }
                }
            } catch (IOException | RuntimeException e) {
                if (e instanceof AirlockException a) {
                    throw a;
                }
                throw AirlockException.untrusted(what + ".asc is not a readable OpenPGP signature: " + e.getMessage());
            }
            if (out.size() > MAX_SIGNATURES) {
                throw AirlockException.untrusted(what + ".asc holds more than " + MAX_SIGNATURES + " signatures");
            }
        }
        if (out.isEmpty()) {
            throw AirlockException.untrusted(what + ".asc holds no signature");
        }
        return out;
    }

    private static void requireBlank(String text, int from, int to, String what) {
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
                throw AirlockException.untrusted(what + ".asc holds something other than armored signatures and whitespace (at byte " + i
                        + "): a signature file is changed or is not ours");
            }
        }
    }
}
