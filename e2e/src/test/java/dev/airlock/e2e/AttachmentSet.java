package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.digest.Digest;
import dev.airlock.e2e.AttachmentFixtures.Key;
import dev.airlock.e2e.AttachmentFixtures.Referrer;
import dev.airlock.e2e.AttachmentFixtures.Signed;
import dev.airlock.testing.TestRegistry;
import java.util.List;
import java.util.Map;

/**
 * Every kind of attachment issue 18 names, hung on one image by {@link AttachmentFixtures}: a
 * cosign signature on the image and on each child of an index, an attestation and an SBOM by tag,
 * an SBOM referrer, and on that SBOM both a signature referrer and a {@code .sig} tag. After an
 * import, {@link #assertFoundAt} checks at the target with the convention-only checkers that each
 * is there, byte-identical (same digests) and still verifies.
 *
 * @param image the image (an index or a single manifest) everything hangs off
 * @param signatures the {@code .sig} tags: the image first, then each child of an index
 * @param attestation the manifest at {@code sha256-HEX.att} of the image
 * @param sbomTag the manifest at {@code sha256-HEX.sbom} of the image
 * @param sbom the SBOM referrer of the image
 * @param sbomSignatureReferrer cosign's OCI 1.1 signature whose subject is the SBOM
 * @param sbomSignatureTag the manifest at {@code sha256-SBOMHEX.sig}
 */
record AttachmentSet(Digest image, List<Signed> signatures, Digest attestation, Digest sbomTag, Digest sbom,
        Digest sbomSignatureReferrer, Digest sbomSignatureTag) {

    /** Attaches everything to {@code image} (already pushed to {@code repo} of {@code source}). */
    static AttachmentSet attach(TestRegistry source, String repo, Digest image, Key key) {
        List<Signed> sigs = AttachmentFixtures.signCosignRecursive(source, repo, image, key);
        Digest att = AttachmentFixtures.attest(source, repo, image, key, AttachmentFixtures.SLSA_PROVENANCE_V1);
        Digest sbomTag = AttachmentFixtures.attachSbomTag(source, repo, image, "image-sbom");
        Digest sbom = AttachmentFixtures.sbomReferrer(source, repo, image, "image-sbom");
        Digest sbomSigRef = AttachmentFixtures.signatureReferrer(source, repo, sbom, key);
        Digest sbomSigTag = AttachmentFixtures.signCosign(source, repo, sbom, key);
        return new AttachmentSet(image, sigs, att, sbomTag, sbom, sbomSigRef, sbomSigTag);
    }

    /**
     * At {@code target}'s {@code repo} (the image's repository there, after any mapping): every
     * tag names the same manifest digest as at the source, every referrer is listed by the
     * referrers tag schema, and every signature and attestation verifies with {@code key}.
     */
    void assertFoundAt(TestRegistry target, String repo, Key key) {
        for (Signed s : signatures) {
            AttachmentFixtures.verifyCosign(target, repo, s.subject(), key.publicPem());
            assertEquals(s.digest(), AttachmentFixtures.attachedTagDigests(target, repo, s.subject()).get(s.tag()), s.tag());
        }
        String hex = image.hex();
        Map<String, Digest> tags = AttachmentFixtures.attachedTagDigests(target, repo, image);
        assertEquals(attestation, tags.get("sha256-" + hex + ".att"), "attestation tag");
        assertEquals(sbomTag, tags.get("sha256-" + hex + ".sbom"), "SBOM tag");
        AttachmentFixtures.verifyAttestation(target, repo, image, key.publicPem());

        List<Referrer> referrers = AttachmentFixtures.referrers(target, repo, image);
        assertTrue(referrers.contains(new Referrer(sbom, AttachmentFixtures.SPDX_OCI)), "SBOM referrer missing: " + referrers);
        List<Referrer> onSbom = AttachmentFixtures.referrers(target, repo, sbom);
        assertTrue(onSbom.contains(new Referrer(sbomSignatureReferrer, AttachmentFixtures.COSIGN_SIG_ARTIFACT)),
                "signature referrer on the SBOM missing: " + onSbom);
        AttachmentFixtures.verifySignatureReferrers(target, repo, sbom, key.publicPem());
        assertEquals(sbomSignatureTag, AttachmentFixtures.attachedTagDigests(target, repo, sbom).get("sha256-" + sbom.hex() + ".sig"));
        AttachmentFixtures.verifyCosign(target, repo, sbom, key.publicPem());
    }
}
