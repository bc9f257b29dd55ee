package dev.airlock.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.digest.Digest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.Arrays;

/**
 * A Sigstore bundle (v0.1 to v0.3) as an image signature. DSSE: the envelope's in-toto statement
 * has cosign's signing predicate ({@value #COSIGN_SIGN}, what cosign 3 writes for {@code cosign
 * sign}) and a subject whose sha256 is the manifest's; its signature is over the DSSE PAE.
 * messageSignature: the signed digest is the manifest's own (ECDSA only: a prehashed signature).
 * Then, with a certificate, the keyless checks against a tlog entry's inclusion promise; with a
 * public key (hint), one of the rule's keys. An attestation (another predicate) naming the image
 * does not count as its signature.
 */
final class BundleCheck {
    static final String COSIGN_SIGN = "https://sigstore.dev/cosign/sign/v1";
    static final String IN_TOTO = "application/vnd.in-toto+json";

    private final SignatureVerifier verifier;
    private final Rule rule;

    BundleCheck(SignatureVerifier verifier, Rule rule) {
        this.verifier = verifier;
        this.rule = rule;
    }

    /** What was signed and how to check it: the signature, the bytes it covers (or their digest), the artifact's hash for Rekor. */
    private record Signed(byte[] signature, byte[] message, boolean prehashed, byte[] artifactSha256) {
        boolean verifiesUnder(java.security.PublicKey key) {
            return prehashed ? PublicKeys.verifiesPrehashed(key, message, signature) : PublicKeys.verifies(key, message, signature);
        }
    }

    Evidence verify(Digest manifest, SigstoreBundle b) throws Refusal {
        JsonNode bundle;
        try {
            bundle = SignatureVerifier.JSON.readTree(b.bundleJson());
        } catch (IOException e) {
            throw new Refusal("not a Sigstore bundle (not JSON)");
        }
        if (bundle == null || !bundle.path("mediaType").asText("").startsWith(Candidates.SIGSTORE_BUNDLE_PREFIX)) {
            throw new Refusal("not a Sigstore bundle (mediaType '" + (bundle == null ? "" : bundle.path("mediaType").asText()) + "')");
        }
        Signed signed = bundle.has("dsseEnvelope") ? dsse(manifest, bundle.path("dsseEnvelope")) : message(manifest, bundle.path("messageSignature"));
        JsonNode vm = bundle.path("verificationMaterial");
        JsonNode raw = vm.has("certificate") ? vm.path("certificate").path("rawBytes") : vm.path("x509CertificateChain").path("certificates").path(0).path("rawBytes");
        if (raw.isMissingNode() || rule.keyless().isEmpty()) {
            return SignatureVerifier.keyed(signed::verifiesUnder, rule, b.where());
        }
        X509Certificate leaf = SignatureVerifier.certificate(SignatureVerifier.base64(raw.asText(), "certificate"));
        if (!signed.verifiesUnder(leaf.getPublicKey())) {
            throw new Refusal("signature does not verify under its certificate");
        }
        Refusal last = new Refusal("Rekor entry does not verify: the bundle has no tlog entry");
        for (JsonNode e : vm.path("tlogEntries")) {
            try {
                return verifier.keyless(leaf, RekorEntry.fromBundleEntry(e), signed.signature(), signed.artifactSha256(), rule, b.where());
            } catch (Refusal r) {
                last = r;
            }
        }
        throw last;
    }

    private static Signed dsse(Digest manifest, JsonNode env) throws Refusal {
        String type = env.path("payloadType").asText();
        if (!IN_TOTO.equals(type)) {
            throw new Refusal("DSSE payload type '" + type + "' is not an in-toto statement");
        }
        byte[] payload = SignatureVerifier.base64(env.path("payload").asText(), "DSSE payload");
        if (env.path("signatures").size() != 1) {
            throw new Refusal("DSSE envelope has " + env.path("signatures").size() + " signatures; a Sigstore bundle carries one");
        }
        byte[] sig = SignatureVerifier.base64(env.path("signatures").path(0).path("sig").asText(), "DSSE signature");
        statement(manifest, payload);
        return new Signed(sig, pae(type, payload), false, PublicKeys.sha256(payload));
    }

    /** The statement signs this manifest with cosign's signing predicate. */
    private static void statement(Digest manifest, byte[] payload) throws Refusal {
        JsonNode st;
        try {
            st = SignatureVerifier.JSON.readTree(payload);
        } catch (IOException e) {
            throw new Refusal("digest mismatch: the in-toto statement is not JSON");
        }
        String predicate = st == null ? "" : st.path("predicateType").asText();
        if (!COSIGN_SIGN.equals(predicate)) {
            throw new Refusal("an attestation (predicate '" + predicate + "'), not a signature (predicate " + COSIGN_SIGN + ")");
        }
        for (JsonNode s : st.path("subject")) {
            if ("sha256".equals(manifest.algorithm()) && manifest.hex().equals(s.path("digest").path("sha256").asText())) {
                return;
            }
        }
        throw new Refusal("digest mismatch: the statement's subjects do not name " + manifest);
    }

    private static Signed message(Digest manifest, JsonNode ms) throws Refusal {
        if (ms.isMissingNode()) {
            throw new Refusal("not a Sigstore bundle (neither dsseEnvelope nor messageSignature)");
        }
        byte[] digest = SignatureVerifier.base64(ms.path("messageDigest").path("digest").asText(), "message digest");
        String alg = ms.path("messageDigest").path("algorithm").asText();
        if (!"SHA2_256".equals(alg) || !"sha256".equals(manifest.algorithm()) || !Arrays.equals(digest, java.util.HexFormat.of().parseHex(manifest.hex()))) {
            throw new Refusal("digest mismatch: the bundle signs " + alg + " " + java.util.HexFormat.of().formatHex(digest) + ", not " + manifest);
        }
        return new Signed(SignatureVerifier.base64(ms.path("signature").asText(), "signature"), digest, true, digest);
    }

    /** DSSE pre-authentication encoding: what a DSSE signature covers. */
    static byte[] pae(String type, byte[] payload) {
        byte[] t = type.getBytes(StandardCharsets.UTF_8);
        byte[] head = ("DSSEv1 " + t.length + " " + type + " " + payload.length + " ").getBytes(StandardCharsets.UTF_8);
        byte[] out = Arrays.copyOf(head, head.length + payload.length);
        System.arraycopy(payload, 0, out, head.length, payload.length);
        return out;
    }
}
