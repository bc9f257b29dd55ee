package dev.airlock.imports;

import dev.airlock.bundle.BundleInput;
import dev.airlock.bundle.BundleManifest;
import dev.airlock.bundle.UntrustedBundle;
import dev.airlock.crypto.TrustPolicy;
import dev.airlock.error.AirlockException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The importer's side of the {@code gitlab-secure} preset: every analyzer lands at
 * {@code PREFIX/ANALYZER}, whatever source prefix it was pulled from, which is where the offline
 * GitLab's scanners look once {@code SECURE_ANALYZERS_PREFIX} names {@code HOST[:PORT]/PREFIX}.
 * It is nothing but {@code --map} rules: one {@code SOURCE_PARENT=} (empty DST) per directory the
 * bundle's images come from, e.g. {@code registry.gitlab.com/security-products=}, so the chain key
 * is the one those rules would give when written by hand.
 */
public final class GitlabSecureTarget {
    public static final String NAME = "gitlab-secure";
    public static final String PUSH_IMAGES = "SECURE_BINARIES_PUSH_IMAGES";
    public static final String PREFIX = "SECURE_ANALYZERS_PREFIX";

    private GitlabSecureTarget() {
    }

    /**
     * The bundle's images, read from its bundle.json once the signatures checked out against
     * {@code trust} (the import checks them again, and every byte, before anything is pushed).
     */
    public static List<BundleManifest.Image> signedImages(Path bundle, TrustPolicy trust) {
        try (UntrustedBundle untrusted = BundleInput.open(bundle, trust)) {
            return untrusted.verify(trust).manifest().images();
        }
    }

    /** One rule {@code HOST/PARENT=} (or {@code HOST=} for a top-level repository) per distinct parent, in first-seen order. */
    public static List<TargetNaming.Mapping> rules(List<BundleManifest.Image> images) {
        Set<String> parents = new LinkedHashSet<>();
        for (BundleManifest.Image i : images) {
            int slash = i.repository().lastIndexOf('/');
            parents.add(slash < 0 ? i.registry() : i.registry() + "/" + i.repository().substring(0, slash));
        }
        return parents.stream().map(p -> new TargetNaming.Mapping(p, "")).toList();
    }

    /**
     * The naming for a bundle: {@code --registry} with the preset's rules and any {@code --map}
     * given besides. Two images from different sources that would land on the same repository and
     * tag are refused: one would silently replace the other.
     */
    public static TargetNaming naming(String registry, List<TargetNaming.Mapping> maps, List<BundleManifest.Image> images) {
        List<TargetNaming.Mapping> all = new ArrayList<>(rules(images));
        all.addAll(maps);
        TargetNaming naming = new TargetNaming(registry, all);
        Map<String, String> seen = new LinkedHashMap<>();
        for (BundleManifest.Image i : images) {
            String at = naming.repository(i) + (i.tag() != null ? ":" + i.tag() : "@" + i.digest());
            String other = seen.putIfAbsent(at, i.source());
            if (other != null && !other.equals(i.source())) {
                throw AirlockException.usage("--preset " + NAME + ": " + other + " and " + i.source() + " would both land at "
                        + naming.host() + "/" + at + "; import them without the preset, with --map rules that keep them apart");
            }
        }
        return naming;
    }

    /**
     * For a bundle whose signed bundle.json says the exporter's {@code --preset gitlab-secure} chose
     * its images, imported with a naming that places them elsewhere than the preset would (no
     * {@code --preset}, nor the {@code --map} rules it stands for): the warning that says so, what it
     * means and the flag to add; null otherwise (the bundle named no preset, or the images land
     * where the preset puts them). The naming is not changed: where images land is the admin's
     * choice, and it keys the chain.
     */
    public static String notApplied(BundleManifest m, TargetNaming naming) {
        if (!NAME.equals(m.preset()) || m.images().isEmpty()) {
            return null;
        }
        String registry = naming.host() + (naming.prefix().isEmpty() ? "" : "/" + naming.prefix());
        String landing = "";
        try {
            TargetNaming preset = naming(registry, naming.mappings().stream().map(TargetNaming.Mapping::parse).toList(), m.images());
            BundleManifest.Image differs = m.images().stream()
                    .filter(i -> !naming.repository(i).equals(preset.repository(i))).findFirst().orElse(null);
            if (differs == null) {
                return null;
            }
            landing = " (" + naming.host() + "/" + naming.repository(differs) + ", not " + naming.host() + "/" + preset.repository(differs) + ")";
        } catch (AirlockException e) {
            // the preset's naming would be refused for this bundle (two images on one name): the flag still applies, the example does not
        }
        List<TargetNaming.Mapping> all = rules(m.images());
        String rules = all.stream().limit(4).map(r -> "--map " + r.from() + "=").collect(java.util.stream.Collectors.joining(" "))
                + (all.size() > 4 ? " and " + (all.size() - 4) + " more" : ""); // one line, whatever the bundle holds
        return "bundle " + m.sequence() + " of channel " + m.channel() + " was made with --preset " + NAME + " but is imported without it:"
                + " its images land under their source paths" + landing + ", not at PREFIX/ANALYZER where the offline GitLab's scanners look,"
                + " and " + PUSH_IMAGES + " is not read; add --preset " + NAME + " (or the rules it stands for: " + rules + ")";
    }

    /** The line to paste into the offline GitLab's CI/CD variables. */
    public static String prefixLine(TargetNaming naming) {
        return PREFIX + "=" + naming.host() + (naming.prefix().isEmpty() ? "" : "/" + naming.prefix());
    }

    /** SECURE_BINARIES_PUSH_IMAGES: unset or true pushes; false verifies only; anything else is refused. */
    public static boolean pushImages(Map<String, String> env) {
        String v = env.get(PUSH_IMAGES);
        if (v == null) {
            return true;
        }
        return switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw AirlockException.usage(PUSH_IMAGES + "='" + v + "' is neither true nor false");
        };
    }
}
