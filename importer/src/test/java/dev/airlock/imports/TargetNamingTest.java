package dev.airlock.imports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
}
