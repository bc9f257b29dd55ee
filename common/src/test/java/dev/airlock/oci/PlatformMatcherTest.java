package dev.airlock.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.error.AirlockException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code --platform} matching, case by case as containerd's {@code platforms.Normalize} and its default matcher decide. */
class PlatformMatcherTest {

    private static boolean matches(String chosen, String os, String arch, String variant) {
        return PlatformMatcher.of(List.of(chosen)).matches(new Platform(os, arch, variant));
    }

    @Test
    void arm64_isArm64v8_bothWays() {
        assertTrue(matches("linux/arm64", "linux", "arm64", "v8"));
        assertTrue(matches("linux/arm64/v8", "linux", "arm64", null));
        assertTrue(matches("linux/aarch64", "linux", "arm64", "v8"));
        assertFalse(matches("linux/arm64", "linux", "arm64", "v9"));
    }

    @Test
    void armVariants_areDistinct_andArmAloneIsV7() {
        assertFalse(matches("linux/arm/v7", "linux", "arm", "v6"));
        assertFalse(matches("linux/arm/v6", "linux", "arm", "v7"));
        assertTrue(matches("linux/arm", "linux", "arm", "v7"));
        assertFalse(matches("linux/arm", "linux", "arm", "v6"));
        assertTrue(matches("linux/armhf", "linux", "arm", "v7"));
    }

    @Test
    void amd64_aliasesAndV1_match_otherOsOrArchDoNot() {
        assertTrue(matches("linux/x86_64", "linux", "amd64", null));
        assertTrue(matches("linux/amd64", "linux", "amd64", "v1"));
        assertFalse(matches("linux/amd64", "linux", "amd64", "v3"));
        assertFalse(matches("linux/amd64", "windows", "amd64", null));
        assertFalse(matches("linux/amd64", "linux", "arm64", null));
    }

    @Test
    void names_areNormalizedSortedAndDistinct_badTextIsUsage() {
        assertEquals(List.of("linux/amd64", "linux/arm64"), PlatformMatcher.of(List.of("linux/arm64/v8", "linux/x86_64", "linux/arm64")).names());
        assertEquals(AirlockException.Kind.USAGE, assertThrows(AirlockException.class, () -> PlatformMatcher.of(List.of("amd64"))).kind());
    }
}
