package dev.airlock.imports.config;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.airlock.config.ConfigYaml;
import dev.airlock.error.AirlockException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The importer's {@code --config} YAML: one file for {@code import}, {@code watch} and
 * {@code serve} (each reads the keys it has a flag for; {@code verify} and {@code load} read
 * {@code trust} and {@code threshold}). Same settings as the flags, in camelCase as the exporter's;
 * flags win. Relative paths are taken relative to the config file's directory. Unknown keys are an
 * error (a typo must not silently drop a trusted key or a registry option). Durations and sizes are
 * strings, checked where they are used ({@link dev.airlock.cli.Units}).
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public record ImportConfig(
        // who may sign
        List<String> trust, Integer threshold,
        // the target and the ledger
        String registry, List<String> map, Boolean strictMap, String state, Integer parallel, String attached, String verifyPolicy,
        // how to reach the registry (the registry options' flags)
        @JsonAlias("insecureRegistries") List<String> plainHttp, Boolean tlsVerify, List<String> insecureSkipTlsVerify,
        String caFile, String certDir, String authFile, String credsFile, Integer retries, String idleTimeout,
        // watch and serve
        String inbox, String pollInterval, String settle,
        // serve
        String listen, String hostKey, String authorizedKeys, String maxUploadSize, String minFree, Integer maxSessions,
        String sessionIdleTimeout) {

    /** Every key, in the order of the example in docs/configuration.md. */
    public static final List<String> KEYS = List.of("trust", "threshold", "registry", "map", "strictMap", "state", "parallel", "attached", "verifyPolicy", "plainHttp",
            "tlsVerify", "insecureSkipTlsVerify", "caFile", "certDir", "authFile", "credsFile", "retries", "idleTimeout", "inbox",
            "pollInterval", "settle", "listen", "hostKey", "authorizedKeys", "maxUploadSize", "minFree", "maxSessions",
            "sessionIdleTimeout");

    private static final ObjectMapper YAML = ConfigYaml.mapper().enable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY);

    /** Reads {@code file} as {@link ConfigYaml} says (bounded, duplicate keys refused); unknown keys and wrong types are named. */
    public static ImportConfig load(Path file) {
        dev.airlock.io.FileOwners.refuseWritableByOthers(file, "config", "anyone who may write it can change whom the importer"
                + " trusts and where it pushes");
        try {
            ImportConfig c = ConfigYaml.read(file, YAML, ImportConfig.class);
            return c == null ? empty() : c;
        } catch (UnrecognizedPropertyException e) {
            String key = e.getPropertyName();
            String camel = camel(key);
            String hint = !camel.equals(key) && KEYS.contains(camel) ? " (did you mean " + camel + "?)" : "";
            throw AirlockException.usage("config " + file + ": unknown setting " + ConfigYaml.shownKey(key) + hint + " (known: "
                    + String.join(", ", KEYS) + ")");
        } catch (MismatchedInputException e) {
            throw AirlockException.usage("config " + file + ": " + key(e) + " must be " + expected(e.getTargetType())
                    + (e instanceof InvalidFormatException f && f.getValue() != null ? ", not '" + ConfigYaml.shownValue(f.getValue()) + "'" : ""));
        } catch (JsonMappingException e) {
            throw ConfigYaml.notYaml(file, e);
        }
    }

    public static ImportConfig empty() {
        return YAML.convertValue(Map.of(), ImportConfig.class);
    }

    /** Resolves a path setting against the directory of {@code configFile}; null stays null. */
    public static Path resolve(Path configFile, String value) {
        if (value == null) {
            return null;
        }
        Path p = Path.of(value);
        return p.isAbsolute() || configFile == null ? p : configFile.toAbsolutePath().getParent().resolve(p);
    }

    /** The key (and list index) a type error is about, e.g. {@code trust[1]}. */
    private static String key(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                sb.append(sb.isEmpty() ? "" : ".").append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.isEmpty() ? "the file" : sb.toString();
    }

    private static String expected(Class<?> type) {
        if (type == null) {
            return "of another type";
        }
        if (Collection.class.isAssignableFrom(type)) {
            return "a list (- VALUE on each line) or a single value";
        }
        if (type == Integer.class || type == int.class) {
            return "a whole number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "a single value (text or a number), not a list or a mapping";
        }
        if (type == ImportConfig.class) {
            return "a mapping of settings (KEY: VALUE lines)";
        }
        return "a " + type.getSimpleName().toLowerCase(Locale.ROOT);
    }

    /** {@code tls-verify} and {@code tls_verify} → {@code tlsVerify}. */
    private static String camel(String key) {
        String[] parts = key.split("[-_]");
        return parts[0] + java.util.Arrays.stream(parts).skip(1).filter(s -> !s.isEmpty())
                .map(s -> Character.toUpperCase(s.charAt(0)) + s.substring(1)).collect(Collectors.joining());
    }
}
