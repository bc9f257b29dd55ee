package dev.airlock.imports;

import dev.airlock.bundle.BundleManifest;
import dev.airlock.digest.Digest;
import dev.airlock.error.AirlockException;
import dev.airlock.oci.ImageReference;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Where an image lands: {@code --registry HOST[:PORT][/PREFIX]} and {@code --map SRC=DST}. The
 * target repository is the source repository path (without the source host), rewritten by the
 * longest matching map (matched against {@code host/path} or {@code path}, on whole path
 * components), under PREFIX. Where two rules match with SRCs of the same length, the smaller SRC
 * wins, so the result never depends on the order the rules were given in: a target is its host,
 * prefix and set of rules, which is what {@link #key()} names.
 */
public final class TargetNaming {
    private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");

    /** One {@code --map} rule. */
    public record Mapping(String from, String to) {
        public static Mapping parse(String text) {
            int eq = text.indexOf('=');
            if (eq <= 0) {
                throw AirlockException.usage("--map '" + text + "' must be SRC=DST");
            }
            String from = strip(text.substring(0, eq));
            String to = strip(text.substring(eq + 1));
            if (from.isEmpty()) {
                throw AirlockException.usage("--map '" + text + "' has an empty SRC");
            }
            return new Mapping(from, to);
        }

        private static String strip(String s) {
            String t = s.trim();
            while (t.endsWith("/")) {
                t = t.substring(0, t.length() - 1);
            }
            while (t.startsWith("/")) {
                t = t.substring(1);
            }
            return t;
        }
    }

    private final String host;
    private final String prefix;
    private final List<Mapping> mappings;

    public TargetNaming(String registry, List<Mapping> mappings) {
        if (registry == null || registry.isBlank()) {
            throw AirlockException.usage("missing --registry HOST[:PORT][/PREFIX]");
        }
        String r = registry.trim();
        if (r.contains("://")) {
            throw AirlockException.usage("--registry takes HOST[:PORT][/PREFIX], without a scheme: '" + registry + "'");
        }
        int slash = r.indexOf('/');
        this.host = slash < 0 ? r : r.substring(0, slash);
        this.prefix = slash < 0 ? "" : Mapping.strip(r.substring(slash + 1));
        if (host.isEmpty()) {
            throw AirlockException.usage("--registry '" + registry + "' has no host");
        }
        if (!prefix.isEmpty()) {
            checkPath(prefix, "--registry prefix");
        }
        Map<String, Mapping> bySource = new TreeMap<>();
        for (Mapping m : mappings) {
            Mapping earlier = bySource.putIfAbsent(m.from(), m);
            if (earlier != null && !earlier.to().equals(m.to())) {
                throw AirlockException.usage("--map " + m.from() + "=" + earlier.to() + " and --map " + m.from() + "=" + m.to()
                        + " rewrite the same SRC two ways; give one");
            }
        }
        this.mappings = List.copyOf(bySource.values());
    }

    public String host() {
        return host;
    }

    /** The path prefix under which every repository lands; empty for none. */
    public String prefix() {
        return prefix;
    }

    /** The {@code --map} rules as {@code SRC=DST}, one per SRC, sorted by SRC. */
    public List<String> mappings() {
        return mappings.stream().map(m -> m.from() + "=" + m.to()).toList();
    }

    /**
     * This target's name in the importer's ledger: {@code host[/prefix]}, and when there are
     * {@code --map} rules, {@code #} and the first 8 hex digits of the SHA-256 of {@link #mappings()}
     * (one per line). Stable across runs and rule order; the host is compared without case.
     */
    public String key() {
        return key(host, prefix, mappings());
    }

    /** The key of a target given by its parts, as {@link #key()} computes it. */
    public static String key(String host, String prefix, List<String> mappings) {
        String base = host.toLowerCase(Locale.ROOT) + (prefix.isEmpty() ? "" : "/" + prefix);
        if (mappings.isEmpty()) {
            return base;
        }
        byte[] hash = Digest.newSha256().digest((String.join("\n", mappings) + "\n").getBytes(StandardCharsets.UTF_8));
        return base + "#" + HexFormat.of().formatHex(hash, 0, 4);
    }

    /**
     * Whether an image from {@code source} (a source reference as the exporter wrote it) lands at
     * {@code placed} ({@code HOST/REPOSITORY}) under this naming: how a ledger entry tells which
     * target it was made for.
     */
    public boolean places(String source, String placed) {
        try {
            ImageReference ref = ImageReference.parse(source);
            String repository = repository(new BundleManifest.Image(source, ref.registry(), ref.repository(), ref.tag(), null, null));
            int slash = placed.indexOf('/');
            return slash > 0 && placed.substring(0, slash).equalsIgnoreCase(host) && placed.substring(slash + 1).equals(repository);
        } catch (AirlockException e) {
            return false;
        }
    }

    /**
     * The {@code --map} rules (as {@code SRC=DST}) that name the target of none of {@code images}:
     * their SRC matches no image, or only images that a longer SRC takes. Such a rule is most
     * likely a typo, and the images it was meant for land unmapped.
     */
    public List<String> unused(List<BundleManifest.Image> images) {
        java.util.Set<Mapping> used = new java.util.HashSet<>();
        for (BundleManifest.Image image : images) {
            Mapping m = rule(image);
            if (m != null) {
                used.add(m);
            }
        }
        return mappings.stream().filter(m -> !used.contains(m)).map(m -> m.from() + "=" + m.to()).toList();
    }

    /** The rule that decides where {@code image} lands, or null for none. */
    private Mapping rule(BundleManifest.Image image) {
        String full = image.registry() + "/" + image.repository();
        Mapping best = null;
        for (Mapping m : mappings) {
            for (String candidate : new String[] {full, image.repository()}) {
                // mappings are sorted by SRC, so of two the same length the smaller is kept
                if (remainder(candidate, m.from()) != null && (best == null || m.from().length() > best.from().length())) {
                    best = m;
                }
            }
        }
        return best;
    }

    /** The target repository path for an image of the bundle. */
    public String repository(BundleManifest.Image image) {
        String full = image.registry() + "/" + image.repository();
        String path = image.repository();
        Mapping best = rule(image);
        String rest = null;
        if (best != null) {
            String onFull = remainder(full, best.from());
            rest = onFull != null ? onFull : remainder(path, best.from());
        }
        if (best != null) {
            path = best.to().isEmpty() ? rest : rest.isEmpty() ? best.to() : best.to() + "/" + rest;
        }
        String target = prefix.isEmpty() ? path : path.isEmpty() ? prefix : prefix + "/" + path;
        checkPath(target, "target repository for " + image.source());
        return target;
    }

    private static String remainder(String candidate, String from) {
        if (candidate.equals(from)) {
            return "";
        }
        return candidate.startsWith(from + "/") ? candidate.substring(from.length() + 1) : null;
    }

    private static void checkPath(String path, String what) {
        if (path.isEmpty()) {
            throw AirlockException.usage(what + " is empty");
        }
        for (String c : path.split("/", -1)) {
            if (!COMPONENT.matcher(c).matches()) {
                throw AirlockException.usage(what + " '" + path + "' is not a valid repository path");
            }
        }
    }
}
