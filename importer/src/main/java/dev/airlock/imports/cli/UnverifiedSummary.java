package dev.airlock.imports.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.function.Consumer;

/**
 * What {@code inspect} shows of an unverified bundle.json, read as a stream of tokens, never as a
 * tree: a tree of 60 MiB of {@code {"blobs":[{},{},…]}} was 20 million nodes, OutOfMemoryError
 * (red-team pass G). Memory is bounded by the largest single value kept (Jackson's own bound on a
 * string). Fields read as {@code JsonNode.asText()} and {@code asLong()} read them; a repeated key
 * counts last, as in a tree.
 */
public final class UnverifiedSummary {
    private static final JsonFactory JSON = new JsonFactory();

    String format = "";
    String channel = "";
    String sequence = "";
    String created = "";
    /** Null: none; "": a full bundle (parent null); else "SEQUENCE DIGEST". */
    String parent;
    long blobs;
    long blobBytes;
    long requires;

    public String channel() {
        return channel;
    }

    public String sequence() {
        return sequence;
    }

    /** Null: none given; "": a full bundle (parent null); else "SEQUENCE DIGEST". */
    public String parent() {
        return parent;
    }

    /** The top-level fields, in one pass over {@code raw}. */
    public static UnverifiedSummary of(byte[] raw) throws IOException {
        UnverifiedSummary s = new UnverifiedSummary();
        try (JsonParser p = JSON.createParser(raw)) {
            expect(p.nextToken() == JsonToken.START_OBJECT);
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                switch (field) {
                    case "format" -> s.format = text(p);
                    case "channel" -> s.channel = text(p);
                    case "sequence" -> s.sequence = text(p);
                    case "created" -> s.created = text(p);
                    case "parent" -> s.parent = t == JsonToken.VALUE_NULL ? "" : parent(p);
                    case "blobs" -> s.blobs(p);
                    case "requires" -> s.requires = count(p);
                    default -> p.skipChildren();
                }
            }
        }
        return s;
    }

    /** Calls {@code line} with "SOURCE  DIGEST  MEDIATYPE" for each element of the top-level "images" array, in a second pass. */
    static void images(byte[] raw, Consumer<String> line) throws IOException {
        try (JsonParser p = JSON.createParser(raw)) {
            expect(p.nextToken() == JsonToken.START_OBJECT);
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                if (p.nextToken() != JsonToken.START_ARRAY || !field.equals("images")) {
                    p.skipChildren();
                    continue;
                }
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    String[] f = {"", "", ""};
                    fields(p, (name, value) -> {
                        int i = name.equals("source") ? 0 : name.equals("digest") ? 1 : name.equals("mediaType") ? 2 : -1;
                        if (i >= 0) {
                            f[i] = value;
                        }
                    });
                    line.accept(f[0] + "  " + f[1] + "  " + f[2]);
                }
            }
        }
    }

    private void blobs(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            p.skipChildren();
            return;
        }
        while (p.nextToken() != JsonToken.END_ARRAY) {
            blobs++;
            long[] size = {0};
            fields(p, (name, value) -> {
                if (name.equals("size")) {
                    size[0] = asLong(value);
                }
            });
            blobBytes += size[0];
        }
    }

    private static String parent(JsonParser p) throws IOException {
        String[] f = {"", ""};
        fields(p, (name, value) -> {
            if (name.equals("sequence")) {
                f[0] = value;
            } else if (name.equals("digest")) {
                f[1] = value;
            }
        });
        return f[0] + " " + f[1];
    }

    /** For an object at the parser, each scalar field's name and text; containers inside are skipped. Anything else is skipped whole. */
    private static void fields(JsonParser p, java.util.function.BiConsumer<String, String> field) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            p.skipChildren();
            return;
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            p.nextToken();
            field.accept(name, text(p));
        }
    }

    private static long count(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            p.skipChildren();
            return 0;
        }
        long n = 0;
        while (p.nextToken() != JsonToken.END_ARRAY) {
            n++;
            p.skipChildren();
        }
        return n;
    }

    /** A scalar's text as JsonNode.asText() gives it ("" for a container, which is skipped). */
    private static String text(JsonParser p) throws IOException {
        if (p.currentToken().isStructStart()) {
            p.skipChildren();
            return "";
        }
        return p.getText();
    }

    private static long asLong(String text) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static void expect(boolean ok) throws IOException {
        if (!ok) {
            throw new com.fasterxml.jackson.core.JsonParseException(null, "bundle.json is not a JSON object");
        }
    }
}
