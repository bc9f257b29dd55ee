package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.bundle.BundleManifest;
import dev.airlock.digest.Digest;
import dev.airlock.e2e.AttachmentFixtures.Key;
import dev.airlock.testing.RegistryExtension;
import dev.airlock.testing.RegistryExtension.Registries;
import dev.airlock.testing.TestImages;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * What hangs off an image crosses with it (issue 18), end to end between two real registries
 * (Debian's docker-registry 2.8 on both sides: no referrers API, so the referrers tag schema on
 * both). Every attachment is made by tools independent of airlock ({@link AttachmentFixtures}:
 * Python's cryptography for cosign's formats, sigstore-js for a Sigstore bundle) and checked at
 * the target by checkers that know only the conventions.
 */
@ExtendWith(RegistryExtension.class)
class AttachmentsIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private ChainFixture c;
    private Key key;
    private Digest index;
    private Digest single;

    @BeforeEach
    void seed(Registries r) throws Exception {
        AttachmentFixtures.assumeAvailable();
        c = new ChainFixture(r.plain(), r.plain(), tmp).seedThree();
        key = AttachmentFixtures.keygen(tmp);
        index = c.current.get(c.images.get(1)).manifest().digest(); // lib/b:2, a Docker manifest list of two
        single = c.current.get(c.images.get(0)).manifest().digest(); // app/a:1
    }

    private static JsonNode bundleJson(Path bundle) throws Exception {
        try (InputStream in = Files.newInputStream(bundle); TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            TarArchiveEntry e = tar.getNextEntry();
            assertEquals("airlock/bundle.json", e.getName());
            return JSON.readTree(tar.readNBytes((int) e.getSize()));
        }
    }

    private static JsonNode image(JsonNode bundle, String repository) {
        for (JsonNode i : bundle.path("images")) {
            if (i.path("repository").asText().equals(repository)) {
                return i;
            }
        }
        throw new AssertionError("no image of " + repository + " in " + bundle);
    }

    @Test
    void everyAttachment_ofTheIndexAndEachChild_landsByteIdentical_findableByConvention_andStillVerifies() throws Exception {
        AttachmentSet set = AttachmentSet.attach(c.source, "lib/b", index, key);
        Digest trivy = AttachmentFixtures.trivyArtifact(c.source, "tools/db", "2");
        c.images.add(c.source.host() + "/tools/db:2");

        Path bundle = c.export();
        JsonNode json = bundleJson(bundle);
        assertEquals(BundleManifest.FORMAT_ATTACHED, json.path("format").asText());
        assertEquals(8, image(json, "lib/b").path("attached").size(), image(json, "lib/b").toPrettyString());
        Airlock.Run imported = c.importBundle(bundle).ok();
        assertTrue(imported.out().contains("attached signatures 5, attestation 1 (https://slsa.dev/provenance/v1), SBOM 2 (spdx+json)"),
                imported.out());

        set.assertFoundAt(c.target, "mirror/lib/b", key);
        c.assertAllIdentical();
        assertEquals(trivy.toString(), Fixture.skopeoDigest(c.target, c.target.host() + "/mirror/tools/db:2"), "a plain artifact crosses as before");
        assertTrue(AttachmentFixtures.attachedTags(c.target, "mirror/app/a", single).isEmpty(), "nothing is invented for an unsigned image");
    }

    @Test
    void aSignatureAddedToAnUnchangedImage_travelsInTheNextSmallDelta_ifChangedWritesIt_andThenNothing() throws Exception {
        c.importBundle(c.export()).ok();
        Airlock.Run nothing = Airlock.export(c.exportArgs("bundle", "--if-changed")).ok();
        assertFalse(nothing.out().lines().anyMatch(l -> l.startsWith("bundle ")), "nothing new, nothing written: " + nothing.out());

        Digest sig = AttachmentFixtures.signCosign(c.source, "app/a", single, key);
        Airlock.Run plan = Airlock.export(c.exportArgs("plan")).ok();
        assertTrue(plan.out().contains("attached: signature 1 (1 not carried before on this channel)"), plan.out());
        Airlock.Run written = Airlock.export(c.exportArgs("bundle", "--if-changed")).ok();
        Path delta = Path.of(written.out().lines().filter(l -> l.startsWith("bundle ")).findFirst().orElseThrow()
                .substring("bundle".length()).trim());
        assertTrue(Files.size(delta) < 64 * 1024, "the delta for one signature is " + Files.size(delta) + " bytes");
        c.importBundle(delta).ok();
        AttachmentFixtures.verifyCosign(c.target, "mirror/app/a", single, key.publicPem());
        assertEquals(sig, AttachmentFixtures.attachedTagDigests(c.target, "mirror/app/a", single).get("sha256-" + single.hex() + ".sig"));

        Airlock.Run again = Airlock.export(c.exportArgs("bundle", "--if-changed")).ok();
        assertFalse(again.out().lines().anyMatch(l -> l.startsWith("bundle ")), "nothing new, nothing written: " + again.out());
    }

    @Test
    void attachedNone_givesTodaysBundle_andSignatures_carriesSignaturesButNotSboms() throws Exception {
        AttachmentSet.attach(c.source, "lib/b", index, key);
        JsonNode none = bundleJson(Path.of(Airlock.export(c.exportArgs("bundle", "--attached", "none", "--full")).ok().out().lines()
                .filter(l -> l.startsWith("bundle ")).findFirst().orElseThrow().substring(7).trim()));
        assertEquals(BundleManifest.FORMAT, none.path("format").asText(), "no attachment, format v1 as before");
        assertFalse(none.toString().contains("attached"));

        Path sigs = c.export("--attached", "signatures", "--full");
        JsonNode only = image(bundleJson(sigs), "lib/b").path("attached");
        assertEquals(3, only.size(), "index and both children signed: " + only);
        for (JsonNode a : only) {
            assertEquals("signature", a.path("kind").asText(), a.toString());
        }
        c.importBundle(sigs).ok();
        for (Digest d : List.of(index)) {
            AttachmentFixtures.verifyCosign(c.target, "mirror/lib/b", d, key.publicPem());
        }
        assertFalse(AttachmentFixtures.attachedTags(c.target, "mirror/lib/b", index).contains("sha256-" + index.hex() + ".sbom"));
    }

    @Test
    void importAttachedNone_pushesNoAttachment_butStillVerifiesThem() throws Exception {
        AttachmentSet.attach(c.source, "lib/b", index, key);
        Path bundle = c.export();
        Airlock.Run r = c.importInto(bundle, c.target, tmp.resolve("state-none"), "--attached", "none").ok();
        c.assertAllIdentical();
        assertTrue(AttachmentFixtures.attachedTags(c.target, "mirror/lib/b", index).isEmpty(), r.out());
    }

    @Test
    void aSigstoreBundleReferrer_crosses_andStillVerifies() throws Exception {
        AttachmentFixtures.assumeSigstoreJs();
        Digest bundleRef = AttachmentFixtures.sigstoreBundleReferrer(c.source, "app/a", single, tmp.resolve("sigstore"));
        c.importBundle(c.export()).ok();
        assertTrue(AttachmentFixtures.referrers(c.target, "mirror/app/a", single).stream().anyMatch(x -> x.digest().equals(bundleRef)));
        AttachmentFixtures.verifySigstoreBundles(c.target, "mirror/app/a", single);
    }

    @Test
    void theTargetsFallbackIndex_keepsWhatOthersPutThere() throws Exception {
        AttachmentSet set = AttachmentSet.attach(c.source, "lib/b", index, key);
        // Someone else's referrer of the same image already listed at the target.
        TestImages.push(c.target.client(), c.target.host(), "mirror/lib/b", "2", c.current.get(c.images.get(1)));
        Digest theirs = AttachmentFixtures.sbomReferrer(c.target, "mirror/lib/b", index, "their-sbom");
        c.importBundle(c.export()).ok();
        List<AttachmentFixtures.Referrer> listed = AttachmentFixtures.referrers(c.target, "mirror/lib/b", index);
        assertTrue(listed.stream().anyMatch(x -> x.digest().equals(theirs)), "theirs kept: " + listed);
        assertTrue(listed.stream().anyMatch(x -> x.digest().equals(set.sbom())), "ours added: " + listed);
    }
}
