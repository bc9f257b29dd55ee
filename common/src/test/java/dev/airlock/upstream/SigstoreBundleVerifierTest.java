package dev.airlock.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.digest.Digest;
import dev.airlock.oci.RawManifest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * cosign-3-style Sigstore bundles (DSSE, in-toto statement with cosign's signing predicate) made by
 * sigstore-js's own {@code sigstore attest} against {@code @sigstore/mock}'s Fulcio, CT log and Rekor
 * (sigstore_sign.js), verified offline against the trusted_root.json naming the mock's keys.
 */
class SigstoreBundleVerifierTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String ISSUER = "https://gitlab.com";
    static final String IDENTITY = "https://gitlab.com/group/app//.gitlab-ci.yml@refs/heads/main";
    static final Digest IMAGE = UpstreamFixtures.digestOf("a manifest signed with cosign 3");

    @TempDir
    static Path shared;
    static UpstreamFixtures.Bundle signed;
    static UpstreamFixtures.Bundle attestation;

    @TempDir
    Path dir;

    @BeforeAll
    static void sign() {
        UpstreamFixtures.assumeSigstoreJs();
        signed = UpstreamFixtures.sigstoreBundle(shared.resolve("signed"), IMAGE, "--issuer", ISSUER, "--subject", IDENTITY);
        attestation = UpstreamFixtures.sigstoreBundle(shared.resolve("att"), IMAGE, "--issuer", ISSUER, "--subject", IDENTITY,
                "--predicate-type", "https://slsa.dev/provenance/v1");
    }

    static Rule rule(String issuer, String identity) {
        return new Rule("reg.test/**", List.of(), List.of(new Keyless(issuer, identity, null)), Rule.Require.SIGNED, 1);
    }

    private static Verdict verify(Digest d, byte[] bundle, Path trustedRoot, Rule rule) {
        return new SignatureVerifier(TrustedRoot.load(trustedRoot)).verify(d, List.of(new SigstoreBundle("referrer test", bundle)), rule);
    }

    private static void refusedWith(Verdict v, String reason) {
        assertFalse(v.verified(), "verified: " + v);
        assertTrue(v.failures().stream().anyMatch(f -> f.contains(reason)), "want '" + reason + "' in " + v.failures());
    }

    /** The mock's trusted root with one section replaced by that of {@code from}. */
    private Path rootWith(String section, Path from) throws Exception {
        ObjectNode root = (ObjectNode) JSON.readTree(signed.trustedRoot().toFile());
        root.set(section, JSON.readTree(from.toFile()).get(section));
        Path out = dir.resolve("trusted_root.json");
        JSON.writeValue(out.toFile(), root);
        return out;
    }

    @Test
    void bundle_dsseSignedThroughMockFulcioAndRekor_verifies_withItsSct() {
        Verdict v = verify(IMAGE, signed.json(), signed.trustedRoot(), rule(ISSUER, IDENTITY));
        assertTrue(v.verified(), v.toString());
        Evidence e = v.evidence().get(0);
        assertEquals("keyless", e.kind());
        assertEquals(IDENTITY, e.identity());
        assertEquals(ISSUER, e.issuer());
        assertTrue(e.rekorLogIndex() != null && e.integratedTime() != null, e.toString());
    }

    @Test
    void bundle_signedForAnotherDigest_isRefused() {
        refusedWith(verify(UpstreamFixtures.digestOf("another image"), signed.json(), signed.trustedRoot(), rule(ISSUER, IDENTITY)),
                "digest mismatch");
    }

    @Test
    void bundle_wrongIdentity_isRefused() {
        refusedWith(verify(IMAGE, signed.json(), signed.trustedRoot(), rule(ISSUER, "https://gitlab.com/other//.gitlab-ci.yml@refs/heads/main")),
                "identity '" + IDENTITY + "' does not match");
    }

    @Test
    void bundle_wrongIssuer_isRefused() {
        refusedWith(verify(IMAGE, signed.json(), signed.trustedRoot(), rule("https://accounts.google.com", IDENTITY)),
                "issuer 'https://gitlab.com' does not match");
    }

    @Test
    void bundle_certificateFromACaNotInTheTrustedRoot_isRefused() throws Exception {
        UpstreamFixtures.assumePython();
        UpstreamFixtures.legacy("ca", dir.resolve("ca").toString());
        Path root = rootWith("certificateAuthorities", dir.resolve("ca/trusted_root.json"));
        refusedWith(verify(IMAGE, signed.json(), root, rule(ISSUER, IDENTITY)), "does not chain to a Fulcio CA of the trusted root");
    }

    @Test
    void bundle_rekorEntryTampered_isRefused() throws Exception {
        ObjectNode b = (ObjectNode) JSON.readTree(signed.json());
        ObjectNode entry = (ObjectNode) b.path("verificationMaterial").path("tlogEntries").path(0);
        entry.put("logIndex", String.valueOf(Long.parseLong(entry.path("logIndex").asText()) + 1));
        refusedWith(verify(IMAGE, JSON.writeValueAsBytes(b), signed.trustedRoot(), rule(ISSUER, IDENTITY)),
                "Rekor entry does not verify: its signed entry timestamp");
    }

    @Test
    void bundle_rekorKeyNotInTheTrustedRoot_isRefused() throws Exception {
        UpstreamFixtures.assumePython();
        UpstreamFixtures.legacy("ca", dir.resolve("ca").toString());
        refusedWith(verify(IMAGE, signed.json(), rootWith("tlogs", dir.resolve("ca/trusted_root.json")), rule(ISSUER, IDENTITY)),
                "is no Rekor log of the trusted root");
    }

    @Test
    void bundle_sctOfALogNotInTheTrustedRoot_isRefused() throws Exception {
        UpstreamFixtures.assumePython();
        UpstreamFixtures.legacy("ca", dir.resolve("ca").toString());
        Path other = dir.resolve("ct.json");
        // another CT log: the Python CA's Rekor key listed as the only CT log
        ObjectNode ct = (ObjectNode) JSON.readTree(dir.resolve("ca/trusted_root.json").toFile());
        ct.set("ctlogs", ct.get("tlogs"));
        JSON.writeValue(other.toFile(), ct);
        refusedWith(verify(IMAGE, signed.json(), rootWith("ctlogs", other), rule(ISSUER, IDENTITY)), "SCT does not verify");
    }

    @Test
    void bundle_withoutInclusionPromise_isRefused() throws Exception {
        ObjectNode b = (ObjectNode) JSON.readTree(signed.json());
        ((ObjectNode) b.path("verificationMaterial").path("tlogEntries").path(0)).remove("inclusionPromise");
        refusedWith(verify(IMAGE, JSON.writeValueAsBytes(b), signed.trustedRoot(), rule(ISSUER, IDENTITY)), "carries no inclusion promise");
    }

    @Test
    void bundle_attestationNamingTheImage_isNotItsSignature() {
        refusedWith(verify(IMAGE, attestation.json(), attestation.trustedRoot(), rule(ISSUER, IDENTITY)), "an attestation");
    }

    @Test
    void bundle_envelopeSwappedForAnotherStatement_isRefused() throws Exception {
        // A valid bundle's signature and log entry kept, its statement replaced by one naming another image.
        ObjectNode b = (ObjectNode) JSON.readTree(signed.json());
        ObjectNode env = (ObjectNode) b.path("dsseEnvelope");
        String statement = new String(java.util.Base64.getDecoder().decode(env.path("payload").asText()), StandardCharsets.UTF_8);
        Digest other = UpstreamFixtures.digestOf("other");
        env.put("payload", java.util.Base64.getEncoder().encodeToString(statement.replace(IMAGE.hex(), other.hex()).getBytes(StandardCharsets.UTF_8)));
        refusedWith(verify(other, JSON.writeValueAsBytes(b), signed.trustedRoot(), rule(ISSUER, IDENTITY)), "signature does not verify");
    }

    @Test
    void candidates_fromBundleReferrer_readsEachBundleLayer() throws Exception {
        Digest blob = Digest.sha256Of(signed.json());
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"artifactType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.empty.v1+json\",\"digest\":\"" + Digest.sha256Of("{}".getBytes()) + "\",\"size\":2},"
                + "\"layers\":[{\"mediaType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\",\"digest\":\"" + blob + "\",\"size\":"
                + signed.json().length + "}],\"subject\":{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + IMAGE
                + "\",\"size\":10}}").getBytes(StandardCharsets.UTF_8);
        RawManifest ref = RawManifest.of(manifest, null, "test");
        Map<Digest, byte[]> blobs = Map.of(blob, signed.json());
        List<Candidate> c = Candidates.fromBundleReferrer(ref, d -> blobs.get(d.digest()));
        assertEquals(1, c.size());
        assertEquals("referrer " + ref.digest() + " layer 0", c.get(0).where());
        assertTrue(new SignatureVerifier(TrustedRoot.load(signed.trustedRoot())).verify(IMAGE, c, rule(ISSUER, IDENTITY)).verified());
        assertTrue(Files.exists(signed.trustedRoot()));
    }
}
