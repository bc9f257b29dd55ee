package dev.airlock.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/**
 * A Jackson tree of an untrusted JSON document whose number of values is bounded before the tree
 * is built. A byte bound alone does not bound the tree: {@code {},} is 3 bytes and some 90 bytes of
 * heap (an ObjectNode and its map), so the 16 MiB allowed a docker archive's manifest.json was
 * OutOfMemoryError in the launcher's 192 MiB heap (red-team pass H). A first pass of tokens (no
 * copy, no objects kept) counts the values; only a document under the bound is read as a tree.
 */
public final class BoundedJsonTree {
    private static final JsonFactory TOKENS = new JsonFactory();

    /** Thrown for a document of more values than the bound; the caller names the file. */
    public static final class TooManyValues extends IOException {
        private static final long serialVersionUID = 1L;

        TooManyValues(long bound) {
            super("more than " + bound + " JSON values");
        }
    }

    private BoundedJsonTree() {
    }

    /**
     * The tree of {@code json}, or {@link TooManyValues} when it holds more than {@code maxValues}
     * values (objects, arrays, strings, numbers, literals; field names are not counted apart).
     *
     * @throws IOException (Jackson's JacksonException) for JSON that is not well formed
     */
    public static JsonNode read(ObjectMapper mapper, byte[] json, long maxValues) throws IOException {
        long values = 0;
        try (JsonParser p = TOKENS.createParser(json)) {
            for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                if (t != JsonToken.FIELD_NAME && t != JsonToken.END_OBJECT && t != JsonToken.END_ARRAY && ++values > maxValues) {
                    throw new TooManyValues(maxValues);
                }
            }
        }
        return mapper.readTree(json);
    }
}
