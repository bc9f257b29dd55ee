package dev.airlock.io;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.digest.Digest;
import dev.airlock.error.AirlockException;
import java.util.ArrayList;
import java.util.List;

/**
 * A JSON object read from a state file, with accessors that check each field's presence and type
 * and name the field by its path ({@code applied[2].digest}) when it is wrong. A ledger that parses
 * but does not hold what a ledger must is refused here, as a usage error naming the file, before
 * any code can mistake it for an empty or shorter chain.
 */
public final class CheckedJson {
    private final String what;
    private final String path;
    private final JsonNode node;

    private CheckedJson(String what, String path, JsonNode node) {
        this.what = what;
        this.path = path;
        this.node = node;
    }

    /**
     * @param what the file as a user should read it, e.g. {@code "importer ledger /x/daily.json"}
     * @throws AirlockException (usage) unless {@code root} is a JSON object
     */
    public static CheckedJson root(String what, JsonNode root) {
        if (root == null || root.isMissingNode()) {
            throw new CheckedJson(what, "", null).invalid("it is empty");
        }
        if (!root.isObject()) {
            throw new CheckedJson(what, "", null).invalid("it is " + describe(root) + ", not a JSON object");
        }
        return new CheckedJson(what, "", root);
    }

    /** Whether the field is there, even as null. */
    public boolean contains(String field) {
        return node.has(field);
    }

    /** Whether the field is there with a value other than null. */
    public boolean has(String field) {
        JsonNode v = node.get(field);
        return v != null && !v.isNull();
    }

    /** A required string (possibly empty). */
    public String string(String field) {
        JsonNode v = require(field);
        if (!v.isTextual()) {
            throw wrongType(field, v, "a string");
        }
        return v.asText();
    }

    /** A string, or null when the field is absent or null. */
    public String optionalString(String field) {
        return has(field) ? string(field) : null;
    }

    /** A required whole number, at least {@code min}. */
    public long integer(String field, long min) {
        JsonNode v = require(field);
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw wrongType(field, v, "a whole number");
        }
        long n = v.asLong();
        if (n < min) {
            throw wrong(field, "is " + n + ", less than " + min);
        }
        return n;
    }

    /** A whole number of at least {@code min}, or null when the field is absent or null. */
    public Long optionalInteger(String field, long min) {
        return has(field) ? integer(field, min) : null;
    }

    /** A required digest ({@code sha256:…}). */
    public String digest(String field) {
        String s = string(field);
        if (!Digest.isValid(s)) {
            throw wrong(field, "is not a digest: '" + abbreviate(s) + "'");
        }
        return s;
    }

    /** A required object. */
    public CheckedJson object(String field) {
        JsonNode v = require(field);
        if (!v.isObject()) {
            throw wrongType(field, v, "an object");
        }
        return new CheckedJson(what, child(field), v);
    }

    /** An object, or null when the field is absent or null. */
    public CheckedJson optionalObject(String field) {
        return has(field) ? object(field) : null;
    }

    /** A required array of objects. */
    public List<CheckedJson> objects(String field) {
        JsonNode array = array(field);
        List<CheckedJson> out = new ArrayList<>();
        for (int i = 0; i < array.size(); i++) {
            JsonNode v = array.get(i);
            String at = child(field) + "[" + i + "]";
            if (!v.isObject()) {
                throw invalid(at + " is " + describe(v) + ", not an object");
            }
            out.add(new CheckedJson(what, at, v));
        }
        return out;
    }

    /** A required array of strings. */
    public List<String> strings(String field) {
        JsonNode array = array(field);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < array.size(); i++) {
            JsonNode v = array.get(i);
            if (!v.isTextual()) {
                throw invalid(child(field) + "[" + i + "] is " + describe(v) + ", not a string");
            }
            out.add(v.asText());
        }
        return out;
    }

    /** A required array of digests. */
    public List<String> digests(String field) {
        List<String> out = strings(field);
        for (int i = 0; i < out.size(); i++) {
            if (!Digest.isValid(out.get(i))) {
                throw invalid(child(field) + "[" + i + "] is not a digest: '" + abbreviate(out.get(i)) + "'");
            }
        }
        return out;
    }

    /** The path of {@code field} in this object, for messages: {@code applied[2].digest}. */
    public String child(String field) {
        return path.isEmpty() ? field : path + "." + field;
    }

    /** The refusal for a field whose value is present and well-typed but wrong. */
    public AirlockException wrong(String field, String problem) {
        return invalid(child(field) + " " + problem);
    }

    /** The refusal for this file, with {@code problem} said after its name. */
    public AirlockException invalid(String problem) {
        return AirlockException.usage(what + " is not a valid ledger: " + problem
                + "; repair it or restore it from a backup (airlock does not guess a chain)");
    }

    private JsonNode array(String field) {
        JsonNode v = require(field);
        if (!v.isArray()) {
            throw wrongType(field, v, "a list");
        }
        return v;
    }

    private JsonNode require(String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            throw invalid(child(field) + " is missing");
        }
        return v;
    }

    private AirlockException wrongType(String field, JsonNode v, String expected) {
        return invalid(child(field) + " is " + describe(v) + ", not " + expected);
    }

    private static String describe(JsonNode v) {
        if (v.isTextual()) {
            return "the string '" + abbreviate(v.asText()) + "'";
        }
        if (v.isNumber()) {
            return "the number " + abbreviate(v.asText());
        }
        if (v.isBoolean()) {
            return v.asText();
        }
        return v.isArray() ? "a list" : v.isObject() ? "an object" : "null";
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
