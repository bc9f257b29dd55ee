package dev.airlock.oci;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The platforms a site runs ({@code --platform}, repeatable), matched as containerd's platform
 * matcher does: both sides normalized first (aliases such as x86_64 and aarch64, arm64's default
 * variant v8, arm's default variant v7), then os, architecture and variant must be equal. So
 * {@code linux/arm64} is {@code linux/arm64/v8}, and {@code linux/arm/v7} is not {@code linux/arm/v6}.
 * {@code load --platform} keeps its own looser rule ({@link Platform#matches}).
 */
public final class PlatformMatcher {
    private final List<Platform> wanted;

    private PlatformMatcher(List<Platform> wanted) {
        this.wanted = wanted;
    }

    /** Parses each {@code os/arch[/variant]}; a bad one is a usage error naming it. Duplicates (after normalizing) count once. */
    public static PlatformMatcher of(List<String> texts) {
        Set<Platform> set = new LinkedHashSet<>();
        for (String t : texts) {
            set.add(normalize(Platform.parse(t)));
        }
        return new PlatformMatcher(List.copyOf(set));
    }

    /** The chosen platforms, normalized, in the order first given. */
    public List<Platform> platforms() {
        return wanted;
    }

    /** The chosen platforms as text ({@code linux/amd64}, …), normalized and sorted: the channel's platform set. */
    public List<String> names() {
        List<String> out = new ArrayList<>(wanted.stream().map(Platform::toString).toList());
        out.sort(null);
        return out;
    }

    public boolean matches(Platform p) {
        return wanted.contains(normalize(p));
    }

    /** containerd's {@code platforms.Normalize}: lower case, os and architecture aliases, default variants dropped or set. */
    public static Platform normalize(Platform p) {
        String os = p.os().toLowerCase(Locale.ROOT);
        if (os.equals("macos")) {
            os = "darwin";
        }
        String arch = p.architecture().toLowerCase(Locale.ROOT);
        String variant = p.variant() == null ? "" : p.variant().toLowerCase(Locale.ROOT);
        switch (arch) {
            case "i386" -> {
                arch = "386";
                variant = "";
            }
            case "x86_64", "x86-64", "amd64" -> {
                arch = "amd64";
                variant = variant.equals("v1") ? "" : variant;
            }
            case "aarch64", "arm64" -> {
                arch = "arm64";
                variant = switch (variant) {
                    case "8", "v8", "v8.0" -> "";
                    case "9", "9.0", "v9.0" -> "v9";
                    default -> variant;
                };
            }
            case "armhf" -> {
                arch = "arm";
                variant = "v7";
            }
            case "armel" -> {
                arch = "arm";
                variant = "v6";
            }
            case "arm" -> variant = switch (variant) {
                case "", "7" -> "v7";
                case "5", "6", "8" -> "v" + variant;
                default -> variant;
            };
            default -> {
                // other architectures are spelled one way
            }
        }
        return new Platform(os, arch, variant.isEmpty() ? null : variant);
    }
}
