package dev.airlock.upstream;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.airlock.config.ConfigYaml;
import dev.airlock.error.AirlockException;
import dev.airlock.io.BoundedFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The {@code --verify-policy} YAML: {@code trustedRoot} (a Sigstore trusted_root.json, a path
 * relative to the policy file) and {@code rules}, the first whose {@code match} covers a source
 * repository wins. Read strictly (through {@link ConfigYaml}: bounded, duplicate keys refused);
 * every mistake is a USAGE error (exit 2) naming the file and the key — an unknown key, a rule that
 * asks for signatures but names no signer, a key file that is not a PEM public key, keyless rules
 * without a trusted root — so a policy never silently checks less than it says.
 */
public final class UpstreamPolicy {
    private static final ObjectMapper YAML = ConfigYaml.mapper().enable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY);

    private final Path file;
    private final TrustedRoot trustedRoot;
    private final List<Rule> rules;
    private final List<Pattern> globs;

    private UpstreamPolicy(Path file, TrustedRoot trustedRoot, List<Rule> rules) {
        this.file = file;
        this.trustedRoot = trustedRoot;
        this.rules = List.copyOf(rules);
        this.globs = rules.stream().map(r -> glob(r.match())).toList();
    }

    private record RawKeyless(@JsonProperty("issuer") String issuer, @JsonProperty("identity") String identity,
            @JsonProperty("identityRegexp") String identityRegexp) {
        @JsonCreator
        RawKeyless {
        }
    }

    private record RawRule(@JsonProperty("match") String match, @JsonProperty("keys") List<String> keys,
            @JsonProperty("keyless") List<RawKeyless> keyless, @JsonProperty("require") String require,
            @JsonProperty("minimum") Integer minimum) {
        @JsonCreator
        RawRule {
        }
    }

    private record RawPolicy(@JsonProperty("trustedRoot") String trustedRoot, @JsonProperty("rules") List<RawRule> rules) {
        @JsonCreator
        RawPolicy {
        }
    }

    public static UpstreamPolicy load(Path file) {
        RawPolicy raw;
        try {
            raw = ConfigYaml.read(file, YAML, RawPolicy.class);
        } catch (UnrecognizedPropertyException e) {
            throw AirlockException.usage("policy " + file + ": unknown key " + ConfigYaml.shownKey(e.getPropertyName()) + where(e)
                    + " (known: " + e.getKnownPropertyIds().stream().map(String::valueOf).sorted().collect(Collectors.joining(", ")) + ")");
        } catch (MismatchedInputException e) {
            throw AirlockException.usage("policy " + file + ": the value" + where(e) + " is not " + wanted(e.getTargetType()));
        } catch (JsonMappingException e) {
            throw AirlockException.usage("policy " + file + ": " + String.valueOf(e.getOriginalMessage()).lines().findFirst().orElse("")
                    + where(e));
        }
        if (raw == null || raw.rules() == null || raw.rules().isEmpty()) {
            throw AirlockException.usage("policy " + file + " has no rules (give at least one under 'rules:')");
        }
        Path dir = file.toAbsolutePath().getParent();
        List<Rule> rules = new ArrayList<>();
        for (int i = 0; i < raw.rules().size(); i++) {
            rules.add(rule(file, dir, "rules[" + i + "]", raw.rules().get(i)));
        }
        boolean keyless = rules.stream().anyMatch(r -> !r.keyless().isEmpty());
        if (keyless && raw.trustedRoot() == null) {
            throw AirlockException.usage("policy " + file + ": keyless rules need 'trustedRoot' (Sigstore's trusted_root.json)");
        }
        TrustedRoot root;
        try {
            root = raw.trustedRoot() == null ? null : TrustedRoot.load(dir.resolve(raw.trustedRoot()));
        } catch (AirlockException e) {
            throw AirlockException.usage("policy " + file + ": trustedRoot: " + e.getMessage());
        }
        return new UpstreamPolicy(file, root, rules);
    }

    private static String wanted(Class<?> type) {
        if (type == Integer.class || type == int.class) {
            return "a whole number";
        }
        return type != null && List.class.isAssignableFrom(type) ? "a list" : type == String.class ? "text" : "a mapping";
    }

    private static String where(JsonMappingException e) {
        String path = e.getPath().stream().map(r -> r.getFieldName() != null ? "." + r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining());
        return path.isEmpty() ? "" : " at " + (path.startsWith(".") ? path.substring(1) : path);
    }

    private static Rule rule(Path file, Path dir, String at, RawRule r) {
        String where = "policy " + file + ": " + at;
        if (r == null || r.match() == null || r.match().isEmpty()) {
            throw AirlockException.usage(where + " has no 'match'");
        }
        List<String> keyNames = r.keys() == null ? List.of() : r.keys();
        List<RawKeyless> rawKeyless = r.keyless() == null ? List.of() : r.keyless();
        Rule.Require require = require(where, r.require(), !keyNames.isEmpty() || !rawKeyless.isEmpty());
        List<TrustedKey> keys = new ArrayList<>();
        for (int k = 0; k < keyNames.size(); k++) {
            keys.add(key(where + ".keys[" + k + "]", dir, keyNames.get(k)));
        }
        List<Keyless> keyless = new ArrayList<>();
        for (int k = 0; k < rawKeyless.size(); k++) {
            RawKeyless x = rawKeyless.get(k);
            try {
                keyless.add(new Keyless(x == null ? null : x.issuer(), x == null ? null : x.identity(), x == null ? null : x.identityRegexp()));
            } catch (RuntimeException e) {
                throw AirlockException.usage(where + ".keyless[" + k + "]: " + e.getMessage().lines().findFirst().orElse(""));
            }
        }
        int minimum = r.minimum() == null ? 1 : r.minimum();
        if (minimum < 1) {
            throw AirlockException.usage(where + ".minimum is " + minimum + "; give at least 1");
        }
        return new Rule(r.match(), keys, keyless, require, minimum);
    }

    private static Rule.Require require(String where, String given, boolean signers) {
        Rule.Require require;
        try {
            require = given == null ? Rule.Require.SIGNED : Rule.Require.valueOf(given.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw AirlockException.usage(where + ".require is '" + ConfigYaml.shownValue(given) + "'; give signed, none or refuse");
        }
        if (require == Rule.Require.SIGNED && !signers) {
            throw AirlockException.usage(where + " requires signatures but names no 'keys' or 'keyless'; add one, or say require: none");
        }
        if (require != Rule.Require.SIGNED && signers) {
            throw AirlockException.usage(where + " says require: " + given + " but names keys or keyless; drop one (they would be ignored)");
        }
        return require;
    }

    private static TrustedKey key(String where, Path dir, String name) {
        Path path = dir.resolve(name);
        try {
            String pem = new String(BoundedFiles.read(path, BoundedFiles.CONFIG), StandardCharsets.US_ASCII);
            return TrustedKey.of(name, PublicKeys.fromPem(pem));
        } catch (NoSuchFileException e) {
            throw AirlockException.usage(where + ": key " + path + " does not exist");
        } catch (IOException e) {
            throw AirlockException.usage(where + ": key " + path + " is not readable: " + e.getMessage());
        } catch (GeneralSecurityException e) {
            throw AirlockException.usage(where + ": key " + path + ": " + e.getMessage());
        }
    }

    /**
     * {@code *} matches within one path component, {@code **} across slashes; everything else
     * literally; the whole repository must match.
     */
    static Pattern glob(String glob) {
        StringBuilder re = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            if (c == '*' && i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
                re.append(".*");
                i++;
            } else if (c == '*') {
                re.append("[^/]*");
            } else {
                re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(re.toString());
    }

    /** The first rule whose glob covers {@code repository} ({@code host[:port]/path}), or null when none does. */
    public Rule match(String repository) {
        for (int i = 0; i < rules.size(); i++) {
            if (globs.get(i).matcher(repository).matches()) {
                return rules.get(i);
            }
        }
        return null;
    }

    public List<Rule> rules() {
        return rules;
    }

    /** The trusted root the policy names, or null when it names none (then no rule is keyless). */
    public TrustedRoot trustedRoot() {
        return trustedRoot;
    }

    public Path file() {
        return file;
    }
}
