package dev.airlock.export.preset;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.airlock.error.AirlockException;
import dev.airlock.oci.ImageReference;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The {@code gitlab-secure} preset: the variables of GitLab's Secure-Binaries template expanded
 * into image references {@code SOURCE_PREFIX/ANALYZER:TAG}. Each setting is taken from the first
 * place that gives it: a flag, then {@code --config}, then the environment variable, then the
 * preset's data file ({@code presets/gitlab-secure.yaml}, which lists the analyzers and their
 * default tags). As in the template, each analyzer has its own default tag (its major version,
 * from the template's job for it); SECURE_BINARIES_ANALYZER_VERSION, when given, is the tag of all.
 * The data file names the template version it was taken from. A variable that is set must hold a
 * valid value: a typo is an error, never a silent default. No CLI types in here; the environment
 * is passed in.
 */
public final class GitlabSecure {
    public static final String NAME = "gitlab-secure";
    public static final String ANALYZERS = "SECURE_BINARIES_ANALYZERS";
    public static final String DOWNLOAD_IMAGES = "SECURE_BINARIES_DOWNLOAD_IMAGES";
    public static final String ANALYZER_VERSION = "SECURE_BINARIES_ANALYZER_VERSION";
    public static final String PREFIX = "SECURE_ANALYZERS_PREFIX";
    public static final String SAVE_ARTIFACTS = "SECURE_BINARIES_SAVE_ARTIFACTS";
    private static final String DATA = "/presets/gitlab-secure.yaml";
    private static final Pattern NAME_PATTERN = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");

    private GitlabSecure() {
    }

    /**
     * The data file: where the analyzers come from by default, the channel, each analyzer's default
     * tag, and why names that earlier templates listed are gone ({@code retired}, may be absent).
     */
    @JsonIgnoreProperties(ignoreUnknown = false)
    public record Data(String sourcePrefix, String channel, String defaultTag, LinkedHashMap<String, String> analyzers,
            LinkedHashMap<String, String> retired) {
        public static Data load() {
            try (InputStream in = GitlabSecure.class.getResourceAsStream(DATA)) {
                if (in == null) {
                    throw AirlockException.internal("preset data " + DATA + " is missing from the program", null);
                }
                Data d = new ObjectMapper(new YAMLFactory()).readValue(in, Data.class);
                if (d == null || d.sourcePrefix() == null || d.channel() == null || d.defaultTag() == null || d.analyzers() == null
                        || d.analyzers().isEmpty()) {
                    throw AirlockException.internal("preset data " + DATA + " lacks sourcePrefix, channel, defaultTag or analyzers", null);
                }
                return d.retired() != null ? d
                        : new Data(d.sourcePrefix(), d.channel(), d.defaultTag(), d.analyzers(), new LinkedHashMap<>());
            } catch (IOException e) {
                throw AirlockException.internal("preset data " + DATA + " is not readable YAML: " + e.getMessage(), e);
            }
        }
    }

    /**
     * The settings given as flags or in {@code --config}; null where not given.
     *
     * @param analyzers names, each may itself be a comma-separated list
     */
    public record Settings(List<String> analyzers, String analyzerVersion, String sourcePrefix, Boolean downloadImages,
            Boolean saveArtifacts) {
        public static final Settings NONE = new Settings(null, null, null, null, null);
    }

    /**
     * One analyzer to carry.
     *
     * @param listed whether the preset's data file knows it (an unlisted name may be a typo)
     */
    public record Analyzer(String name, String reference, boolean listed) {
    }

    /**
     * The preset resolved.
     *
     * @param from where each setting came from: "flag", "config", the variable's name, or "default"
     * @param retired for each analyzer asked for that the template no longer lists: why, and what took its place
     */
    public record Expansion(String sourcePrefix, String channel, List<Analyzer> analyzers, boolean downloadImages,
            boolean saveArtifacts, Map<String, String> from, Map<String, String> retired) {
        public List<String> images() {
            return analyzers.stream().map(Analyzer::reference).toList();
        }
    }

    /**
     * Resolves the preset: flags, then config, then {@code env}, then the data file.
     */
    public static Expansion resolve(Settings flags, Settings config, Map<String, String> env) {
        Data data = Data.load();
        Map<String, String> from = new LinkedHashMap<>();

        String prefix = pick(from, "sourcePrefix", flags.sourcePrefix(), "--source-prefix", config.sourcePrefix(), "config sourcePrefix",
                env, PREFIX, data.sourcePrefix(), GitlabSecure::prefix);
        String version = pick(from, "analyzerVersion", flags.analyzerVersion(), "--analyzer-version", config.analyzerVersion(),
                "config analyzerVersion", env, ANALYZER_VERSION, null, GitlabSecure::tag);
        Boolean download = pick(from, "downloadImages", flags.downloadImages(), "a flag", config.downloadImages(), "config downloadImages",
                env, DOWNLOAD_IMAGES, Boolean.TRUE, GitlabSecure::bool);
        Boolean save = pick(from, "saveArtifacts", flags.saveArtifacts(), "--save-artifacts", config.saveArtifacts(),
                "config saveArtifacts", env, SAVE_ARTIFACTS, Boolean.FALSE, GitlabSecure::bool);

        List<String> names;
        if (flags.analyzers() != null) {
            names = names(String.join(",", flags.analyzers()), "--analyzers");
            from.put("analyzers", "flag");
        } else if (config.analyzers() != null) {
            names = names(String.join(",", config.analyzers()), "config analyzers");
            from.put("analyzers", "config");
        } else if (env.get(ANALYZERS) != null) {
            names = names(env.get(ANALYZERS), ANALYZERS);
            from.put("analyzers", ANALYZERS);
        } else {
            names = List.copyOf(data.analyzers().keySet());
            from.put("analyzers", "default");
        }

        List<Analyzer> analyzers = new ArrayList<>();
        Map<String, String> retired = new LinkedHashMap<>();
        for (String n : names) {
            boolean listed = data.analyzers().containsKey(n);
            // a version given for all wins over each analyzer's own, as a CI/CD variable wins over a job's in GitLab
            String t = version != null ? version : listed ? data.analyzers().get(n) : data.defaultTag();
            analyzers.add(new Analyzer(n, ImageReference.parse(prefix + "/" + n + ":" + t).toString(), listed));
            if (!listed && data.retired().containsKey(n)) {
                retired.put(n, data.retired().get(n));
            }
        }
        return new Expansion(prefix, data.channel(), List.copyOf(analyzers), download, save, Map.copyOf(from), Map.copyOf(retired));
    }

    private interface Parser<T> {
        T parse(String value, String what);
    }

    private static <T> T pick(Map<String, String> from, String setting, T flag, String flagName, T config, String configName,
            Map<String, String> env, String variable, T fallback, Parser<T> parser) {
        if (flag != null) {
            from.put(setting, "flag");
            return flag instanceof String s ? parser.parse(s, flagName) : flag;
        }
        if (config != null) {
            from.put(setting, "config");
            return config instanceof String s ? parser.parse(s, configName) : config;
        }
        String value = env.get(variable);
        if (value != null) {
            from.put(setting, variable);
            return parser.parse(value, variable);
        }
        from.put(setting, "default");
        return fallback;
    }

    /** SECURE_BINARIES_ANALYZERS: names separated by commas, spaces around them allowed; duplicates dropped. */
    static List<String> names(String value, String what) {
        Set<String> names = new LinkedHashSet<>();
        for (String part : value.split(",", -1)) {
            String n = part.trim();
            if (n.isEmpty()) {
                continue;
            }
            if (!NAME_PATTERN.matcher(n).matches()) {
                throw AirlockException.usage(what + ": '" + n + "' is not an analyzer name (lower-case letters and digits,"
                        + " joined by '.', '_' or '-'), in '" + value + "'");
            }
            names.add(n);
        }
        if (names.isEmpty()) {
            throw AirlockException.usage(what + "='" + value + "' names no analyzer; give a comma-separated list such as"
                    + " bandit,semgrep, or unset it for the preset's full list");
        }
        return List.copyOf(names);
    }

    private static String tag(String value, String what) {
        if (!TAG.matcher(value.trim()).matches()) {
            throw AirlockException.usage(what + "='" + value + "' is not an image tag (letters, digits, '_', '.', '-';"
                    + " at most 128, not starting with '.' or '-')");
        }
        return value.trim();
    }

    private static Boolean bool(String value, String what) {
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "true" -> Boolean.TRUE;
            case "false" -> Boolean.FALSE;
            default -> throw AirlockException.usage(what + "='" + value + "' is neither true nor false");
        };
    }

    /** A registry host and optional path, without scheme, as {@code docker pull PREFIX/NAME:TAG} takes it. */
    private static String prefix(String value, String what) {
        String p = value.trim();
        while (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        if (p.isEmpty() || p.contains("://") || p.contains("@") || p.contains(" ")) {
            throw AirlockException.usage(what + "='" + value + "' is not a registry prefix such as"
                    + " registry.gitlab.com/security-products (HOST[:PORT][/PATH], no scheme)");
        }
        int slash = p.indexOf('/');
        String last = p.substring(p.lastIndexOf('/') + 1);
        if (slash > 0 && last.contains(":") && p.indexOf(':', slash) >= 0) {
            throw AirlockException.usage(what + "='" + value + "' ends in a tag; the tag comes from " + ANALYZER_VERSION);
        }
        try {
            ImageReference.parse(p + "/x:1");
        } catch (AirlockException e) {
            throw AirlockException.usage(what + "='" + value + "' is not a registry prefix such as"
                    + " registry.gitlab.com/security-products: " + e.getMessage());
        }
        return p;
    }
}
