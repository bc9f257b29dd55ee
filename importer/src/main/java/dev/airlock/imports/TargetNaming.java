package dev.airlock.imports;

import dev.airlock.bundle.BundleManifest;
import dev.airlock.error.AirlockException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Where an image lands: {@code --registry HOST[:PORT][/PREFIX]} and {@code --map SRC=DST}. The
 * target repository is the source repository path (without the source host), rewritten by the
 * longest matching map (matched against {@code host/path} or {@code path}, on whole path
 * components), under PREFIX.
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
        this.mappings = new ArrayList<>(mappings);
    }

    public String host() {
        return host;
    }

    /** The target repository path for an image of the bundle. */
    public String repository(BundleManifest.Image image) {
        String full = image.registry() + "/" + image.repository();
        String path = image.repository();
        Mapping best = null;
        String rest = null;
        for (Mapping m : mappings) {
            for (String candidate : new String[] {full, path}) {
                String remainder = remainder(candidate, m.from());
                if (remainder != null && (best == null || m.from().length() > best.from().length())) {
                    best = m;
                    rest = remainder;
                }
            }
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
