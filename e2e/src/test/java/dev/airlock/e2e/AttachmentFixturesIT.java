package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.digest.Digest;
import dev.airlock.e2e.AttachmentFixtures.Key;
import dev.airlock.e2e.AttachmentFixtures.Referrer;
import dev.airlock.e2e.AttachmentFixtures.Signed;
import dev.airlock.oci.MediaTypes;
import dev.airlock.testing.RegistryExtension;
import dev.airlock.testing.RegistryExtension.Registries;
import dev.airlock.testing.TestImages;
import dev.airlock.testing.TestImages.Image;
import dev.airlock.testing.TestImages.Layer;
import dev.airlock.testing.TestRegistry;
import dev.airlock.testing.Tools;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The attachment fixtures and checkers themselves, against a real Debian docker-registry 2.8 (no
 * referrers API): what the producers push has the shape cosign and oras write, and each checker
 * passes on it and fails — with one line naming what is wrong — where an attachment is missing,
 * moved or altered. Tests that carry attachments across the gap rely on both.
 */
@ExtendWith(RegistryExtension.class)
class AttachmentFixturesIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String REPO = "team/app";
    private static final String ACCEPT = String.join(", ", MediaTypes.OCI_MANIFEST, MediaTypes.OCI_INDEX,
            MediaTypes.DOCKER_MANIFEST, MediaTypes.DOCKER_LIST);

    @TempDir
    Path tmp;

    @BeforeEach
    void needsPython() {
        AttachmentFixtures.assumeAvailable();
    }

    private static Image multiArch(long seed) {
        Image amd = TestImages.image(true, "amd64", null, Layer.random(seed, 4096));
        Image arm = TestImages.image(true, "arm64", "v8", Layer.random(seed + 1, 4096));
        return TestImages.index(true, List.of(amd, arm), List.of(new String[] {"amd64"}, new String[] {"arm64", "v8"}));
    }

    private static Digest push(TestRegistry r, String tag, Image image) {
        TestImages.push(r.client(), r.host(), REPO, tag, image);
        return image.manifest().digest();
    }

    @Test
    void signCosignRecursive_signsTheIndexAndEachChild_eachVerifiedByTheTagConvention(Registries regs) throws Exception {
        TestRegistry r = regs.plain();
        Image image = multiArch(1);
        Digest index = push(r, "v1", image);
        Key key = AttachmentFixtures.keygen(tmp.resolve("keys"));

        List<Signed> signed = AttachmentFixtures.signCosignRecursive(r, REPO, index, key);

        List<Digest> expected = image.allManifests().stream().map(m -> m.digest()).toList();
        assertEquals(expected, signed.stream().map(Signed::subject).toList());
        for (Signed s : signed) {
            assertEquals("sha256-" + s.subject().hex() + ".sig", s.tag());
            AttachmentFixtures.verifyCosign(r, REPO, s.subject(), key.publicPem());
            assertEquals(List.of(s.tag()), AttachmentFixtures.attachedTags(r, REPO, s.subject()));
        }
    }

    @Test
    void cosignSignature_hasTheManifestAndConfigCosignWrites_andASecondSignatureAppendsALayer(Registries regs) throws Exception {
        TestRegistry r = regs.plain();
        Digest image = push(r, "v1", multiArch(2).children().get(0));
        Key key = AttachmentFixtures.keygen(tmp.resolve("keys"));
        AttachmentFixtures.signCosign(r, REPO, image, key);

        JsonNode m = JSON.readTree(manifest(r, "sha256-" + image.hex() + ".sig"));
        assertEquals(MediaTypes.OCI_MANIFEST, m.get("mediaType").asText());
        assertEquals(AttachmentFixtures.OCI_CONFIG, m.at("/config/mediaType").asText());
        JsonNode layer = m.at("/layers/0");
        assertEquals(AttachmentFixtures.SIMPLE_SIGNING, layer.get("mediaType").asText());
        assertTrue(layer.at("/annotations").has(AttachmentFixtures.SIGNATURE_ANNOTATION), m.toString());
        String config = new String(blob(r, m.at("/config/digest").asText()), StandardCharsets.UTF_8);
        assertEquals("{\"architecture\":\"\",\"created\":\"0001-01-01T00:00:00Z\",\"history\":[{\"created\":\"0001-01-01T00:00:00Z\"}],"
                + "\"os\":\"\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + layer.get("digest").asText() + "\"]},\"config\":{}}", config);
        String payload = new String(blob(r, layer.get("digest").asText()), StandardCharsets.UTF_8);
        assertEquals("{\"critical\":{\"identity\":{\"docker-reference\":\"" + r.host() + "/" + REPO + "\"},\"image\":{\"docker-manifest-digest\":\""
                + image + "\"},\"type\":\"cosign container image signature\"},\"optional\":null}", payload);

        Key second = AttachmentFixtures.keygen(tmp.resolve("second"));
        AttachmentFixtures.signCosign(r, REPO, image, second);
        assertEquals(2, JSON.readTree(manifest(r, "sha256-" + image.hex() + ".sig")).get("layers").size());
    }

    @Test
    void verifyCosign_fails_forAnUnsignedDigest_aSignatureMovedToAnotherImage_aTamperedPayload_andAnotherKey(Registries regs) throws Exception {
        TestRegistry r = regs.plain();
        Image pair = multiArch(3);
        Digest signedImage = push(r, "v1", pair.children().get(0));
        Digest other = push(r, "v2", pair.children().get(1));
        Key key = AttachmentFixtures.keygen(tmp.resolve("keys"));
        AttachmentFixtures.signCosign(r, REPO, signedImage, key);
        String sigTag = "sha256-" + signedImage.hex() + ".sig";

        assertFails(AttachmentFixtures.check(r, REPO, "cosign-verify", other, "--key", key.publicPem().toString()), "no tag sha256-" + other.hex());

        byte[] sig = manifest(r, sigTag);
        AttachmentFixtures.pushManifest(r, REPO, "sha256-" + other.hex() + ".sig", sig, MediaTypes.OCI_MANIFEST);
        assertFails(AttachmentFixtures.check(r, REPO, "cosign-verify", other, "--key", key.publicPem().toString()),
                "signed payload names " + signedImage);

        Key stranger = AttachmentFixtures.keygen(tmp.resolve("stranger"));
        assertFails(AttachmentFixtures.check(r, REPO, "cosign-verify", signedImage, "--key", stranger.publicPem().toString()),
                "does not verify");

        ObjectNode m = (ObjectNode) JSON.readTree(sig);
        String payload = new String(blob(r, m.at("/layers/0/digest").asText()), StandardCharsets.UTF_8);
        byte[] tampered = payload.replace(r.host() + "/" + REPO, r.host() + "/elsewhere").getBytes(StandardCharsets.UTF_8);
        Digest tamperedDigest = AttachmentFixtures.pushBlob(r, REPO, tampered);
        ObjectNode layer = (ObjectNode) m.at("/layers/0");
        layer.put("digest", tamperedDigest.toString());
        layer.put("size", tampered.length);
        AttachmentFixtures.pushManifest(r, REPO, sigTag, JSON.writeValueAsBytes(m), MediaTypes.OCI_MANIFEST);
        assertFails(AttachmentFixtures.check(r, REPO, "cosign-verify", signedImage, "--key", key.publicPem().toString()),
                "does not verify");
    }

    @Test
    void attestationAndSbomTags_areFoundByTagName_andTheAttestationVerifiesOnlyWithItsKey(Registries regs) throws Exception {
        TestRegistry r = regs.plain();
        Digest image = push(r, "v1", multiArch(4));
        Key key = AttachmentFixtures.keygen(tmp.resolve("keys"));

        AttachmentFixtures.attest(r, REPO, image, key, AttachmentFixtures.SLSA_PROVENANCE_V1);
        AttachmentFixtures.attachSbomTag(r, REPO, image, "app-sbom");

        assertEquals(List.of("sha256-" + image.hex() + ".att", "sha256-" + image.hex() + ".sbom"), AttachmentFixtures.attachedTags(r, REPO, image));
        AttachmentFixtures.verifyAttestation(r, REPO, image, key.publicPem());
        JsonNode att = JSON.readTree(manifest(r, "sha256-" + image.hex() + ".att"));
        assertEquals(AttachmentFixtures.DSSE_ENVELOPE, att.at("/layers/0/mediaType").asText());
        assertEquals(AttachmentFixtures.SLSA_PROVENANCE_V1, att.at("/layers/0/annotations/predicateType").asText());
        JsonNode sbom = JSON.readTree(manifest(r, "sha256-" + image.hex() + ".sbom"));
        assertEquals(AttachmentFixtures.SPDX_COSIGN, sbom.at("/layers/0/mediaType").asText());
        assertEquals("SPDX-2.3", JSON.readTree(blob(r, sbom.at("/layers/0/digest").asText())).get("spdxVersion").asText());

        Key stranger = AttachmentFixtures.keygen(tmp.resolve("stranger"));
        assertFails(AttachmentFixtures.check(r, REPO, "cosign-verify", image, "--key", stranger.publicPem().toString(), "--type", "att"),
                "does not verify");
    }

    @Test
    void sbomReferrer_andSignaturesOnTheSbom_areListedInTheReferrersTagIndexes_keepingEarlierEntries(Registries regs) throws Exception {
        TestRegistry r = regs.plain();
        Digest image = push(r, "v1", multiArch(5));
        Key key = AttachmentFixtures.keygen(tmp.resolve("keys"));

        Digest sbom = AttachmentFixtures.sbomReferrer(r, REPO, image, "app-sbom");
        Digest sig = AttachmentFixtures.signatureReferrer(r, REPO, sbom, key);
        AttachmentFixtures.signCosign(r, REPO, sbom, key);
        Digest secondSbom = AttachmentFixtures.sbomReferrer(r, REPO, image, "app-sbom-2");

        assertNotEquals(sbom, secondSbom);
        assertEquals(List.of(new Referrer(sbom, AttachmentFixtures.SPDX_OCI), new Referrer(secondSbom, AttachmentFixtures.SPDX_OCI)),
                AttachmentFixtures.referrers(r, REPO, image));
        assertEquals(List.of(new Referrer(sig, AttachmentFixtures.COSIGN_SIG_ARTIFACT)), AttachmentFixtures.referrers(r, REPO, sbom));
        AttachmentFixtures.verifyCosign(r, REPO, sbom, key.publicPem());
        AttachmentFixtures.verifySignatureReferrers(r, REPO, sbom, key.publicPem());
        Key stranger = AttachmentFixtures.keygen(tmp.resolve("stranger"));
        assertFails(AttachmentFixtures.check(r, REPO, "cosign-verify", sbom, "--key", stranger.publicPem().toString(), "--type", "referrer"),
                "does not verify");

        JsonNode m = JSON.readTree(manifest(r, sbom.toString()));
        assertEquals(AttachmentFixtures.OCI_EMPTY, m.at("/config/mediaType").asText());
        assertEquals(2, m.at("/config/size").asInt());
        assertEquals(image.toString(), m.at("/subject/digest").asText());
        assertArrayEquals("{}".getBytes(StandardCharsets.UTF_8), blob(r, m.at("/config/digest").asText()));
        JsonNode index = JSON.readTree(manifest(r, "sha256-" + image.hex()));
        assertEquals(MediaTypes.OCI_INDEX, index.get("mediaType").asText());
        assertEquals("2026-01-01T00:00:00Z", index.at("/manifests/0/annotations/org.opencontainers.image.created").asText());
    }

    @Test
    void findReferrers_fails_whenTheIndexIsMissing_namesAnotherSubject_orMisstatesTheArtifactType(Registries regs) throws Exception {
        TestRegistry r = regs.plain();
        Image pair = multiArch(6);
        Digest image = push(r, "v1", pair.children().get(0));
        Digest other = push(r, "v2", pair.children().get(1));
        AttachmentFixtures.sbomReferrer(r, REPO, image, "app-sbom");

        assertFails(AttachmentFixtures.check(r, REPO, "find-referrers", other), "no referrers index at tag sha256-" + other.hex());

        byte[] index = manifest(r, "sha256-" + image.hex());
        AttachmentFixtures.pushManifest(r, REPO, "sha256-" + other.hex(), index, MediaTypes.OCI_INDEX);
        assertFails(AttachmentFixtures.check(r, REPO, "find-referrers", other), "names subject " + image + ", not " + other);

        ObjectNode altered = (ObjectNode) JSON.readTree(index);
        ((ObjectNode) altered.at("/manifests/0")).put("artifactType", "application/vnd.example.other");
        AttachmentFixtures.pushManifest(r, REPO, "sha256-" + image.hex(), JSON.writeValueAsBytes(altered), MediaTypes.OCI_INDEX);
        assertFails(AttachmentFixtures.check(r, REPO, "find-referrers", image), "the index says application/vnd.example.other");
    }

    @Test
    void findTags_fails_whenARequiredTagIsMissing_orOneOfItsBlobsIsGone(Registries regs) throws Exception {
        TestRegistry r = regs.plain();
        Digest image = push(r, "v1", multiArch(7));
        Key key = AttachmentFixtures.keygen(tmp.resolve("keys"));
        AttachmentFixtures.signCosign(r, REPO, image, key);

        assertFails(AttachmentFixtures.check(r, REPO, "find-tags", image, "--require", "sig,sbom"), "no sha256-" + image.hex() + ".sbom");

        String payload = JSON.readTree(manifest(r, "sha256-" + image.hex() + ".sig")).at("/layers/0/digest").asText();
        HttpResponse<Void> deleted = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + r.host() + "/v2/" + REPO + "/blobs/" + payload))
                .DELETE().build(), HttpResponse.BodyHandlers.discarding());
        assertEquals(202, deleted.statusCode());
        assertFails(AttachmentFixtures.check(r, REPO, "find-tags", image), "blob " + payload);
        assertFails(AttachmentFixtures.check(r, REPO, "cosign-verify", image, "--key", key.publicPem().toString()), "blob " + payload);
    }

    @Test
    void attachmentSet_isFoundWhereItWasMade_andNotOnARegistryHoldingOnlyTheImage(Registries regs) throws Exception {
        TestRegistry source = regs.plain();
        TestRegistry bare = regs.plain();
        Image image = multiArch(11);
        Digest index = push(source, "v1", image);
        push(bare, "v1", image);
        Key key = AttachmentFixtures.keygen(tmp.resolve("keys"));

        AttachmentSet set = AttachmentSet.attach(source, REPO, index, key);

        assertEquals(3, set.signatures().size());
        set.assertFoundAt(source, REPO, key);
        AssertionError missing = org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class, () -> set.assertFoundAt(bare, REPO, key));
        assertTrue(missing.getMessage().contains("no tag sha256-" + index.hex() + ".sig"), missing.getMessage());
    }

    @Test
    void trivyArtifact_keepsItsOwnConfigAndLayerMediaTypes(Registries regs) throws Exception {
        TestRegistry r = regs.plain();
        Digest digest = AttachmentFixtures.trivyArtifact(r, "aquasecurity/trivy-db", "2");

        byte[] raw = manifestOf(r, "aquasecurity/trivy-db", "2");
        assertEquals(digest, Digest.sha256Of(raw));
        JsonNode m = JSON.readTree(raw);
        assertEquals(AttachmentFixtures.TRIVY_CONFIG, m.at("/config/mediaType").asText());
        assertEquals(AttachmentFixtures.TRIVY_LAYER, m.at("/layers/0/mediaType").asText());
    }

    @Test
    void pushManifest_storesExactlyTheBytesGiven(Registries regs) throws Exception {
        TestRegistry r = regs.plain();
        Image odd = TestImages.oddlyFormatted(Layer.random(8, 512));
        TestImages.push(r.client(), r.host(), REPO, "scratch", odd); // its blobs
        byte[] bytes = odd.manifest().bytes();

        Digest pushed = AttachmentFixtures.pushManifest(r, REPO, "odd", bytes, MediaTypes.OCI_MANIFEST);

        assertEquals(Digest.sha256Of(bytes), pushed);
        assertArrayEquals(bytes, manifest(r, "odd"));
        byte[] blobBytes = "raw blob bytes\n".getBytes(StandardCharsets.UTF_8);
        assertArrayEquals(blobBytes, blob(r, AttachmentFixtures.pushBlob(r, REPO, blobBytes).toString()));
    }

    @Test
    void fixturesAndCheckers_reachATlsRegistryWithBasicAuth(Registries regs) throws Exception {
        TestRegistry r = regs.tls();
        Digest image = push(r, "v1", multiArch(9));
        Key key = AttachmentFixtures.keygen(tmp.resolve("keys"));

        AttachmentFixtures.signCosignRecursive(r, REPO, image, key);
        Digest sbom = AttachmentFixtures.sbomReferrer(r, REPO, image, "app-sbom");

        AttachmentFixtures.verifyCosign(r, REPO, image, key.publicPem());
        assertEquals(List.of(new Referrer(sbom, AttachmentFixtures.SPDX_OCI)), AttachmentFixtures.referrers(r, REPO, image));
    }

    @Test
    void sigstoreBundleReferrer_madeOfflineBySigstoreJs_isListedBesideEarlierReferrers_andFailsToVerifyOnceAltered(Registries regs)
            throws Exception {
        AttachmentFixtures.assumeSigstoreJs();
        TestRegistry r = regs.plain();
        Digest image = push(r, "v1", multiArch(10));
        Digest sbom = AttachmentFixtures.sbomReferrer(r, REPO, image, "app-sbom");

        Digest bundle = AttachmentFixtures.sigstoreBundleReferrer(r, REPO, image, tmp.resolve("sigstore"));

        assertEquals(List.of(new Referrer(sbom, AttachmentFixtures.SPDX_OCI), new Referrer(bundle, AttachmentFixtures.SIGSTORE_BUNDLE)),
                AttachmentFixtures.referrers(r, REPO, image));
        AttachmentFixtures.verifySigstoreBundles(r, REPO, image);
        ObjectNode m = (ObjectNode) JSON.readTree(manifest(r, bundle.toString()));
        assertEquals(AttachmentFixtures.OCI_EMPTY, m.at("/config/mediaType").asText());
        assertEquals(AttachmentFixtures.SIGSTORE_BUNDLE, m.at("/layers/0/mediaType").asText());
        assertEquals(image.toString(), m.at("/subject/digest").asText());

        // The same bundle with another statement under the original signature: listed alone at the tag.
        ObjectNode b = (ObjectNode) JSON.readTree(blob(r, m.at("/layers/0/digest").asText()));
        String statement = new String(java.util.Base64.getDecoder().decode(b.at("/dsseEnvelope/payload").asText()), StandardCharsets.UTF_8);
        ((ObjectNode) b.get("dsseEnvelope")).put("payload", java.util.Base64.getEncoder().encodeToString(
                statement.replace("fixture-builder", "someone-else").getBytes(StandardCharsets.UTF_8)));
        byte[] altered = JSON.writeValueAsBytes(b);
        ObjectNode layer = (ObjectNode) m.at("/layers/0");
        layer.put("digest", AttachmentFixtures.pushBlob(r, REPO, altered).toString());
        layer.put("size", altered.length);
        byte[] alteredManifest = JSON.writeValueAsBytes(m);
        Digest forged = AttachmentFixtures.pushManifest(r, REPO, Digest.sha256Of(alteredManifest).toString(), alteredManifest, MediaTypes.OCI_MANIFEST);
        String index = "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"manifests\":[{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%d,\"artifactType\":\"%s\"}]}"
                .formatted(MediaTypes.OCI_INDEX, MediaTypes.OCI_MANIFEST, forged, alteredManifest.length, AttachmentFixtures.SIGSTORE_BUNDLE);
        AttachmentFixtures.pushManifest(r, REPO, "sha256-" + image.hex(), index.getBytes(StandardCharsets.UTF_8), MediaTypes.OCI_INDEX);
        assertFails(AttachmentFixtures.check(r, REPO, "sigstore-verify", image), "does not verify");
    }

    // -- helpers: plain HTTP reads, outside both airlock and the Python client -------------------

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static void assertFails(Tools.Result res, String expected) {
        assertNotEquals(0, res.exitCode(), "the checker passed: " + res.stdout());
        String err = res.stderr().strip();
        assertEquals(1, err.lines().count(), "one line expected: " + err);
        assertTrue(err.contains(expected), "expected '" + expected + "' in: " + err);
    }

    private static byte[] manifest(TestRegistry r, String reference) throws Exception {
        return manifestOf(r, REPO, reference);
    }

    private static byte[] manifestOf(TestRegistry r, String repo, String reference) throws Exception {
        return get(r, "/v2/" + repo + "/manifests/" + reference);
    }

    private static byte[] blob(TestRegistry r, String digest) throws Exception {
        return get(r, "/v2/" + REPO + "/blobs/" + digest);
    }

    private static byte[] get(TestRegistry r, String path) throws Exception {
        HttpResponse<byte[]> res = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + r.host() + path)).header("Accept", ACCEPT).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, res.statusCode(), path);
        return res.body();
    }
}
