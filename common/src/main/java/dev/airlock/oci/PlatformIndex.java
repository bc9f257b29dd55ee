package dev.airlock.oci;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.error.AirlockException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The entries of an index (or Docker manifest list) by platform, and which of them a
 * {@link PlatformMatcher} keeps. An entry of a platform is kept when it matches. An entry that is
 * no platform's image but refers to one (BuildKit's attestation manifests: platform
 * {@code unknown/unknown}, annotation {@value #REFERENCE_DIGEST} naming the image they describe)
 * follows the entry it refers to. Any other entry without a platform (an index of artifacts, say)
 * is kept: nothing says which platform it belongs to.
 */
public final class PlatformIndex {
    /** BuildKit's annotation on an attestation manifest: the digest of the platform image it describes. */
    public static final String REFERENCE_DIGEST = "vnd.docker.reference.digest";
    /** The annotation a rewritten index carries ({@link IndexRewriter}): the digest of the index it was cut from. */
    public static final String SOURCE_INDEX = "dev.airlock.source-index";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonFactory FACTORY = JSON.getFactory();

    /**
     * One entry of an index: its position, descriptor, platform (null when it has none or is
     * {@code unknown/unknown}), the digest it refers to (null if none) and its exact JSON bytes.
     */
    public record Entry(int position, Descriptor descriptor, Platform platform, String refersTo, byte[] json) {
        public Entry {
            json = json.clone();
        }

        @Override
        public byte[] json() {
            return json.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Entry e && e.position == position && Arrays.equals(e.json, json);
        }

        @Override
        public int hashCode() {
            return position * 31 + Arrays.hashCode(json);
        }
    }

    /**
     * What a matcher keeps of one index.
     *
     * @param available every platform the index lists, in index order, each once
     * @param chosen the platforms kept, in index order
     */
    public record Choice(RawManifest index, List<Entry> kept, List<Entry> leftOut, List<String> available, List<String> chosen) {
        /** Every entry kept (or the index lists no platform at all): the source index lands unchanged. */
        public boolean keepsAll() {
            return leftOut.isEmpty();
        }

        /** The index lists platforms, but none the matcher chose. */
        public boolean keepsNone() {
            return !available.isEmpty() && chosen.isEmpty();
        }
    }

    private PlatformIndex() {
    }

    /** Splits an index into its entries, each with its exact bytes as they stand in the index. */
    public static List<Entry> entries(RawManifest index) {
        byte[] bytes = index.bytesUnsafe();
        List<Entry> out = new ArrayList<>();
        try (JsonParser p = FACTORY.createParser(bytes)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw AirlockException.malformed(index.digest() + ": not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.getCurrentName();
                JsonToken value = p.nextToken();
                if (!name.equals("manifests") || value != JsonToken.START_ARRAY) {
                    p.skipChildren();
                    continue;
                }
                while (p.nextToken() == JsonToken.START_OBJECT) {
                    int start = (int) p.getTokenLocation().getByteOffset();
                    p.skipChildren();
                    int end = (int) p.getCurrentLocation().getByteOffset();
                    out.add(entry(index, out.size(), Arrays.copyOfRange(bytes, start, end)));
                }
            }
        } catch (IOException e) {
            throw AirlockException.malformed(index.digest() + ": index is not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        return out;
    }

    private static Entry entry(RawManifest index, int at, byte[] json) throws IOException {
        JsonNode node = JSON.readTree(json);
        Descriptor d = Descriptor.fromJson(node, index.digest() + " manifests[" + at + "]");
        JsonNode p = node.get("platform");
        Platform platform = null;
        if (p != null && p.isObject() && !p.path("os").asText("").isBlank() && !p.path("architecture").asText("").isBlank()
                && !(p.path("os").asText().equals("unknown") && p.path("architecture").asText().equals("unknown"))) {
            platform = new Platform(p.path("os").asText(), p.path("architecture").asText(), p.path("variant").asText(null));
        }
        String refersTo = node.path("annotations").path(REFERENCE_DIGEST).asText(null);
        return new Entry(at, d, platform, refersTo, json);
    }

    /** Which entries of {@code index} the matcher keeps; see the class comment for the rules. */
    public static Choice choose(RawManifest index, PlatformMatcher matcher) {
        List<Entry> entries = entries(index);
        Set<String> available = new LinkedHashSet<>();
        Set<String> chosen = new LinkedHashSet<>();
        Set<String> keptImages = new HashSet<>();
        for (Entry e : entries) {
            if (e.platform() != null) {
                available.add(e.platform().toString());
                if (matcher.matches(e.platform())) {
                    chosen.add(e.platform().toString());
                    keptImages.add(e.descriptor().digest().toString());
                }
            }
        }
        List<Entry> kept = new ArrayList<>();
        List<Entry> leftOut = new ArrayList<>();
        for (Entry e : entries) {
            boolean keep = e.platform() != null ? keptImages.contains(e.descriptor().digest().toString())
                    : e.refersTo() == null || keptImages.contains(e.refersTo()) || available.isEmpty();
            (keep ? kept : leftOut).add(e);
        }
        return new Choice(index, kept, leftOut, List.copyOf(available), List.copyOf(chosen));
    }

    /** For messages: "1 of 8 platforms". */
    public static String count(Choice c) {
        return c.chosen().size() + " of " + c.available().size() + (c.available().size() == 1 ? " platform" : " platforms");
    }

}
