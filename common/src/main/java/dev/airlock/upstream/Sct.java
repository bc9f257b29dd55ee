package dev.airlock.upstream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.HexFormat;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.ASN1TaggedObject;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERTaggedObject;
import org.bouncycastle.asn1.x509.Extensions;

/**
 * The Signed Certificate Timestamps embedded in a Fulcio leaf (RFC 6962 §3.3): where the trusted
 * root lists CT logs and the leaf carries SCTs, at least one must be the signature of a CT log of
 * the trusted root over the precertificate (the leaf's TBSCertificate without the SCT extension,
 * with the issuer key hash). A leaf without SCTs is accepted: the Rekor entry already binds it to
 * a time (cosign would insist on an SCT; airlock follows the rule).
 */
final class Sct {
    static final String SCT_LIST = "1.3.6.1.4.1.11129.2.4.2";

    private Sct() {
    }

    static void verify(X509Certificate leaf, X509Certificate issuer, TrustedRoot root) throws Refusal {
        byte[] ext = leaf.getExtensionValue(SCT_LIST);
        if (ext == null || !root.hasCtLogs()) {
            return;
        }
        try {
            ByteBuffer list = ByteBuffer.wrap(ASN1OctetString.getInstance(ASN1OctetString.getInstance(ext).getOctets()).getOctets());
            byte[] tbs = precertificate(leaf);
            byte[] issuerKeyHash = PublicKeys.sha256(issuer.getPublicKey().getEncoded());
            String last = "no SCT in its list";
            int end = (list.getShort() & 0xffff) + 2;
            while (list.position() < end) {
                ByteBuffer sct = slice(list, list.getShort() & 0xffff);
                last = one(sct, tbs, issuerKeyHash, root);
                if (last == null) {
                    return;
                }
            }
            throw new Refusal("SCT does not verify: " + last);
        } catch (IOException | RuntimeException | CertificateEncodingException e) {
            throw new Refusal("SCT does not verify: the certificate's SCT list is unreadable (" + e.getMessage() + ")");
        }
    }

    /** Null when this SCT verifies, else why not. */
    private static String one(ByteBuffer sct, byte[] tbs, byte[] issuerKeyHash, TrustedRoot root) throws IOException {
        int version = sct.get();
        byte[] logId = new byte[32];
        sct.get(logId);
        long timestamp = sct.getLong();
        byte[] extensions = bytes(sct, sct.getShort() & 0xffff);
        sct.get(); // hash algorithm
        sct.get(); // signature algorithm
        byte[] signature = bytes(sct, sct.getShort() & 0xffff);
        TrustedRoot.LogKey log = root.ctlog(logId, Instant.ofEpochMilli(timestamp));
        if (version != 0 || log == null) {
            return "log " + HexFormat.of().formatHex(logId) + " is no CT log of the trusted root valid at " + Instant.ofEpochMilli(timestamp);
        }
        ByteArrayOutputStream signed = new ByteArrayOutputStream();
        signed.write(0); // v1
        signed.write(0); // certificate_timestamp
        signed.write(ByteBuffer.allocate(8).putLong(timestamp).array());
        signed.write(new byte[] {0, 1}); // precert_entry
        signed.write(issuerKeyHash);
        signed.write(new byte[] {(byte) (tbs.length >> 16), (byte) (tbs.length >> 8), (byte) tbs.length});
        signed.write(tbs);
        signed.write(new byte[] {(byte) (extensions.length >> 8), (byte) extensions.length});
        signed.write(extensions);
        return PublicKeys.verifies(log.key(), signed.toByteArray(), signature) ? null : "the CT log's signature does not verify";
    }

    /** The leaf's TBSCertificate with the SCT list extension removed: what the CT log signed. */
    private static byte[] precertificate(X509Certificate leaf) throws IOException, CertificateEncodingException {
        ASN1Sequence tbs = ASN1Sequence.getInstance(leaf.getTBSCertificate());
        ASN1EncodableVector out = new ASN1EncodableVector();
        for (ASN1Encodable e : tbs) {
            if (e instanceof ASN1TaggedObject t && t.getTagNo() == 3) {
                Extensions exts = Extensions.getInstance(t.getExplicitBaseObject());
                ASN1EncodableVector kept = new ASN1EncodableVector();
                for (var oid : exts.getExtensionOIDs()) {
                    if (!oid.getId().equals(SCT_LIST)) {
                        kept.add(exts.getExtension(oid));
                    }
                }
                out.add(new DERTaggedObject(true, 3, new DERSequence(kept)));
            } else {
                out.add(e);
            }
        }
        return new DERSequence(out).getEncoded(ASN1Encoding.DER);
    }

    private static ByteBuffer slice(ByteBuffer b, int n) {
        ByteBuffer s = b.slice().limit(n);
        b.position(b.position() + n);
        return s;
    }

    private static byte[] bytes(ByteBuffer b, int n) {
        byte[] out = new byte[n];
        b.get(out);
        return out;
    }

}
