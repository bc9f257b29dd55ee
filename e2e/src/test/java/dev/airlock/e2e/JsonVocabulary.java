package dev.airlock.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The "JSON output" table of docs/json-output.md, parsed, and a check of a command's --json output against it:
 * the schema names the command, every field is documented (or inside a documented object whose
 * fields the table does not list), plural names are arrays, counts are numbers.
 */
final class JsonVocabulary {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Documented field → the commands the table names for it. */
    final Map<String, Set<String>> fields = new LinkedHashMap<>();

    static JsonVocabulary fromReadme() throws Exception {
        Path readme = Path.of(System.getProperty("user.dir")).getParent().resolve("docs/json-output.md");
        String text = Files.readString(readme);
        int start = text.indexOf("# JSON output (`--json`)");
        if (start < 0) {
            throw new AssertionError("docs/json-output.md has no heading '# JSON output (`--json`)'");
        }
        String section = text.substring(start, text.indexOf("\n## ", start + 5));
        JsonVocabulary v = new JsonVocabulary();
        Pattern row = Pattern.compile("^\\| (`[^|]+`) \\| [^\\n]* \\| ([a-z, ]+) \\|$", Pattern.MULTILINE);
        Matcher m = row.matcher(section);
        while (m.find()) {
            Set<String> commands = new LinkedHashSet<>(List.of(m.group(2).trim().split(",\\s*")));
            Matcher f = Pattern.compile("`([^`]+)`").matcher(m.group(1));
            while (f.find()) {
                v.fields.put(f.group(1), commands);
            }
        }
        if (v.fields.size() < 30) {
            throw new AssertionError("docs/json-output.md's table parsed to only " + v.fields.size() + " fields: " + v.fields.keySet());
        }
        return v;
    }

    /** Parses stdout, checks it against the vocabulary for {@code command}; returns every field path in it. */
    Set<String> check(String command, String stdout) throws Exception {
        JsonNode o;
        try {
            o = JSON.readTree(stdout);
        } catch (Exception e) {
            throw new AssertionError(command + ": stdout is not one JSON object: " + stdout, e);
        }
        if (o == null || !o.isObject()) {
            throw new AssertionError(command + ": stdout is not a JSON object: " + stdout);
        }
        String expected = "airlock-" + command + "/v1";
        if (!expected.equals(o.path("schema").asText())) {
            throw new AssertionError(command + ": schema must be " + expected + ": " + stdout);
        }
        Set<String> paths = new LinkedHashSet<>();
        walk("", o, paths);
        List<String> problems = new ArrayList<>();
        for (String p : paths) {
            String documented = longestDocumented(p);
            if (documented == null) {
                problems.add(p + " is not in the table of docs/json-output.md");
            } else if (!documented.equals(p) && expanded(documented)) {
                problems.add(p + " is not in the table of docs/json-output.md (its object " + documented + " lists its fields)");
            } else if (documented.equals(p) && !fields.get(documented).contains(command) && !fields.get(documented).contains("all")) {
                problems.add(p + " appears in " + command + " but the table of docs/json-output.md does not name " + command + " for it");
            }
        }
        typeCheck(command, o, problems);
        if (!problems.isEmpty()) {
            throw new AssertionError(command + ": " + String.join("; ", problems) + "\n" + stdout);
        }
        return paths;
    }

    private String longestDocumented(String path) {
        for (String p = path; !p.isEmpty(); p = parent(p)) {
            if (fields.containsKey(p)) {
                return p;
            }
        }
        return null;
    }

    /** A documented object whose fields the table lists too (bundle, images[], blobs, error, files[]). */
    private boolean expanded(String documented) {
        return fields.keySet().stream().anyMatch(f -> f.startsWith(documented + ".") || f.startsWith(documented + "[]."));
    }

    private static String parent(String p) {
        int dot = p.lastIndexOf('.');
        String up = dot < 0 ? "" : p.substring(0, dot);
        return up.endsWith("[]") ? up.substring(0, up.length() - 2) : up;
    }

    private static void walk(String prefix, JsonNode n, Set<String> into) {
        if (n.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                String p = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
                into.add(p);
                JsonNode v = e.getValue();
                if (v.isArray()) {
                    for (JsonNode el : v) {
                        if (el.isObject()) {
                            walk(p + "[]", el, into);
                        }
                    }
                } else if (v.isObject()) {
                    walk(p, v, into);
                }
            }
        }
    }

    private static void typeCheck(String command, JsonNode o, List<String> problems) {
        for (String array : List.of("signers", "images", "files", "artifacts", "changes")) {
            if (o.has(array) && !o.get(array).isArray()) {
                problems.add(array + " must be an array");
            }
        }
        if (o.path("bundle").isObject()) {
            JsonNode b = o.get("bundle");
            if (!b.path("path").isTextual()) {
                problems.add("bundle.path must be a string");
            }
            if (!b.path("sequence").isNumber()) {
                problems.add("bundle.sequence must be a number");
            }
            if (b.has("volumes") && !b.get("volumes").isArray()) {
                problems.add("bundle.volumes must be an array");
            }
        }
        if (o.has("blobs")) {
            if (!o.get("blobs").isObject()) {
                problems.add("blobs must be an object of counts");
            } else {
                o.get("blobs").fields().forEachRemaining(e -> {
                    if (!e.getValue().isNumber() && !e.getValue().isNull()) {
                        problems.add("blobs." + e.getKey() + " must be a number: " + e.getValue());
                    }
                });
            }
        }
        for (JsonNode i : o.path("images")) {
            if (!i.path("source").isTextual()) {
                problems.add("images[].source must be a string: " + i);
            }
        }
        if (command.equals("error")) {
            if (!o.path("error").path("code").isTextual() || !o.path("error").path("exitCode").isInt()
                    || !o.path("error").path("message").isTextual()) {
                problems.add("error must have code (string), exitCode (number), message (string)");
            }
        }
    }
}
