package dev.airlock.crypto;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.airlock.cli.LogText;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPUtil;
import org.bouncycastle.openpgp.bc.BcPGPObjectFactory;
import org.bouncycastle.openpgp.operator.bc.BcPGPContentVerifierBuilderProvider;

/**
 * The certificates a signed document carries for its signers ({@link SignerCertificates}), read
 * from the document before anyone trusts it: untrusted, used only to name a signer that is not in
 * {@code --trust}, never to accept anything.
 *
 * <p>Anyone can make a certificate that claims any user ID, and anyone can copy a real signer's
 * certificate into a document they signed themselves. So a carried certificate names a signature
 * only when it holds the key the signature names as its issuer (bound to its primary key as a
 * signing subkey, when a subkey) and the signature over the data verifies with that key: the named
 * primary key really made the signature. Its user ID is said to be claimed: it is whatever the
 * key's owner wrote (with a self-signature, which is checked).
 *
 * <p>Bounded: at most {@link #MAX_CERTIFICATES} certificates of at most {@link #MAX_BYTES} each
 * are read, at most {@link #MAX_NAMED} signatures are named, each checked against one certificate;
 * anything unreadable is skipped, and a signer left unnamed is named as before.
 */
public final class CarriedSigners {
    static final int MAX_CERTIFICATES = 64;
    static final int MAX_BYTES = 64 << 10;
    /**
     * The most unknown signatures named: each costs a hash of the whole document (up to 64 MiB),
     * and a document with more unknown signers than real m-of-n policies use is named as before.
     */
    static final int MAX_NAMED = 8;
    private static final int MAX_USER_ID = 200;
    private static final CarriedSigners NONE = new CarriedSigners(List.of());

    private final List<PGPPublicKeyRing> certificates;

    private CarriedSigners(List<PGPPublicKeyRing> certificates) {
        this.certificates = certificates;
    }

    /** No certificates: every unknown signer is named by the key its signature names. */
    public static CarriedSigners none() {
        return NONE;
    }

    /**
     * The certificates in the top-level {@code signerCertificates} array of the untrusted JSON
     * object {@code json}; none when it has none or is not readable JSON.
     */
    public static CarriedSigners fromJson(byte[] json) {
        List<String> texts = new ArrayList<>();
        try (JsonParser p = new JsonFactory().createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return NONE;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (field.equals(SignerCertificates.FIELD) && value == JsonToken.START_ARRAY) {
                    while (p.nextToken() == JsonToken.VALUE_STRING && texts.size() < MAX_CERTIFICATES) {
                        if (p.getTextLength() <= MAX_BYTES) {
                            texts.add(p.getText());
                        }
                    }
                    break;
                }
                p.skipChildren();
            }
        } catch (java.io.IOException | RuntimeException e) {
            // Unreadable JSON names no one; what was read before the damage still may.
        }
        return of(texts);
    }

    /** The readable certificates among {@code armored} (each ASCII-armored, whitespace around it ignored); the rest are skipped. */
    public static CarriedSigners of(List<String> armored) {
        List<PGPPublicKeyRing> rings = new ArrayList<>();
        for (String text : armored.subList(0, Math.min(armored.size(), MAX_CERTIFICATES))) {
            String trimmed = text.strip();
            if (trimmed.isEmpty() || trimmed.length() > MAX_BYTES) {
                continue;
            }
            try (InputStream in = PGPUtil.getDecoderStream(new ByteArrayInputStream(trimmed.getBytes(StandardCharsets.ISO_8859_1)))) {
                for (Object o : new BcPGPObjectFactory(in)) {
                    if (o instanceof PGPPublicKeyRing ring) {
                        rings.add(ring);
                    }
                }
            } catch (java.io.IOException | RuntimeException e) {
                // not a certificate: it names no one
            }
        }
        return rings.isEmpty() ? NONE : new CarriedSigners(List.copyOf(rings));
    }

    /**
     * How to name the signer of {@code sig} over {@code data}: {@code PRIMARY (claims 'USER ID')},
     * or just the primary fingerprint when its certificate has no self-signed user ID; null when no
     * carried certificate holds the issuer key or the signature does not verify with it.
     * {@code issuer} is the signature's issuer fingerprint (null: match by its key ID).
     */
    String name(PGPSignature sig, byte[] issuer, byte[] data) {
        for (PGPPublicKeyRing ring : certificates) {
            PGPPublicKey key = issuer != null ? ring.getPublicKey(issuer) : ring.getPublicKey(sig.getKeyID());
            if (key == null) {
                continue;
            }
            // Only the first certificate holding the key is tried: the data may be 64 MiB, and a
            // document carrying the same key in many certificates must not make us hash it each time.
            PGPPublicKey primary = ring.getPublicKey();
            if ((!key.isMasterKey() && !(TrustPolicy.subkeyMaySign(primary, key) && backSigned(primary, key))) || !verifies(sig, key, data)) {
                return null;
            }
            String uid = claimedUserId(primary);
            return OpenPgpKeys.fingerprint(ring) + (uid == null ? "" : " (claims '" + uid + "')");
        }
        return null;
    }

    /**
     * Whether the subkey signed its own binding to {@code primary} (the embedded primary key binding
     * signature gpg requires of signing subkeys): without it, anyone could bind someone else's
     * signing subkey to a primary key of their own and have that named for the other's signatures.
     */
    private static boolean backSigned(PGPPublicKey primary, PGPPublicKey subkey) {
        for (Iterator<PGPSignature> it = subkey.getSignaturesOfType(PGPSignature.SUBKEY_BINDING); it.hasNext();) {
            PGPSignature binding = it.next();
            for (var packets : new org.bouncycastle.openpgp.PGPSignatureSubpacketVector[] {binding.getHashedSubPackets(),
                    binding.getUnhashedSubPackets()}) {
                try {
                    if (packets == null) {
                        continue;
                    }
                    for (PGPSignature back : packets.getEmbeddedSignatures()) {
                        if (back.getSignatureType() == PGPSignature.PRIMARYKEY_BINDING) {
                            back.init(new BcPGPContentVerifierBuilderProvider(), subkey);
                            if (back.verifyCertification(primary, subkey)) {
                                return true;
                            }
                        }
                    }
                } catch (org.bouncycastle.openpgp.PGPException | RuntimeException e) {
                    // not a valid back-signature; try the next
                }
            }
        }
        return false;
    }

    private static boolean verifies(PGPSignature sig, PGPPublicKey key, byte[] data) {
        try {
            sig.init(new BcPGPContentVerifierBuilderProvider(), key);
            sig.update(data);
            return sig.verify();
        } catch (org.bouncycastle.openpgp.PGPException | RuntimeException e) {
            return false;
        }
    }

    /** The first user ID the primary key certified itself, shown as one printable line of bounded length; else null. */
    private static String claimedUserId(PGPPublicKey primary) {
        for (Iterator<String> ids = primary.getUserIDs(); ids.hasNext();) {
            String uid = ids.next();
            for (Iterator<PGPSignature> sigs = primary.getSignaturesForID(uid); sigs != null && sigs.hasNext();) {
                PGPSignature s = sigs.next();
                if (s.getKeyID() == primary.getKeyID() && selfCertifies(s, uid, primary)) {
                    String shown = LogText.printable(uid);
                    return shown.length() > MAX_USER_ID ? shown.substring(0, MAX_USER_ID) + "…" : shown;
                }
            }
        }
        return null;
    }

    private static boolean selfCertifies(PGPSignature s, String uid, PGPPublicKey primary) {
        int type = s.getSignatureType();
        if (type < PGPSignature.DEFAULT_CERTIFICATION || type > PGPSignature.POSITIVE_CERTIFICATION) {
            return false;
        }
        try {
            s.init(new BcPGPContentVerifierBuilderProvider(), primary);
            return s.verifyCertification(uid, primary);
        } catch (org.bouncycastle.openpgp.PGPException | RuntimeException e) {
            return false;
        }
    }
}
