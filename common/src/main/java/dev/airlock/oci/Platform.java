package dev.airlock.oci;

import dev.airlock.error.AirlockException;
import java.util.Locale;

/** {@code os/arch[/variant]}, as in {@code docker --platform}: which image of a multi-arch index to take. */
public record Platform(String os, String architecture, String variant) {
    public Platform {
        if (os == null || os.isBlank() || architecture == null || architecture.isBlank()) {
            throw AirlockException.usage("a platform needs an os and an architecture, as in linux/amd64");
        }
        if (variant != null && variant.isBlank()) {
            variant = null;
        }
    }

    /** Parses {@code os/arch[/variant]} (e.g. {@code linux/arm64/v8}); anything else is a usage error. */
    public static Platform parse(String text) {
        String[] parts = text == null ? new String[0] : text.trim().split("/", -1);
        if (parts.length < 2 || parts.length > 3 || java.util.Arrays.stream(parts).anyMatch(String::isBlank)) {
            throw AirlockException.usage("invalid platform '" + text + "': use os/arch[/variant], e.g. linux/amd64 or linux/arm64/v8");
        }
        return new Platform(parts[0], parts[1], parts.length == 3 ? parts[2] : null);
    }

    /** This machine's platform in OCI terms: linux and the JVM's architecture (x86_64 → amd64, aarch64 → arm64). */
    public static Platform host() {
        String arch = System.getProperty("os.arch", "amd64").toLowerCase(Locale.ROOT);
        String oci = switch (arch) {
            case "x86_64", "amd64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            case "x86", "i386", "i486", "i586", "i686" -> "386";
            case "arm", "armv7l" -> "arm";
            default -> arch; // ppc64le, s390x, riscv64 are spelled the same
        };
        return new Platform("linux", oci, null);
    }

    /**
     * True if an image built for {@code os/arch/variant} serves this platform: os and architecture
     * equal; a variant asked for must match (arm64's only variant, v8, also matches none).
     */
    public boolean matches(String os, String architecture, String variant) {
        if (!this.os.equals(os) || !this.architecture.equals(architecture)) {
            return false;
        }
        return this.variant == null || normal(this.variant).equals(normal(variant));
    }

    private String normal(String v) {
        return v == null && architecture.equals("arm64") ? "v8" : String.valueOf(v);
    }

    /** Formats {@code os/arch[/variant]} from parts that may be null. */
    public static String format(String os, String architecture, String variant) {
        return os + "/" + architecture + (variant == null || variant.isEmpty() ? "" : "/" + variant);
    }

    @Override
    public String toString() {
        return format(os, architecture, variant);
    }
}
