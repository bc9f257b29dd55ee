package dev.airlock.oci;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.error.AirlockException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Writes a new index that lists only some entries of a source index ({@code --platform-index
 * rewrite}). Each kept entry is copied byte for byte from the source (same child digests, sizes,
 * platforms and annotations), so the children themselves, and signatures on them, are untouched.
 * Every other top-level field of the source is kept in its order, its annotations too, with
 * {@value PlatformIndex#SOURCE_INDEX} added naming the source index's digest.
 */
public final class IndexRewriter {
    private static final ObjectMapper JSON = new ObjectMapper();

    private IndexRewriter() {
    }

    public static RawManifest rewrite(RawManifest source, List<PlatformIndex.Entry> kept) {
        if (!source.isIndex()) {
            throw new IllegalArgumentException(source.digest() + " is not an index");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.getFactory().createGenerator(out)) {
            JsonNode root = JSON.readTree(source.bytesUnsafe());
            g.writeStartObject();
            boolean annotated = false;
            for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> field = it.next();
                switch (field.getKey()) {
                    case "manifests" -> {
                        g.writeArrayFieldStart("manifests");
                        for (PlatformIndex.Entry e : kept) {
                            g.writeRawValue(new String(e.json(), StandardCharsets.UTF_8));
                        }
                        g.writeEndArray();
                    }
                    case "annotations" -> {
                        writeAnnotations(g, field.getValue(), source);
                        annotated = true;
                    }
                    default -> {
                        g.writeFieldName(field.getKey());
                        g.writeTree(field.getValue());
                    }
                }
            }
            if (!annotated) {
                writeAnnotations(g, null, source);
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw AirlockException.malformed(source.digest() + ": cannot rewrite the index: " + e.getMessage());
        }
        return RawManifest.of(out.toByteArray(), source.mediaType(), "index rewritten from " + source.digest());
    }

    private static void writeAnnotations(JsonGenerator g, JsonNode own, RawManifest source) throws IOException {
        g.writeObjectFieldStart("annotations");
        if (own != null && own.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = own.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> a = it.next();
                if (!a.getKey().equals(PlatformIndex.SOURCE_INDEX)) {
                    g.writeFieldName(a.getKey());
                    g.writeTree(a.getValue());
                }
            }
        }
        g.writeStringField(PlatformIndex.SOURCE_INDEX, source.digest().toString());
        g.writeEndObject();
    }
}
