package dev.airlock.copy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.digest.Digest;
import dev.airlock.error.AirlockException;
import dev.airlock.oci.AttachmentKind;
import dev.airlock.oci.ImageTree;
import dev.airlock.oci.RawManifest;
import dev.airlock.oci.Referrer;
import dev.airlock.testing.MemorySource;
import dev.airlock.testing.TestImages;
import dev.airlock.testing.TestImages.Image;
import dev.airlock.testing.TestImages.Layer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Discovery over an in-memory source standing in for a registry (its tag list; its referrers API,
 * off as on Debian's docker-registry 2.8, or on as on distribution 3 and zot). The real registry
 * paths are covered by the registry tests and the end-to-end AttachmentsIT.
 */
class AttachmentDiscoveryTest {
    private static final Repo REPO = new Repo("src:5000", "app/web");
    private static final String SIG_LAYER = "application/vnd.dev.cosign.simplesigning.v1+json";

    private final Image amd = TestImages.image(true, "amd64", null, Layer.random(1, 3000));
    private final Image arm = TestImages.image(true, "arm64", "v8", Layer.random(2, 3000));
    private final Image index = TestImages.index(true, List.of(amd, arm), List.of(new String[] {"amd64"}, new String[] {"arm64", "v8"}));
    private final MemorySource source = new MemorySource().add(REPO, "1.0", index);

    private static Image cosignSig(RawManifest signed) {
        return TestImages.artifact(null, null, SIG_LAYER, ("{\"critical\":{\"image\":{\"docker-manifest-digest\":\"" + signed.digest()
                + "\"}}}").getBytes(StandardCharsets.UTF_8), Map.of());
    }

    private static String tagOf(RawManifest subject, String suffix) {
        return Referrer.fallbackTag(subject.digest()) + suffix;
    }

    private void hold(String tag, Image image) {
        source.add(REPO, tag, image);
    }

    private ImageTree tree() {
        return CopyEngine.walk(source, REPO, "1.0");
    }

    private List<Attached> discover(AttachedSelection selection) {
        return new AttachmentDiscovery(source, selection).discover(REPO, tree(), "src:5000/app/web:1.0");
    }

    @Test
    void discover_findsTheCosignTagsOfTheIndexAndOfEachChild_withTheirKinds() {
        hold(tagOf(index.manifest(), ".sig"), cosignSig(index.manifest()));
        hold(tagOf(amd.manifest(), ".sig"), cosignSig(amd.manifest()));
        hold(tagOf(arm.manifest(), ".sig"), cosignSig(arm.manifest()));
        Image att = TestImages.artifact(null, null, "application/vnd.dsse.envelope.v1+json", "{}".getBytes(StandardCharsets.UTF_8),
                Map.of("predicateType", "https://slsa.dev/provenance/v1"));
        hold(tagOf(index.manifest(), ".att"), att);
        hold(tagOf(index.manifest(), ".sbom"), TestImages.artifact(null, null, "text/spdx+json", "{\"spdxVersion\":\"SPDX-2.3\"}"
                .getBytes(StandardCharsets.UTF_8), Map.of()));

        List<Attached> found = discover(AttachedSelection.ALL);

        assertEquals(5, found.size(), found.toString());
        Map<String, Attached> byTag = found.stream().collect(Collectors.toMap(Attached::tag, a -> a));
        for (Image signed : List.of(index, amd, arm)) {
            Attached sig = byTag.get(tagOf(signed.manifest(), ".sig"));
            assertEquals(signed.manifest().digest(), sig.subject());
            assertEquals(AttachmentKind.Type.SIGNATURE, sig.kind().type());
            assertTrue(!sig.referrer());
        }
        assertEquals(new AttachmentKind(AttachmentKind.Type.ATTESTATION, "https://slsa.dev/provenance/v1"),
                byTag.get(tagOf(index.manifest(), ".att")).kind());
        assertEquals(new AttachmentKind(AttachmentKind.Type.SBOM, "spdx+json"), byTag.get(tagOf(index.manifest(), ".sbom")).kind());
        assertEquals(att.manifest().digest(), byTag.get(tagOf(index.manifest(), ".att")).digest());
    }

    /** An SBOM referrer of the index and a signature referrer on that SBOM, through the referrers tag schema. */
    private List<RawManifest> sbomAndItsSignature() {
        Image sbom = TestImages.artifact("application/spdx+json", index.manifest(), "application/spdx+json",
                "{\"spdxVersion\":\"SPDX-2.3\"}".getBytes(StandardCharsets.UTF_8), Map.of("org.opencontainers.image.created", "2026"));
        Image sig = TestImages.artifact("application/vnd.dev.cosign.artifact.sig.v1+json", sbom.manifest(), SIG_LAYER,
                "sig".getBytes(StandardCharsets.UTF_8), Map.of());
        source.add(REPO, null, sbom).add(REPO, null, sig);
        return List.of(sbom.manifest(), sig.manifest());
    }

    @Test
    void discover_withoutAReferrersApi_readsTheReferrersTagSchema_andWhatAttachesToAnAttachment_subjectFirst() {
        List<RawManifest> made = sbomAndItsSignature();
        source.tag(REPO, Referrer.fallbackTag(index.manifest().digest()), TestImages.referrersIndex(List.of(made.get(0))));
        source.tag(REPO, Referrer.fallbackTag(made.get(0).digest()), TestImages.referrersIndex(List.of(made.get(1))));

        List<Attached> found = discover(AttachedSelection.ALL);

        assertEquals(List.of(made.get(0).digest(), made.get(1).digest()), found.stream().map(Attached::digest).toList());
        assertEquals(index.manifest().digest(), found.get(0).subject());
        assertEquals(made.get(0).digest(), found.get(1).subject());
        assertTrue(found.get(0).referrer() && found.get(1).referrer());
        assertNull(found.get(0).tag());
        assertEquals(new AttachmentKind(AttachmentKind.Type.SBOM, "spdx+json"), found.get(0).kind());
        assertEquals(AttachmentKind.Type.SIGNATURE, found.get(1).kind().type());
    }

    @Test
    void discover_withAReferrersApi_asksIt_andNeedsNoFallbackTag() {
        List<RawManifest> made = sbomAndItsSignature();
        source.withReferrersApi();

        List<Attached> found = discover(AttachedSelection.ALL);

        assertEquals(Set.of(made.get(0).digest(), made.get(1).digest()), found.stream().map(Attached::digest).collect(Collectors.toSet()));
    }

    @Test
    void discover_dropsAFallbackEntryWhoseManifestNamesAnotherSubject() {
        Image foreign = TestImages.artifact("application/spdx+json", amd.manifest(), "application/spdx+json",
                "x".getBytes(StandardCharsets.UTF_8), Map.of());
        source.add(REPO, null, foreign);
        source.tag(REPO, Referrer.fallbackTag(index.manifest().digest()), TestImages.referrersIndex(List.of(foreign.manifest())));

        List<Attached> found = discover(AttachedSelection.ALL);

        assertEquals(List.of(), found.stream().filter(a -> a.subject().equals(index.manifest().digest())).toList());
    }

    @Test
    void signatures_keepsSignaturesOnly_andNotWhatIsSignedOnAnSbom() {
        hold(tagOf(index.manifest(), ".sig"), cosignSig(index.manifest()));
        hold(tagOf(index.manifest(), ".sbom"), TestImages.artifact(null, null, "text/spdx+json", "{}".getBytes(StandardCharsets.UTF_8),
                Map.of()));
        List<RawManifest> made = sbomAndItsSignature();
        source.withReferrersApi();

        List<Attached> found = discover(AttachedSelection.SIGNATURES);

        assertEquals(List.of(tagOf(index.manifest(), ".sig")), found.stream().map(Attached::tag).toList());
        assertTrue(found.stream().noneMatch(a -> a.digest().equals(made.get(1).digest())));
    }

    @Test
    void none_asksTheSourceNothing() {
        hold(tagOf(index.manifest(), ".sig"), cosignSig(index.manifest()));
        ImageTree tree = tree();
        int reads = source.manifestReads();

        assertEquals(List.of(), new AttachmentDiscovery(source, AttachedSelection.NONE).discover(REPO, tree, "x"));
        assertEquals(0, source.tagLists());
        assertEquals(0, source.referrerCalls());
        assertEquals(reads, source.manifestReads());
    }

    @Test
    void oneDiscovery_listsEachRepositoryOnce_howeverManyImagesItHolds() {
        Image other = TestImages.image(true, "amd64", null, Layer.random(3, 100));
        source.add(REPO, "2.0", other);
        AttachmentDiscovery d = new AttachmentDiscovery(source, AttachedSelection.ALL);
        d.discover(REPO, tree(), "a");
        d.discover(REPO, CopyEngine.walk(source, REPO, "2.0"), "b");
        assertEquals(1, source.tagLists());
    }

    @Test
    void moreAttachmentsThanTheBound_refusesTheImage_namingTheBound() {
        List<RawManifest> many = new ArrayList<>();
        for (int i = 0; i <= AttachmentDiscovery.MAX_PER_IMAGE; i++) {
            Image a = TestImages.artifact("application/vnd.example+json", index.manifest(), "application/octet-stream",
                    ("n" + i).getBytes(StandardCharsets.UTF_8), Map.of());
            source.add(REPO, null, a);
            many.add(a.manifest());
        }
        source.tag(REPO, Referrer.fallbackTag(index.manifest().digest()), TestImages.referrersIndex(many));

        AirlockException e = assertThrows(AirlockException.class, () -> discover(AttachedSelection.ALL));
        assertEquals(AirlockException.Kind.USAGE, e.kind());
        assertTrue(e.getMessage().contains("more than " + AttachmentDiscovery.MAX_PER_IMAGE + " attachments"), e.getMessage());
    }

    @Test
    void attachmentsNestedDeeperThanTheBound_refuseTheImage_namingTheBound() {
        RawManifest subject = index.manifest();
        for (int depth = 0; depth <= AttachmentDiscovery.MAX_DEPTH; depth++) {
            Image sig = cosignSig(subject);
            hold(tagOf(subject, ".sig"), sig);
            subject = sig.manifest();
        }
        AirlockException e = assertThrows(AirlockException.class, () -> discover(AttachedSelection.ALL));
        assertTrue(e.getMessage().contains("nest deeper than " + AttachmentDiscovery.MAX_DEPTH), e.getMessage());
    }

    @Test
    void foundBothAsTagAndAsReferrer_isOneAttachment_keepingBoth() {
        List<RawManifest> made = sbomAndItsSignature();
        source.tag(REPO, Referrer.fallbackTag(index.manifest().digest()), TestImages.referrersIndex(List.of(made.get(0))));
        source.tag(REPO, tagOf(index.manifest(), ".sbom"), made.get(0));

        List<Attached> found = discover(AttachedSelection.ALL);

        assertEquals(1, found.stream().filter(a -> a.digest().equals(made.get(0).digest())).count());
        Attached sbom = found.stream().filter(a -> a.digest().equals(made.get(0).digest())).findFirst().orElseThrow();
        assertTrue(sbom.referrer());
        assertEquals(tagOf(index.manifest(), ".sbom"), sbom.tag());
        assertEquals(Digest.class, sbom.subject().getClass());
    }
}
