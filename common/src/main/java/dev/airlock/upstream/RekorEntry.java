package dev.airlock.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/**
 * A Rekor (v1) transparency log entry as it crossed with a signature — from cosign's
 * {@code dev.sigstore.cosign/bundle} annotation or a Sigstore bundle's tlog entry — and the two
 * checks airlock makes on it offline: its signed entry timestamp (SET: the log's signature over
 * the canonical JSON {@code {body, integratedTime, logID, logIndex}}) verifies under a Rekor key of
 * the trusted root, and its body records this very signature, key or certificate and artifact.
 * Inclusion proofs and checkpoints are not checked: the SET is the log's promise of inclusion.
 */
record RekorEntry(byte[] body, long integratedTime, long logIndex, byte[] logId, byte[] set) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** cosign's {@code {"SignedEntryTimestamp": b64, "Payload": {"body": b64, "integratedTime", "logIndex", "logID": hex}}}. */
    static RekorEntry fromCosignBundle(String json) throws Refusal {
        try {
            JsonNode n = JSON.readTree(json);
            JsonNode p = n.path("Payload");
            return new RekorEntry(Base64.getDecoder().decode(p.path("body").asText()), p.path("integratedTime").asLong(),
                    p.path("logIndex").asLong(), HexFormat.of().parseHex(p.path("logID").asText()),
                    Base64.getDecoder().decode(n.path("SignedEntryTimestamp").asText()));
        } catch (IOException | IllegalArgumentException e) {
            throw new Refusal("Rekor entry does not verify: its bundle annotation is unreadable (" + e.getMessage() + ")");
        }
    }

    /** A Sigstore bundle's {@code tlogEntries[i]}; refused when it carries no inclusion promise (SET). */
    static RekorEntry fromBundleEntry(JsonNode e) throws Refusal {
        String set = e.path("inclusionPromise").path("signedEntryTimestamp").asText("");
        if (set.isEmpty()) {
            throw new Refusal("Rekor entry does not verify: it carries no inclusion promise (signed entry timestamp), and airlock"
                    + " does not check inclusion proofs");
        }
        try {
            return new RekorEntry(Base64.getDecoder().decode(e.path("canonicalizedBody").asText()),
                    Long.parseLong(e.path("integratedTime").asText()), Long.parseLong(e.path("logIndex").asText()),
                    Base64.getDecoder().decode(e.path("logId").path("keyId").asText()), Base64.getDecoder().decode(set));
        } catch (IllegalArgumentException x) {
            throw new Refusal("Rekor entry does not verify: unreadable tlog entry (" + x.getMessage() + ")");
        }
    }

    Instant time() {
        return Instant.ofEpochSecond(integratedTime);
    }

    /** The SET verifies under the trusted root's Rekor key whose log ID this entry names, valid at its time. */
    void verifySet(TrustedRoot root) throws Refusal {
        TrustedRoot.LogKey log = root.rekor(logId, time());
        if (log == null) {
            throw new Refusal("Rekor entry does not verify: log ID " + HexFormat.of().formatHex(logId)
                    + " is no Rekor log of the trusted root valid at " + time());
        }
        String signed = "{\"body\":\"" + Base64.getEncoder().encodeToString(body) + "\",\"integratedTime\":" + integratedTime
                + ",\"logID\":\"" + HexFormat.of().formatHex(logId) + "\",\"logIndex\":" + logIndex + "}";
        if (!PublicKeys.verifies(log.key(), signed.getBytes(StandardCharsets.UTF_8), set)) {
            throw new Refusal("Rekor entry does not verify: its signed entry timestamp is not the log's signature (Rekor " + logIndex + ")");
        }
    }

    /**
     * The body records {@code signature} by {@code signer} (the leaf certificate, or a public key)
     * over an artifact whose SHA-256 is {@code artifactSha256}: hashedrekord 0.0.1, intoto 0.0.2 or dsse 0.0.1.
     */
    void checkBody(byte[] signature, byte[] artifactSha256, Object signer) throws Refusal {
        JsonNode b;
        try {
            b = JSON.readTree(body);
        } catch (IOException e) {
            throw new Refusal("Rekor entry does not verify: its body is not JSON");
        }
        String kind = b.path("kind").asText() + " " + b.path("apiVersion").asText();
        JsonNode spec = b.path("spec");
        String hex = HexFormat.of().formatHex(artifactSha256);
        boolean ok = switch (kind) {
            case "hashedrekord 0.0.1" -> hex.equals(spec.path("data").path("hash").path("value").asText())
                    && Arrays.equals(signature, b64(spec.path("signature").path("content").asText()))
                    && sameSigner(spec.path("signature").path("publicKey").path("content").asText(), signer);
            case "intoto 0.0.2" -> hex.equals(spec.path("content").path("payloadHash").path("value").asText())
                    && anySignature(spec.path("content").path("envelope").path("signatures"), "sig", "publicKey", true, signature, signer);
            case "dsse 0.0.1" -> hex.equals(spec.path("payloadHash").path("value").asText())
                    && anySignature(spec.path("signatures"), "signature", "verifier", false, signature, signer);
            default -> throw new Refusal("Rekor entry does not verify: its kind '" + kind + "' is not one airlock checks"
                    + " (hashedrekord 0.0.1, intoto 0.0.2, dsse 0.0.1)");
        };
        if (!ok) {
            throw new Refusal("Rekor entry does not verify: its body records another signature, signer or artifact (Rekor " + logIndex + ")");
        }
    }

    /** intoto 0.0.2 base64-encodes the (already base64) signature once more; dsse 0.0.1 does not. */
    private static boolean anySignature(JsonNode list, String sigField, String keyField, boolean twice, byte[] signature, Object signer) {
        for (JsonNode s : list) {
            byte[] sig = b64(s.path(sigField).asText());
            if (twice && sig != null) {
                sig = b64(new String(sig, StandardCharsets.US_ASCII));
            }
            if (Arrays.equals(signature, sig) && sameSigner(s.path(keyField).asText(), signer)) {
                return true;
            }
        }
        return false;
    }

    /** {@code b64Pem}: base64 of a PEM certificate or public key; equal to {@code signer} by DER. */
    private static boolean sameSigner(String b64Pem, Object signer) {
        byte[] pem = b64(b64Pem);
        if (pem == null) {
            return false;
        }
        try {
            if (signer instanceof X509Certificate cert) {
                var parsed = CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(pem));
                return Arrays.equals(parsed.getEncoded(), cert.getEncoded());
            }
            var key = PublicKeys.fromPem(new String(pem, StandardCharsets.US_ASCII));
            return Arrays.equals(key.getEncoded(), ((java.security.PublicKey) signer).getEncoded());
        } catch (java.security.GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    private static byte[] b64(String s) {
        try {
            return Base64.getDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
