package dev.airlock.oci;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.digest.Digest;
import dev.airlock.error.AirlockException;

/** A content descriptor: what a manifest says about a blob or child manifest it references. */
public record Descriptor(String mediaType, Digest digest, long size) {

    public Descriptor {
        mediaType = SharedText.of(mediaType);
        if (size < 0) {
            throw AirlockException.malformed("negative size " + size + " for " + digest);
        }
    }

    /** Reads a descriptor object from a manifest; {@code where} names it in errors. */
    public static Descriptor fromJson(JsonNode node, String where) {
        if (node == null || !node.isObject()) {
            throw AirlockException.malformed(where + ": descriptor is not an object");
        }
        JsonNode size = node.get("size");
        if (size == null || !size.canConvertToLong()) {
            throw AirlockException.malformed(where + ": descriptor has no valid size");
        }
        JsonNode mediaType = node.get("mediaType");
        return new Descriptor(mediaType == null ? null : mediaType.asText(),
                Digest.parse(node.path("digest").asText(null)), size.asLong());
    }
}
