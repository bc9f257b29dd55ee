package dev.airlock.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.digest.Digest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** cosign's legacy {@code .sig} signatures, keyed and keyless, made by Python (cosign_legacy.py), checked offline. */
class LegacySignatureVerifierTest {
    static final String GITLAB = "https://gitlab.com";
    static final String PIPELINE = "https://gitlab.com/gitlab-org/security-products/analyzers/semgrep//.gitlab-ci.yml@refs/heads/main";
    static final Digest IMAGE = UpstreamFixtures.digestOf("the image manifest");
    static final Digest OTHER = UpstreamFixtures.digestOf("another image's manifest");

    @TempDir
    static Path shared;
    static TrustedRoot root;
    static Path otherCa;

    @TempDir
    Path dir;

    @BeforeAll
    static void ca() {
        UpstreamFixtures.assumePython();
        UpstreamFixtures.legacy("ca", shared.resolve("ca").toString());
        otherCa = shared.resolve("other-ca");
        UpstreamFixtures.legacy("ca", otherCa.toString(), "--name", "not-fulcio");
        root = TrustedRoot.load(shared.resolve("ca/trusted_root.json"));
    }

    static Rule keyRule(Path... pubs) throws Exception {
        List<TrustedKey> keys = new java.util.ArrayList<>();
        for (Path p : pubs) {
            keys.add(TrustedKey.of(p.getFileName().toString(), PublicKeys.fromPem(Files.readString(p))));
        }
        return new Rule("reg.test/**", keys, List.of(), Rule.Require.SIGNED, 1);
    }

    static Rule keylessRule(Keyless... k) {
        return new Rule("registry.gitlab.com/**", List.of(), List.of(k), Rule.Require.SIGNED, 1);
    }

    private Verdict verify(Digest manifest, UpstreamFixtures.SigImage sig, Rule rule) {
        return new SignatureVerifier(root).verify(manifest, sig.candidates(), rule);
    }

    private UpstreamFixtures.SigImage keyless(String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("--ca", shared.resolve("ca").toString(), "--identity", PIPELINE, "--issuer", GITLAB));
        args.addAll(List.of(extra));
        return UpstreamFixtures.sign(dir.resolve("sig"), IMAGE, args.toArray(String[]::new));
    }

    private static void refusedWith(Verdict v, String reason) {
        assertFalse(v.verified(), "verified: " + v);
        assertTrue(v.failures().stream().anyMatch(f -> f.contains(reason)), "want '" + reason + "' in " + v.failures());
    }

    @ParameterizedTest
    @ValueSource(strings = {"ecdsa-p256", "ecdsa-p384", "ed25519", "rsa"})
    void keyed_signatureUnderTheRulesKey_verifies_andNamesTheKey(String type) throws Exception {
        Path pub = UpstreamFixtures.keygen(dir.resolve("k"), type);
        var sig = UpstreamFixtures.sign(dir.resolve("sig"), IMAGE, "--key", dir.resolve("k/cosign.key").toString());
        Rule rule = keyRule(pub);
        Verdict v = verify(IMAGE, sig, rule);
        assertTrue(v.verified(), v.toString());
        assertEquals("key", v.evidence().get(0).kind());
        assertEquals(rule.keys().get(0).sha256(), v.evidence().get(0).keySha256());
        assertTrue(v.evidence().get(0).where().endsWith(".sig layer 0"), v.evidence().get(0).where());
    }

    @Test
    void unsigned_isRefused_noSignature() throws Exception {
        Path pub = UpstreamFixtures.keygen(dir.resolve("k"), "ecdsa-p256");
        refusedWith(new SignatureVerifier(null).verify(IMAGE, List.of(), keyRule(pub)), "no signature");
    }

    @Test
    void keyed_signedWithAnotherKey_isRefused_unknownKey() throws Exception {
        Path trusted = UpstreamFixtures.keygen(dir.resolve("trusted"), "ecdsa-p256");
        UpstreamFixtures.keygen(dir.resolve("attacker"), "ecdsa-p256");
        var sig = UpstreamFixtures.sign(dir.resolve("sig"), IMAGE, "--key", dir.resolve("attacker/cosign.key").toString());
        refusedWith(verify(IMAGE, sig, keyRule(trusted)), "unknown key");
    }

    @Test
    void keyed_signatureMadeForAnotherDigest_movedNextToThisImage_isRefused() throws Exception {
        Path pub = UpstreamFixtures.keygen(dir.resolve("k"), "ecdsa-p256");
        var sig = UpstreamFixtures.sign(dir.resolve("sig"), OTHER, "--key", dir.resolve("k/cosign.key").toString());
        Verdict v = verify(IMAGE, sig, keyRule(pub));
        refusedWith(v, "digest mismatch: signed for '" + OTHER + "'");
        assertTrue(verify(OTHER, sig, keyRule(pub)).verified(), "the same signature does verify for the digest it was made for");
    }

    @Test
    void keyed_minimumTwo_needsTwoDistinctKeys() throws Exception {
        Path a = UpstreamFixtures.keygen(dir.resolve("a"), "ecdsa-p256");
        Path b = UpstreamFixtures.keygen(dir.resolve("b"), "ed25519");
        var one = UpstreamFixtures.sign(dir.resolve("sig"), IMAGE, "--key", dir.resolve("a/cosign.key").toString());
        Rule two = new Rule("reg.test/**", keyRule(a, b).keys(), List.of(), Rule.Require.SIGNED, 2);
        refusedWith(verify(IMAGE, one, two), "wants 2");
        var again = UpstreamFixtures.sign(dir.resolve("sig"), IMAGE, "--append", "--key", dir.resolve("a/cosign.key").toString());
        assertFalse(verify(IMAGE, again, two).verified(), "the same key twice is one signer");
        var both = UpstreamFixtures.sign(dir.resolve("sig"), IMAGE, "--append", "--key", dir.resolve("b/cosign.key").toString());
        Verdict v = verify(IMAGE, both, two);
        assertTrue(v.verified(), v.toString());
        assertEquals(3, v.evidence().size());
    }

    @Test
    void keyless_fulcioCertificateAndRekorEntry_verify_andNameIdentityIssuerAndLogIndex() {
        Verdict v = verify(IMAGE, keyless(), keylessRule(new Keyless(GITLAB, PIPELINE, null)));
        assertTrue(v.verified(), v.toString());
        Evidence e = v.evidence().get(0);
        assertEquals("keyless", e.kind());
        assertEquals(PIPELINE, e.identity());
        assertEquals(GITLAB, e.issuer());
        assertEquals(4242L, e.rekorLogIndex());
        assertTrue(e.describe().startsWith("cosign keyless https://gitlab.com " + PIPELINE + " (Rekor 4242, 20"), e.describe());
    }

    @Test
    void keyless_minimumTwo_theSameIdentityTwiceIsOneSigner() {
        UpstreamFixtures.sign(dir.resolve("sig"), IMAGE, "--ca", shared.resolve("ca").toString(), "--identity", PIPELINE, "--issuer", GITLAB);
        var twice = UpstreamFixtures.sign(dir.resolve("sig"), IMAGE, "--append", "--ca", shared.resolve("ca").toString(), "--identity", PIPELINE,
                "--issuer", GITLAB);
        Keyless pipeline = new Keyless(GITLAB, PIPELINE, null);
        Keyless other = new Keyless(GITLAB, "https://gitlab.com/other//.gitlab-ci.yml@refs/heads/main", null);
        Rule two = new Rule("**", List.of(), List.of(pipeline, other), Rule.Require.SIGNED, 2);
        Verdict v = verify(IMAGE, twice, two);
        assertEquals(2, v.evidence().size(), v.toString());
        refusedWith(v, "1 distinct signer(s) verified");
        var third = UpstreamFixtures.sign(dir.resolve("sig"), IMAGE, "--append", "--ca", shared.resolve("ca").toString(), "--identity",
                other.identity(), "--issuer", GITLAB);
        assertTrue(verify(IMAGE, third, two).verified());
    }

    @Test
    void keyless_identityRegexp_mustMatchTheWholeSan() {
        var sig = keyless();
        assertTrue(verify(IMAGE, sig, keylessRule(new Keyless(GITLAB, null, "https://gitlab\\.com/gitlab-org/security-products/analyzers/.*"))).verified());
        refusedWith(verify(IMAGE, sig, keylessRule(new Keyless(GITLAB, null, "https://gitlab\\.com/gitlab-org"))), "does not match");
    }

    @Test
    void keyless_wrongIdentity_isRefused_namingIt() {
        Verdict v = verify(IMAGE, keyless(), keylessRule(new Keyless(GITLAB, "https://gitlab.com/someone/else//.gitlab-ci.yml@refs/heads/main", null)));
        refusedWith(v, "identity '" + PIPELINE + "' does not match");
    }

    @Test
    void keyless_wrongIssuer_isRefused_namingIt() {
        Verdict v = verify(IMAGE, keyless(), keylessRule(new Keyless("https://token.actions.githubusercontent.com", PIPELINE, null)));
        refusedWith(v, "issuer 'https://gitlab.com' does not match");
    }

    @Test
    void keyless_anyOfSeveralSigners_satisfiesTheRule() {
        Verdict v = verify(IMAGE, keyless(), keylessRule(new Keyless("https://a.test", "x", null), new Keyless(GITLAB, PIPELINE, null)));
        assertTrue(v.verified(), v.toString());
    }

    @Test
    void ruleWithKeysAndKeyless_isSatisfiedByEither() throws Exception {
        Path pub = UpstreamFixtures.keygen(dir.resolve("k"), "ed25519");
        Rule both = new Rule("**", keyRule(pub).keys(), List.of(new Keyless(GITLAB, PIPELINE, null)), Rule.Require.SIGNED, 1);
        var keyed = UpstreamFixtures.sign(dir.resolve("keyed"), IMAGE, "--key", dir.resolve("k/cosign.key").toString());
        assertEquals("key", verify(IMAGE, keyed, both).evidence().get(0).kind());
        assertEquals("keyless", verify(IMAGE, keyless(), both).evidence().get(0).kind());
    }

    @Test
    void keyless_certificateFromAnotherCa_isRefused() {
        var sig = UpstreamFixtures.sign(dir.resolve("sig"), IMAGE, "--ca", otherCa.toString(), "--rekor-from", shared.resolve("ca").toString(),
                "--identity", PIPELINE, "--issuer", GITLAB);
        refusedWith(verify(IMAGE, sig, keylessRule(new Keyless(GITLAB, PIPELINE, null))), "does not chain to a Fulcio CA of the trusted root");
    }

    @Test
    void keyless_tamperedRekorEntry_isRefused() {
        refusedWith(verify(IMAGE, keyless("--tamper-set"), keylessRule(new Keyless(GITLAB, PIPELINE, null))),
                "Rekor entry does not verify: its signed entry timestamp");
    }

    @Test
    void keyless_rekorEntryOfAnotherLog_isRefused() {
        var sig = keyless("--rekor-from", otherCa.toString());
        refusedWith(verify(IMAGE, sig, keylessRule(new Keyless(GITLAB, PIPELINE, null))), "is no Rekor log of the trusted root");
    }

    @Test
    void keyless_withoutRekorEntry_isRefused() {
        refusedWith(verify(IMAGE, keyless("--no-bundle"), keylessRule(new Keyless(GITLAB, PIPELINE, null))), "Rekor entry does not verify: none crossed");
    }

    @Test
    void keyless_certificateExpiredAtTheRekorTime_isRefused() {
        refusedWith(verify(IMAGE, keyless("--expired"), keylessRule(new Keyless(GITLAB, PIPELINE, null))), "certificate expired at signing time");
    }

    @Test
    void keyless_signedForAnotherDigest_isRefused() {
        var sig = UpstreamFixtures.sign(dir.resolve("sig"), OTHER, "--ca", shared.resolve("ca").toString(), "--identity", PIPELINE, "--issuer", GITLAB);
        refusedWith(verify(IMAGE, sig, keylessRule(new Keyless(GITLAB, PIPELINE, null))), "digest mismatch");
    }

    @Test
    void keyless_rekorBodyOfAnotherSignature_isRefused() throws Exception {
        // A genuine Rekor entry (signature A's) moved onto another genuine keyless signature B: its SET
        // still verifies, but its body names A's signature and certificate, not B's.
        var a = keyless();
        String bundleA = new com.fasterxml.jackson.databind.ObjectMapper().readTree(a.manifest().bytesUnsafe())
                .path("layers").path(0).path("annotations").path(Candidates.BUNDLE).asText();
        var b = UpstreamFixtures.sign(dir.resolve("sig2"), IMAGE, "--ca", shared.resolve("ca").toString(), "--identity", PIPELINE, "--issuer", GITLAB);
        LegacySignature s = (LegacySignature) b.candidates().get(0);
        LegacySignature moved = new LegacySignature(s.where(), s.payload(), s.signatureB64(), s.certificatePem(), s.chainPem(), bundleA);
        Verdict v = new SignatureVerifier(root).verify(IMAGE, List.of(moved), keylessRule(new Keyless(GITLAB, PIPELINE, null)));
        refusedWith(v, "its body records another signature");
    }

    @Test
    void keyless_signatureOfAnotherCertificate_isRefused() {
        LegacySignature a = (LegacySignature) keyless().candidates().get(0);
        LegacySignature b = (LegacySignature) UpstreamFixtures.sign(dir.resolve("sig2"), IMAGE, "--ca", shared.resolve("ca").toString(),
                "--identity", PIPELINE, "--issuer", GITLAB).candidates().get(0);
        LegacySignature swapped = new LegacySignature(a.where(), a.payload(), b.signatureB64(), a.certificatePem(), a.chainPem(), a.rekorBundleJson());
        refusedWith(new SignatureVerifier(root).verify(IMAGE, List.of(swapped), keylessRule(new Keyless(GITLAB, PIPELINE, null))),
                "signature does not verify under its certificate");
    }

    @Test
    void malformedCandidate_failsAlone_othersStillCount() throws Exception {
        Path pub = UpstreamFixtures.keygen(dir.resolve("k"), "ecdsa-p256");
        var good = UpstreamFixtures.sign(dir.resolve("sig"), IMAGE, "--key", dir.resolve("k/cosign.key").toString()).candidates();
        List<Candidate> all = List.of(new SigstoreBundle("referrer bad", "{\"mediaType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\"}".getBytes()),
                new LegacySignature("tag bad", "[]".getBytes(), "", null, null, null), good.get(0));
        Verdict v = new SignatureVerifier(null).verify(IMAGE, all, keyRule(pub));
        assertTrue(v.verified(), v.toString());
        assertEquals(2, v.failures().size(), v.failures().toString());
    }

    @Test
    void keyedSignature_underAKeylessOnlyRule_isRefused() throws Exception {
        UpstreamFixtures.keygen(dir.resolve("k"), "ecdsa-p256");
        var sig = UpstreamFixtures.sign(dir.resolve("sig"), IMAGE, "--key", dir.resolve("k/cosign.key").toString());
        refusedWith(verify(IMAGE, sig, keylessRule(new Keyless(GITLAB, PIPELINE, null))), "trusts only keyless signers");
    }

    @Test
    void requireNone_passesUnsigned_requireRefuse_refusesSigned() throws GeneralSecurityException {
        SignatureVerifier v = new SignatureVerifier(null);
        assertTrue(v.verify(IMAGE, List.of(), new Rule("**", List.of(), List.of(), Rule.Require.NONE, 1)).verified());
        refusedWith(v.verify(IMAGE, keyless().candidates(), new Rule("**", List.of(), List.of(), Rule.Require.REFUSE, 1)), "refuses every image");
    }

    private byte[] keyedBundle(Digest d, String key, boolean dsse) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("bundle-keyed", dir.resolve("b").toString(), "--digest", d.toString(), "--key", key));
        if (dsse) {
            args.add("--dsse");
        }
        return Files.readAllBytes(Path.of(UpstreamFixtures.legacy(args.toArray(String[]::new)).get("bundle").asText()));
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void keyedSigstoreBundle_dsseOrMessageSignature_verifiesUnderTheRulesKey_andNotForAnotherDigest(boolean dsse) throws Exception {
        Path pub = UpstreamFixtures.keygen(dir.resolve("k"), "ecdsa-p256");
        Path other = UpstreamFixtures.keygen(dir.resolve("o"), "ecdsa-p256");
        byte[] bundle = keyedBundle(IMAGE, dir.resolve("k/cosign.key").toString(), dsse);
        List<Candidate> c = List.of(new SigstoreBundle("referrer x layer 0", bundle));
        Verdict v = new SignatureVerifier(null).verify(IMAGE, c, keyRule(pub));
        assertTrue(v.verified(), v.toString());
        assertEquals(keyRule(pub).keys().get(0).sha256(), v.evidence().get(0).keySha256());
        refusedWith(new SignatureVerifier(null).verify(OTHER, c, keyRule(pub)), "digest mismatch");
        refusedWith(new SignatureVerifier(null).verify(IMAGE, c, keyRule(other)), "unknown key");
    }
}
