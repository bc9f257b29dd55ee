package dev.airlock.imports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.bundle.BundleManifest;
import dev.airlock.error.AirlockException;
import java.util.List;
import org.junit.jupiter.api.Test;

class TargetNamingTest {
    static BundleManifest.Image image(String registry, String repository) {
        return new BundleManifest.Image(registry + "/" + repository + ":1", registry, repository, "1", "sha256:" + "a".repeat(64), "x");
    }

    @Test
    void sourcePathUnderPrefix() {
        TargetNaming n = new TargetNaming("registry.local:5000/mirror", List.of());
        assertEquals("registry.local:5000", n.host());
        assertEquals("mirror/security-products/semgrep", n.repository(image("registry.gitlab.com", "security-products/semgrep")));
        assertEquals("library/alpine", new TargetNaming("r.local", List.of()).repository(image("docker.io", "library/alpine")));
    }

    @Test
    void longestMapWins_matchingHostPathOrPath_onWholeComponents() {
        TargetNaming n = new TargetNaming("r.local/offline", List.of(
                TargetNaming.Mapping.parse("registry.gitlab.com/security-products=analyzers"),
                TargetNaming.Mapping.parse("registry.gitlab.com=gitlab"),
                TargetNaming.Mapping.parse("library=base")));
        assertEquals("offline/analyzers/semgrep", n.repository(image("registry.gitlab.com", "security-products/semgrep")));
        assertEquals("offline/gitlab/other/tool", n.repository(image("registry.gitlab.com", "other/tool")));
        assertEquals("offline/base/alpine", n.repository(image("docker.io", "library/alpine")));
        assertEquals("offline/librarything/x", n.repository(image("docker.io", "librarything/x")));
    }

    @Test
    void rejectsBadRegistryAndMap() {
        assertThrows(AirlockException.class, () -> new TargetNaming("https://r.local", List.of()));
        assertThrows(AirlockException.class, () -> TargetNaming.Mapping.parse("noequals"));
        assertThrows(AirlockException.class, () -> new TargetNaming("r.local/Upper", List.of()));
    }

    @Test
    void sameLengthRules_resolveTheSameWayInAnyOrder() {
        // Both "a/a/a" (against host/path) and "a/a/b" (against path) match, and are the same length.
        BundleManifest.Image img = image("a", "a/a/b/c");
        List<TargetNaming.Mapping> rules = List.of(TargetNaming.Mapping.parse("a/a/b=y"), TargetNaming.Mapping.parse("a/a/a=x"));
        String forward = new TargetNaming("r.local", rules).repository(img);
        String backward = new TargetNaming("r.local", List.of(rules.get(1), rules.get(0))).repository(img);
        assertEquals(forward, backward);
        assertEquals("x/b/c", forward, "the smaller SRC wins a tie");
    }

    @Test
    void oneSrcMappedTwoWays_isRefused_butARepeatedRuleIsNot() {
        AirlockException e = assertThrows(AirlockException.class, () -> new TargetNaming("r.local",
                List.of(TargetNaming.Mapping.parse("app=x"), TargetNaming.Mapping.parse("app=y"))));
        assertEquals(AirlockException.Kind.USAGE, e.kind());
        TargetNaming twice = new TargetNaming("r.local", List.of(TargetNaming.Mapping.parse("app=x"), TargetNaming.Mapping.parse("app/=x")));
        assertEquals(List.of("app=x"), twice.mappings());
    }

    @Test
    void places_tellsWhetherAnImageLandsWhereALedgerSaysItWasPlaced() {
        TargetNaming n = new TargetNaming("127.0.0.1:5000/mirror", List.of(TargetNaming.Mapping.parse("lib=base")));
        assertTrue(n.places("src.local:4000/app/a:1", "127.0.0.1:5000/mirror/app/a"));
        assertTrue(n.places("src.local:4000/lib/b@sha256:" + "e".repeat(64), "127.0.0.1:5000/mirror/base/b"));
        assertFalse(n.places("src.local:4000/lib/b:1", "127.0.0.1:5000/mirror/lib/b"));
        assertFalse(n.places("src.local:4000/app/a:1", "127.0.0.1:6000/mirror/app/a"));
        assertFalse(n.places("not a reference", "127.0.0.1:5000/mirror/app/a"));
    }
}
