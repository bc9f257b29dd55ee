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
}
