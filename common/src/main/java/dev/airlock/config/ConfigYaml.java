package dev.airlock.config;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.airlock.error.AirlockException;
import dev.airlock.io.BoundedFiles;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reading a {@code --config} YAML file, the same way for both programs: through
 * {@link BoundedFiles#CONFIG} (a regular file of at most 1 MiB, so a parse that grows faster
 * than the file — a long comment line — stays under a second), and strictly: a key given twice
 * in one mapping is refused naming the key and its line, instead of the last one silently
 * winning. The caller maps what is left ({@link JsonMappingException}: an unknown key, a value
 * of the wrong type) to its own words.
 */
public final class ConfigYaml {
    private static final Pattern DUPLICATE = Pattern.compile("Duplicate (?:field|Object property) '(.*)'", Pattern.DOTALL);
    private static final Pattern SETTING_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_.-]{0,63}");

    private ConfigYaml() {
    }

    /**
     * A YAML mapper that refuses duplicate keys, a second document ({@code ---}) and a fraction
     * where a whole number is meant ({@code threshold: 1.9} would otherwise be 1, a weaker trust
     * policy than written); the caller adds its own features.
     */
    public static ObjectMapper mapper() {
        return new ObjectMapper(YAMLFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build())
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
    }

    /** A value as a message may show it: control characters escaped, at most 40 characters. */
    public static String shownValue(Object value) {
        String v = dev.airlock.cli.LogText.printable(String.valueOf(value));
        return v.length() > 40 ? v.substring(0, 40) + "…" : v;
    }

    /**
     * A key as a message may show it: the key itself when it could be a setting's name, else only
     * that there is one. A file that is not a config at all ({@code --config /etc/shadow}) must not
     * have its lines printed, and a quoted key may hold control characters.
     */
    public static String shownKey(String key) {
        return key != null && SETTING_NAME.matcher(key).matches() ? "'" + key + "'"
                : "of " + (key == null ? 0 : key.length()) + " characters that is no setting's name (not shown)";
    }

    /**
     * {@code file} read with {@code yaml} (from {@link #mapper}) as {@code type}; null for an empty
     * file. Refused with kind USAGE (one line naming the file): a missing file, a key given twice,
     * text that is not YAML; a special file, a link's target that is not a regular file or a file
     * over 1 MiB as {@link BoundedFiles} says; permission denied is LOCAL and says who needs what.
     *
     * @throws JsonMappingException for the caller to name: an unknown key, a value of the wrong type
     */
    public static <T> T read(Path file, ObjectMapper yaml, Class<T> type) throws JsonMappingException {
        byte[] bytes;
        try {
            bytes = BoundedFiles.read(file, BoundedFiles.CONFIG);
        } catch (NoSuchFileException e) {
            throw AirlockException.usage("config " + file + " does not exist");
        }
        try {
            T value = yaml.readValue(bytes, type);
            refuseNameAndOldName(file, yaml, bytes, type);
            return value;
        } catch (JsonProcessingException e) {
            AirlockException duplicate = duplicateKey(file, e);
            if (duplicate != null) {
                throw duplicate;
            }
            if (String.valueOf(e.getOriginalMessage()).startsWith("Trailing token")) {
                throw AirlockException.usage("config " + file + " holds more than one YAML document (the next begins on line " + line(e)
                        + "); keep one: everything after the first would be ignored");
            }
            if (e instanceof JsonMappingException m) {
                throw m;
            }
            throw notYaml(file, e);
        } catch (IOException e) {
            throw notYaml(file, e);
        }
    }

    /**
     * A setting given under its name and its old name ({@link JsonAlias} on a record component) at
     * once is refused like a key given twice: databind would keep whichever comes last and drop the
     * other silently.
     */
    private static void refuseNameAndOldName(Path file, ObjectMapper yaml, byte[] bytes, Class<?> type) throws IOException {
        if (!type.isRecord()) {
            return;
        }
        JsonNode tree = yaml.readTree(bytes);
        if (tree == null || !tree.isObject()) {
            return;
        }
        for (RecordComponent c : type.getRecordComponents()) {
            // Java puts the annotation on the component's field (JsonAlias is not for RECORD_COMPONENT).
            JsonAlias alias = fieldOf(type, c).getAnnotation(JsonAlias.class);
            if (alias == null || !tree.has(c.getName())) {
                continue;
            }
            for (String old : alias.value()) {
                if (tree.has(old)) {
                    throw AirlockException.usage("config " + file + ": " + c.getName() + " and " + old + " (its old name) are the same"
                            + " setting; keep " + c.getName());
                }
            }
        }
    }

    private static java.lang.reflect.Field fieldOf(Class<?> type, RecordComponent c) {
        try {
            return type.getDeclaredField(c.getName());
        } catch (NoSuchFieldException e) {
            throw new IllegalStateException("a record without the field of its component " + c.getName(), e);
        }
    }

    /**
     * "config FILE: the key 'K' is given twice in one mapping (again on line N); keep one" — or
     * null when {@code e} is about something else. In a nested mapping databind wraps the parser's
     * exception in a {@link JsonMappingException}: the cause chain is searched.
     */
    static AirlockException duplicateKey(Path file, JsonProcessingException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof JsonProcessingException j) {
                Matcher m = DUPLICATE.matcher(String.valueOf(j.getOriginalMessage()));
                if (m.matches()) {
                    return AirlockException.usage("config " + file + ": the key " + shownKey(m.group(1)) + " is given twice in one mapping"
                            + " (again on line " + line(j) + "); keep one");
                }
            }
        }
        return null;
    }

    /** "config FILE is not readable YAML: WHAT (line N)", without the source excerpt Jackson adds (it may be a secret). */
    public static AirlockException notYaml(Path file, IOException e) {
        String what = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
        if (what == null || e instanceof java.io.CharConversionException) {
            what = "not UTF-8 text (" + e.getClass().getSimpleName() + ")";
        }
        String first = String.valueOf(what).lines().findFirst().orElse("").strip();
        String at = e instanceof JsonProcessingException j && j.getLocation() != null && j.getLocation().getLineNr() > 0
                ? " (line " + j.getLocation().getLineNr() + ")" : "";
        return AirlockException.usage("config " + file + " is not readable YAML: " + first + at);
    }

    private static String line(JsonProcessingException e) {
        return e.getLocation() != null && e.getLocation().getLineNr() > 0 ? String.valueOf(e.getLocation().getLineNr()) : "?";
    }
}
