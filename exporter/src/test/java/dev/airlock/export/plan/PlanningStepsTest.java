package dev.airlock.export.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.copy.AttachedSelection;
import dev.airlock.copy.AttachmentDiscovery;
import dev.airlock.copy.Repo;
import dev.airlock.digest.Digest;
import dev.airlock.error.AirlockException;
import dev.airlock.oci.ImageReference;
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
import org.junit.jupiter.api.Test;

/** The named steps of planning an export, each alone, over an in-memory source standing in for a registry. */
class PlanningStepsTest {
    private static final String HOST = "src.example:5000";

    private final Layer base = Layer.random(1, 5000);
    private final MemorySource source = new MemorySource();

    private Wanted wanted(String repo, String tag) {
        ImageReference ref = ImageReference.parse(HOST + "/" + repo + ":" + tag);
        return new Wanted(ref, new Repo(ref.apiHost(), ref.repository()), ref.manifestReference());
    }

    private Image hold(String repo, String tag, long seed) {
        Image image = TestImages.image(true, "amd64", null, base, Layer.random(seed, 1000 + seed));
        source.add(new Repo(HOST, repo), tag, image);
        return image;
    }

    @Test
    void resolver_readsEveryImageInOrder_atOnce_andEachNameOnce() {
        List<Wanted> wanted = new ArrayList<>();
        List<Digest> expected = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            expected.add(hold("app/i" + i, "1", 10 + i).manifest().digest());
            wanted.add(wanted("app/i" + i, "1"));
        }
        wanted.add(wanted("app/i3", "1"));

        List<Resolved> resolved = ImageResolver.resolve(wanted, source, 8);

        assertEquals(expected, resolved.stream().map(r -> r.tree().top().digest()).toList());
    }

    @Test
    void resolver_namesEveryImageThatCannotBeHad_inOneMessage() {
        hold("app/here", "1", 2);
        AirlockException e = assertThrows(AirlockException.class, () -> ImageResolver.resolve(
                List.of(wanted("app/gone", "1"), wanted("app/here", "1"), wanted("app/also-gone", "2")), source, 4));
        assertEquals(AirlockException.Kind.NOT_FOUND, e.kind());
        assertTrue(e.getMessage().startsWith("cannot resolve 2 of 3 images: "), e.getMessage());
        assertTrue(e.getMessage().contains("app/gone:1") && e.getMessage().contains("app/also-gone:2"), e.getMessage());
    }

    @Test
    void delta_carriesEveryManifestAlways_andABlobOnlyWhenTheFarSideLacksIt_attachmentsToo() {
        Image image = hold("app/a", "1", 3);
        Image sbom = TestImages.artifact("application/spdx+json", image.manifest(), "application/spdx+json",
                "{}".getBytes(StandardCharsets.UTF_8), Map.of());
        Repo repo = new Repo(HOST, "app/a");
        source.add(repo, null, sbom).tag(repo, Referrer.fallbackTag(image.manifest().digest()),
                TestImages.referrersIndex(List.of(sbom.manifest())));
        List<Resolved> resolved = AttachmentStep.discover(ImageResolver.resolve(List.of(wanted("app/a", "1")), source, 2),
                new AttachmentDiscovery(source, AttachedSelection.ALL), 2);
        assertEquals(1, resolved.get(0).attached().size());
        Digest sbomLayer = Digest.sha256Of("{}".getBytes(StandardCharsets.UTF_8));

        DeltaPlan delta = DeltaPlan.of(resolved, Set.of(base.digest().toString(), sbomLayer.toString()));

        assertEquals(Set.of(image.manifest().digest(), sbom.manifest().digest()), delta.manifests().keySet());
        assertTrue(delta.requires().containsAll(List.of(base.digest().toString(), sbomLayer.toString())), delta.requires().toString());
        assertTrue(delta.elsewhere().contains(sbomLayer));
        assertEquals(base.size() + 2, delta.savedBytes());
        assertEquals(delta.manifests().size() + delta.carriedBlobs().size(), delta.carried().size());
        assertEquals(image.manifest().digest().toString(), delta.carried().get(0).digest(), "manifests first, as bundle.json lists them");
    }
}
