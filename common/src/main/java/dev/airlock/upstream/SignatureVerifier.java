package dev.airlock.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.cli.LogText;
import dev.airlock.digest.Digest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Decides whether the signatures found for one manifest satisfy a {@link Rule}, offline: every
 * candidate is tried, each that verifies gives an {@link Evidence}, each that does not gives one
 * line saying why. What counts: the signed payload names this manifest's digest; keyed, the
 * signature verifies under one of the rule's keys; keyless, the signature verifies under its
 * Fulcio certificate, its Rekor entry's SET verifies under the trusted root and records this
 * signature, certificate and artifact, and {@link KeylessCheck} accepts the certificate at the
 * Rekor time. Keyed signatures' Rekor entries, inclusion proofs and RFC 3161 timestamps are not checked.
 * Thread-safe.
 */
public final class SignatureVerifier {
    static final ObjectMapper JSON = new ObjectMapper();
    private final TrustedRoot root;

    /** @param root the trusted root; may be null when no rule is keyless */
    public SignatureVerifier(TrustedRoot root) {
        this.root = root;
    }

    public Verdict verify(Digest manifest, List<Candidate> candidates, Rule rule) {
        if (rule.require() == Rule.Require.NONE) {
            return new Verdict(true, List.of(), List.of());
        }
        if (rule.require() == Rule.Require.REFUSE) {
            return new Verdict(false, List.of(), List.of("the rule " + rule.describe() + " refuses every image it covers"));
        }
        List<Evidence> evidence = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        Set<String> signers = new LinkedHashSet<>();
        if (candidates.isEmpty()) {
            failures.add("no signature");
        }
        for (Candidate c : candidates) {
            try {
                Evidence e = c instanceof LegacySignature l ? legacy(manifest, l, rule)
                        : new BundleCheck(this, rule).verify(manifest, (SigstoreBundle) c);
                evidence.add(e);
                signers.add("key".equals(e.kind()) ? "key " + e.keySha256() : "keyless " + e.issuer() + " " + e.identity());
            } catch (Refusal r) {
                failures.add(LogText.printable(c.where() + ": " + r.getMessage())); // it may quote a certificate's SAN: untrusted text
            } catch (RuntimeException e) {
                // untrusted bytes in a shape no check foresaw: that candidate fails, the run goes on
                failures.add(LogText.printable(c.where() + ": malformed (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")"));
            }
        }
        boolean ok = signers.size() >= rule.minimum();
        if (!ok && !evidence.isEmpty()) {
            failures.add(signers.size() + " distinct signer(s) verified; the rule " + rule.describe() + " wants " + rule.minimum());
        }
        return new Verdict(ok, evidence, failures);
    }

    private Evidence legacy(Digest manifest, LegacySignature s, Rule rule) throws Refusal {
        checkSimpleSigning(manifest, s.payload());
        byte[] sig = base64(s.signatureB64(), "signature");
        if (s.certificatePem() == null || rule.keyless().isEmpty()) {
            // keyed; or a certificate the rule does not ask for, whose key may still be one it trusts
            return keyed(k -> PublicKeys.verifies(k, s.payload(), sig), rule, s.where());
        }
        X509Certificate leaf = certificate(s.certificatePem().getBytes(StandardCharsets.US_ASCII));
        if (!PublicKeys.verifies(leaf.getPublicKey(), s.payload(), sig)) {
            throw new Refusal("signature does not verify under its certificate");
        }
        if (s.rekorBundleJson() == null) {
            throw new Refusal("Rekor entry does not verify: none crossed with the signature (annotation " + Candidates.BUNDLE + ")");
        }
        RekorEntry entry = RekorEntry.fromCosignBundle(s.rekorBundleJson());
        return keyless(leaf, entry, sig, PublicKeys.sha256(s.payload()), rule, s.where());
    }

    /** The Rekor, Fulcio and identity checks common to legacy and bundle keyless signatures. */
    Evidence keyless(X509Certificate leaf, RekorEntry entry, byte[] sig, byte[] artifactSha256, Rule rule, String where) throws Refusal {
        if (root == null) {
            throw new Refusal("keyless signature, but no trusted root was given");
        }
        entry.verifySet(root);
        entry.checkBody(sig, artifactSha256, leaf);
        KeylessCheck.Signer who = KeylessCheck.check(leaf, entry.time(), rule.keyless(), root);
        return new Evidence("keyless", null, who.identity(), who.issuer(), entry.logIndex(), entry.time().toString(), where);
    }

    /** The first of the rule's keys under which {@code verifies}; else refused naming the keys tried. */
    static Evidence keyed(Predicate<PublicKey> verifies, Rule rule, String where) throws Refusal {
        if (rule.keys().isEmpty()) {
            throw new Refusal("no certificate (a keyed signature), and the rule " + rule.describe() + " trusts only keyless signers");
        }
        for (TrustedKey k : rule.keys()) {
            if (verifies.test(k.key())) {
                return new Evidence("key", k.sha256(), null, null, null, null, where);
            }
        }
        throw new Refusal("unknown key (the signature verifies under none of " + String.join(", ", rule.keys().stream().map(TrustedKey::name).toList()) + ")");
    }

    /** cosign's simple-signing payload names {@code manifest} in {@code critical.image.docker-manifest-digest}. */
    static void checkSimpleSigning(Digest manifest, byte[] payload) throws Refusal {
        JsonNode p;
        try {
            p = JSON.readTree(payload);
        } catch (IOException e) {
            throw new Refusal("digest mismatch: the signed payload is not JSON");
        }
        String signed = p == null ? "" : p.path("critical").path("image").path("docker-manifest-digest").asText("");
        if (!manifest.toString().equals(signed)) {
            throw new Refusal("digest mismatch: signed for " + (signed.isEmpty() ? "no digest" : "'" + signed + "'") + ", not " + manifest);
        }
    }

    static X509Certificate certificate(byte[] pemOrDer) throws Refusal {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(pemOrDer));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new Refusal("certificate is unreadable (" + e.getMessage() + ")");
        }
    }

    static byte[] base64(String s, String what) throws Refusal {
        try {
            return Base64.getDecoder().decode(s.strip());
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new Refusal(what + " is not base64");
        }
    }
}
