package dev.airlock.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.airlock.error.AirlockException;
import org.junit.jupiter.api.Test;

class ImageReferenceTest {
    @Test
    void parsesHostPortPathTag() {
        ImageReference r = ImageReference.parse("127.0.0.1:5000/team/app/web:1.0");
        assertEquals("127.0.0.1:5000", r.registry());
        assertEquals("team/app/web", r.repository());
        assertEquals("1.0", r.tag());
        assertNull(r.digest());
        assertEquals("1.0", r.manifestReference());
    }

    @Test
    void parsesDigestPinnedWithAndWithoutTag() {
        String d = "sha256:" + "b".repeat(64);
        ImageReference pinned = ImageReference.parse("registry.gitlab.com/security-products/semgrep@" + d);
        assertNull(pinned.tag());
        assertEquals(d, pinned.manifestReference());
        ImageReference both = ImageReference.parse("localhost:5000/a:2@" + d);
        assertEquals("2", both.tag());
        assertEquals(d, both.manifestReference());
    }

    @Test
    void dockerHubDefaults() {
        ImageReference r = ImageReference.parse("alpine");
        assertEquals("docker.io", r.registry());
        assertEquals("library/alpine", r.repository());
        assertEquals("latest", r.tag());
        assertEquals("registry-1.docker.io", r.apiHost());
    }

    @Test
    void rejectsInvalid() {
        assertThrows(AirlockException.class, () -> ImageReference.parse("Host:5000/UPPER:1"));
        assertThrows(AirlockException.class, () -> ImageReference.parse("h.example/a:"));
        assertThrows(AirlockException.class, () -> ImageReference.parse("h.example/a@sha256:short"));
        assertThrows(AirlockException.class, () -> ImageReference.parse(" "));
    }

    @Test
    void skopeosDockerPrefix_isAccepted_itsOtherTransportsAreNot() {
        assertEquals(ImageReference.parse("registry.local:5000/app/web:1.0"), ImageReference.parse("docker://registry.local:5000/app/web:1.0"));
        assertEquals(ImageReference.parse("alpine"), ImageReference.parse("docker://alpine"));
        for (String ref : new String[] {"docker-archive:/tmp/a.tar", "oci:/tmp/layout", "dir:/tmp/d", "containers-storage:x"}) {
            dev.airlock.error.AirlockException e = org.junit.jupiter.api.Assertions.assertThrows(dev.airlock.error.AirlockException.class,
                    () -> ImageReference.parse(ref), ref);
            assertEquals(dev.airlock.error.AirlockException.Kind.USAGE, e.kind());
        }
        // Spelled out, the Docker Hub image named like a transport is still reachable.
        assertEquals("docker.io/library/oci:1.0", ImageReference.parse("docker.io/library/oci:1.0").toString());
    }
}
