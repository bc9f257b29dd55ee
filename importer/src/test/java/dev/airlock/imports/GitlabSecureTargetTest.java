package dev.airlock.imports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.bundle.BundleManifest;
import dev.airlock.error.AirlockException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GitlabSecureTargetTest {
    private static BundleManifest.Image image(String registry, String repository, String tag) {
        return new BundleManifest.Image(registry + "/" + repository + ":" + tag, registry, repository, tag, "sha256:" + "a".repeat(64), "x");
    }

    @Test
    void analyzersLandAtPrefixSlashName_whateverTheSourcePrefix() {
        List<BundleManifest.Image> images = List.of(image("registry.gitlab.com", "security-products/semgrep", "5"),
                image("registry.gitlab.com", "security-products/bandit", "5"));
        TargetNaming n = GitlabSecureTarget.naming("offline.example:5000/analyzers", List.of(), images);
        assertEquals(List.of("registry.gitlab.com/security-products="), n.mappings());
        assertEquals("analyzers/semgrep", n.repository(images.get(0)));
        assertEquals("analyzers/bandit", n.repository(images.get(1)));
        assertEquals("SECURE_ANALYZERS_PREFIX=offline.example:5000/analyzers", GitlabSecureTarget.prefixLine(n));
        // the preset is exactly the --map rule an admin could have written: the same chain key
        assertEquals(new TargetNaming("offline.example:5000/analyzers", List.of(TargetNaming.Mapping.parse("registry.gitlab.com/security-products="))).key(),
                n.key());

        BundleManifest.Image deep = image("127.0.0.1:41234", "mirror/gitlab/security-products/gosec", "5");
        TargetNaming d = GitlabSecureTarget.naming("10.0.0.1/sec", List.of(), List.of(deep));
        assertEquals("sec/gosec", d.repository(deep));
        BundleManifest.Image top = image("127.0.0.1:41234", "kubesec", "2");
        assertEquals("sec/kubesec", GitlabSecureTarget.naming("10.0.0.1/sec", List.of(), List.of(top)).repository(top));
        TargetNaming bare = GitlabSecureTarget.naming("10.0.0.1:5000", List.of(), List.of(top));
        assertEquals("SECURE_ANALYZERS_PREFIX=10.0.0.1:5000", GitlabSecureTarget.prefixLine(bare));
    }

    @Test
    void twoSourcesOnOneTargetTag_areRefused() {
        AirlockException e = assertThrows(AirlockException.class, () -> GitlabSecureTarget.naming("r.local/sec", List.of(),
                List.of(image("a.example", "security-products/semgrep", "5"), image("b.example", "other/semgrep", "5"))));
        assertEquals(AirlockException.Kind.USAGE, e.kind());
        assertTrue(e.getMessage().contains("a.example/security-products/semgrep:5 and b.example/other/semgrep:5 would both land at"
                + " r.local/sec/semgrep:5"), e.getMessage());
    }

    @Test
    void pushImagesVariable() {
        assertTrue(GitlabSecureTarget.pushImages(Map.of()));
        assertTrue(GitlabSecureTarget.pushImages(Map.of(GitlabSecureTarget.PUSH_IMAGES, "true")));
        assertFalse(GitlabSecureTarget.pushImages(Map.of(GitlabSecureTarget.PUSH_IMAGES, "False")));
        AirlockException e = assertThrows(AirlockException.class, () -> GitlabSecureTarget.pushImages(Map.of(GitlabSecureTarget.PUSH_IMAGES, "no")));
        assertEquals("SECURE_BINARIES_PUSH_IMAGES='no' is neither true nor false", e.getMessage());
    }

    private static BundleManifest bundle(String preset, BundleManifest.Image... images) {
        String d = "sha256:" + "b".repeat(64);
        return new BundleManifest(BundleManifest.FORMAT, "gitlab-secure", 2, new BundleManifest.Parent(1, d), "2026-12-07T09:00:00Z", "test",
                new BundleManifest.Layout(new BundleManifest.FileRef(d, 1), new BundleManifest.FileRef(d, 1)), List.of(images), List.of(),
                List.of()).withPreset(preset);
    }

    @Test
    void aPresetBundle_importedWithoutThePreset_isNamedInAWarning_withWhereItsImagesLand_andTheFlagToAdd() {
        BundleManifest m = bundle("gitlab-secure", image("registry.gitlab.com", "security-products/semgrep", "5"),
                image("registry.gitlab.com", "security-products/gosec", "3"));
        String w = GitlabSecureTarget.notApplied(m, new TargetNaming("offline.example:5000/analyzers", List.of()));
        assertEquals("bundle 2 of channel gitlab-secure was made with --preset gitlab-secure but is imported without it: its images land"
                + " under their source paths (offline.example:5000/analyzers/security-products/semgrep, not"
                + " offline.example:5000/analyzers/semgrep), not at PREFIX/ANALYZER where the offline GitLab's scanners look, and"
                + " SECURE_BINARIES_PUSH_IMAGES is not read; add --preset gitlab-secure (or the rules it stands for:"
                + " --map registry.gitlab.com/security-products=)", w);

        // with the preset (its rules), or the same rules by hand: nothing to say
        assertEquals(null, GitlabSecureTarget.notApplied(m, GitlabSecureTarget.naming("offline.example:5000/analyzers", List.of(), m.images())));
        assertEquals(null, GitlabSecureTarget.notApplied(m, new TargetNaming("offline.example:5000/analyzers",
                List.of(TargetNaming.Mapping.parse("registry.gitlab.com/security-products=")))));
        // a bundle that names no preset (every bundle before this field) is nobody's business here
        assertEquals(null, GitlabSecureTarget.notApplied(bundle(null, m.images().toArray(BundleManifest.Image[]::new)),
                new TargetNaming("offline.example:5000/analyzers", List.of())));
        // other --map rules that still put them elsewhere: warned, naming the flag
        String mapped = GitlabSecureTarget.notApplied(m, new TargetNaming("offline.example:5000",
                List.of(TargetNaming.Mapping.parse("registry.gitlab.com/security-products=sp"))));
        assertTrue(mapped != null && mapped.contains("add --preset gitlab-secure"), mapped);
    }
}
