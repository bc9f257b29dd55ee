package dev.airlock.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.digest.Digest;
import dev.airlock.error.AirlockException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A manifest as exact bytes, with its media type and the digest of those bytes. It is parsed only
 * to walk the tree and never re-serialized, so a pushed manifest keeps its pulled digest.
 */
public final class RawManifest {
    /** Registries commonly refuse manifests over 4 MiB; so do we, to bound memory. */
    public static final int MAX_SIZE = 4 * 1024 * 1024;
    /**
     * JSON values read into a tree (Docker allows 127 layers; a large index has hundreds of entries):
     * within 4 MiB, 1.4 million empty objects were 114 MiB of heap (red-team pass H).
     */
    static final long MAX_VALUES = 200_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final byte[] bytes;
    private final String mediaType;
    private final Digest digest;

    private RawManifest(byte[] bytes, String mediaType, Digest digest) {
        this.bytes = bytes;
        this.mediaType = mediaType;
        this.digest = digest;
    }

    /**
     * Wraps bytes received from somewhere. The media type is taken from the content's own
     * {@code mediaType} field when present, else from {@code declaredType} (e.g. Content-Type).
     */
    public static RawManifest of(byte[] bytes, String declaredType, String where) {
        if (bytes.length > MAX_SIZE) {
            throw AirlockException.malformed(where + ": manifest is " + bytes.length + " bytes, over the 4 MiB limit");
        }
        JsonNode node = parse(bytes, where);
        String inner = node.path("mediaType").asText(null);
        String type = inner != null ? inner : declaredType;
        if (type == null || !MediaTypes.isManifest(type)) {
            if (node.path("schemaVersion").asInt() == 1) {
                throw AirlockException.usage(where + ": Docker schema 1 manifests are not supported; rebuild or re-push the image");
            }
            if (type == null && node.has("manifests")) {
                type = MediaTypes.OCI_INDEX;
            } else if (type == null && node.has("layers")) {
                type = MediaTypes.OCI_MANIFEST;
            } else {
                throw AirlockException.usage(where + ": unsupported manifest media type '" + type + "'");
            }
        }
        return new RawManifest(bytes.clone(), SharedText.of(type), Digest.sha256Of(bytes));
    }

    private static JsonNode parse(byte[] bytes, String where) {
        try {
            JsonNode node = dev.airlock.io.BoundedJsonTree.read(JSON, bytes, MAX_VALUES);
            if (node == null || !node.isObject()) {
                throw AirlockException.malformed(where + ": manifest is not a JSON object");
            }
            return node;
        } catch (dev.airlock.io.BoundedJsonTree.TooManyValues e) {
            throw AirlockException.malformed(where + ": manifest has " + e.getMessage() + "; no image manifest or index has so many");
        } catch (IOException e) {
            throw AirlockException.malformed(where + ": manifest is not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    public byte[] bytes() {
        return bytes.clone();
    }

    /** The bytes without a copy; callers must not modify them. */
    public byte[] bytesUnsafe() {
        return bytes;
    }

    public String mediaType() {
        return mediaType;
    }

    public Digest digest() {
        return digest;
    }

    public long size() {
        return bytes.length;
    }

    public boolean isIndex() {
        return MediaTypes.isIndex(mediaType);
    }

    /** For an index or manifest list: its child manifests, every platform. */
    public List<Descriptor> children() {
        if (!isIndex()) {
            return List.of();
        }
        JsonNode list = parse(bytes, digest.toString()).path("manifests");
        List<Descriptor> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            Descriptor d = Descriptor.fromJson(list.get(i), digest + " manifests[" + i + "]");
            if (d.mediaType() == null || !MediaTypes.isManifest(d.mediaType())) {
                throw AirlockException.usage(digest + " manifests[" + i + "]: unsupported child media type '" + d.mediaType() + "'");
            }
            out.add(d);
        }
        return out;
    }

    /** For an image manifest: its config then its layers, in manifest order. */
    public List<Descriptor> blobs() {
        if (isIndex()) {
            return List.of();
        }
        JsonNode node = parse(bytes, digest.toString());
        List<Descriptor> out = new ArrayList<>();
        out.add(Descriptor.fromJson(node.get("config"), digest + " config"));
        JsonNode layers = node.path("layers");
        for (int i = 0; i < layers.size(); i++) {
            out.add(Descriptor.fromJson(layers.get(i), digest + " layers[" + i + "]"));
        }
        return out;
    }

    /** The manifest this one attaches to (OCI 1.1 {@code subject}), if it names one. */
    public Optional<Descriptor> subject() {
        JsonNode subject = parse(bytes, digest.toString()).get("subject");
        return subject == null || subject.isNull() ? Optional.empty() : Optional.of(Descriptor.fromJson(subject, digest + " subject"));
    }

    /** Its {@code artifactType}, else (an image manifest) its config's media type, else null: the referrers API's rule. */
    public String artifactType() {
        JsonNode node = parse(bytes, digest.toString());
        String own = node.path("artifactType").asText(null);
        return own != null ? own : node.path("config").path("mediaType").asText(null);
    }

    /** Its own annotations (string values only), in document order; empty when it has none. */
    public Map<String, String> annotations() {
        return stringMap(parse(bytes, digest.toString()).get("annotations"));
    }

    /** Describes this manifest as an entry of a referrers list. */
    public Referrer asReferrer() {
        return new Referrer(mediaType, digest, size(), artifactType(), annotations());
    }

    /** The entries of a referrers index (the referrers API's answer, or the referrers tag schema's index). */
    public List<Referrer> referrers() {
        JsonNode list = parse(bytes, digest.toString()).path("manifests");
        List<Referrer> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode entry = list.get(i);
            Descriptor d = Descriptor.fromJson(entry, digest + " manifests[" + i + "]");
            out.add(new Referrer(d.mediaType(), d.digest(), d.size(), entry.path("artifactType").asText(null),
                    stringMap(entry.get("annotations"))));
        }
        return out;
    }

    private static Map<String, String> stringMap(JsonNode node) {
        Map<String, String> out = new LinkedHashMap<>();
        if (node != null && node.isObject()) {
            node.fields().forEachRemaining(e -> {
                if (e.getValue().isTextual()) {
                    out.put(e.getKey(), e.getValue().asText());
                }
            });
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RawManifest m && Arrays.equals(m.bytes, bytes) && m.mediaType.equals(mediaType);
    }

    @Override
    public int hashCode() {
        return digest.hashCode();
    }
}
