package dev.airlock.upstream;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1String;

/**
 * The Fulcio side of a keyless signature, at the time Rekor recorded it: the leaf certificate was
 * valid then, chains to a certificate authority of the trusted root that was valid then (the
 * trusted root's own chain, not the one that crossed with the signature), its embedded SCT
 * verifies where the trusted root lists CT logs ({@link Sct}), and its SAN and OIDC issuer
 * extension match one of the rule's keyless signers.
 */
final class KeylessCheck {
    /** Fulcio's issuer extension: legacy (raw string bytes) and current (DER UTF8String). */
    static final String ISSUER_V1 = "1.3.6.1.4.1.57264.1.1";
    static final String ISSUER_V2 = "1.3.6.1.4.1.57264.1.8";

    /** Who signed, as the certificate says and the rule accepted. */
    record Signer(String identity, String issuer) {
    }

    private KeylessCheck() {
    }

    static Signer check(X509Certificate leaf, Instant signedAt, List<Keyless> trusted, TrustedRoot root) throws Refusal {
        try {
            leaf.checkValidity(Date.from(signedAt));
        } catch (CertificateExpiredException e) {
            throw new Refusal("certificate expired at signing time (valid until " + leaf.getNotAfter().toInstant() + ", Rekor time " + signedAt + ")");
        } catch (CertificateNotYetValidException e) {
            throw new Refusal("certificate not yet valid at signing time (from " + leaf.getNotBefore().toInstant() + ", Rekor time " + signedAt + ")");
        }
        X509Certificate issuer = chain(leaf, signedAt, root);
        Sct.verify(leaf, issuer, root);
        return signer(leaf, trusted);
    }

    /** The issuing certificate of the trusted root's CA that {@code leaf} chains to at {@code t}; else refused. */
    private static X509Certificate chain(X509Certificate leaf, Instant t, TrustedRoot root) throws Refusal {
        for (TrustedRoot.Authority ca : root.authorities()) {
            if (ca.validAt(t) && chainsTo(leaf, ca.chain(), t)) {
                return ca.chain().get(0);
            }
        }
        throw new Refusal("certificate does not chain to a Fulcio CA of the trusted root (issuer " + leaf.getIssuerX500Principal().getName()
                + ", at " + t + ")");
    }

    private static boolean chainsTo(X509Certificate leaf, List<X509Certificate> chain, Instant t) {
        X509Certificate child = leaf;
        try {
            for (X509Certificate parent : chain) {
                if (!child.getIssuerX500Principal().equals(parent.getSubjectX500Principal())) {
                    return false;
                }
                child.verify(parent.getPublicKey());
                parent.checkValidity(Date.from(t));
                if (parent.getBasicConstraints() < 0) {
                    return false; // only a CA may issue
                }
                child = parent;
            }
            return true; // the last listed is the anchor: trusted because the trusted root lists it, as Go's roots pool does
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static Signer signer(X509Certificate leaf, List<Keyless> trusted) throws Refusal {
        List<String> sans = sans(leaf);
        String issuer = issuer(leaf);
        if (sans.isEmpty()) {
            throw new Refusal("identity: the certificate names no URI or email subject alternative name");
        }
        boolean identityMatched = false;
        for (Keyless k : trusted) {
            for (String san : sans) {
                if (k.matchesIdentity(san)) {
                    identityMatched = true;
                    if (issuer != null && k.matchesIssuer(issuer)) {
                        return new Signer(san, issuer);
                    }
                }
            }
        }
        if (!identityMatched) {
            throw new Refusal("identity '" + String.join("', '", sans) + "' does not match (the rule trusts "
                    + String.join(", ", trusted.stream().map(Keyless::describeIdentity).toList()) + ")");
        }
        throw new Refusal("issuer '" + issuer + "' does not match (the rule trusts issuer "
                + String.join(", ", trusted.stream().map(k -> "'" + k.issuer() + "'").distinct().toList()) + ")");
    }

    /** URI and email SANs, in certificate order. */
    private static List<String> sans(X509Certificate leaf) throws Refusal {
        List<String> out = new ArrayList<>();
        try {
            if (leaf.getSubjectAlternativeNames() != null) {
                for (List<?> san : leaf.getSubjectAlternativeNames()) {
                    int type = (Integer) san.get(0);
                    if (type == 6 || type == 1) {
                        out.add(String.valueOf(san.get(1)));
                    }
                }
            }
        } catch (GeneralSecurityException e) {
            throw new Refusal("identity: the certificate's subject alternative names are unreadable");
        }
        return out;
    }

    /** The OIDC issuer: the current extension (a DER UTF8String) if present, else the legacy one (raw bytes); null if neither. */
    static String issuer(X509Certificate leaf) {
        try {
            byte[] v2 = leaf.getExtensionValue(ISSUER_V2);
            if (v2 != null) {
                ASN1Primitive inner = ASN1Primitive.fromByteArray(ASN1OctetString.getInstance(v2).getOctets());
                return inner instanceof ASN1String s ? s.getString() : null;
            }
            byte[] v1 = leaf.getExtensionValue(ISSUER_V1);
            return v1 == null ? null : new String(ASN1OctetString.getInstance(v1).getOctets(), StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
