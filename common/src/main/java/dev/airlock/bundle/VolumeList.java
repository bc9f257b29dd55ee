package dev.airlock.bundle;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.digest.Digest;
import dev.airlock.error.AirlockException;
import dev.airlock.io.BoundedFiles;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code NAME.volumes.json}: the list of a bundle written as volumes ({@code NAME.tar.000},
 * {@code .001}, …, consecutive byte ranges of the one tar, so that {@code cat NAME.tar.* >
 * NAME.tar} gives the single-file bundle). It names each volume with its size and sha256, the
 * bundle's total size and the bundle's digest (sha256 of its bundle.json), and is signed by the
 * bundle's keys ({@code NAME.volumes.json.asc}), so a missing, short, extra, swapped or damaged
 * volume is found and named before anything is reassembled or pushed.
 */
public record VolumeList(String format, String channel, long sequence, String bundle, String bundleDigest, long size,
        long volumeSize, List<Volume> volumes) {

    public static final String FORMAT = "airlock-volumes/v1";
    public static final String SUFFIX = ".volumes.json";
    /**
     * The most volumes a set may have: 50 GB in volumes of the smallest size (1 MB), 200 TB in
     * DVD-sized ones. The exporter refuses to write more; the list of that many, even with the
     * longest bundle name, stays below {@link #MAX_BYTES}.
     */
    public static final int MAX_VOLUMES = 50_000;
    /** The largest list read ({@link BoundedFiles#VOLUME_LIST}); anything bigger is not ours. */
    public static final long MAX_BYTES = BoundedFiles.VOLUME_LIST.maxBytes();
    private static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,200}\\.tar");
    private static final Set<String> FIELDS = Set.of("format", "channel", "sequence", "bundle", "bundleDigest", "size", "volumeSize",
            "volumes");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);

    /** One volume: its file name, its size in bytes and the sha256 of its bytes. */
    public record Volume(String name, long size, String digest) {
    }

    /** {@code NAME.tar.NNN}: three digits, more when the set needs them, the same width for all (so a shell glob lists them in order). */
    public static String volumeName(String bundleFile, int index, int count) {
        int width = Math.max(3, String.valueOf(Math.max(0, count - 1)).length());
        return bundleFile + "." + String.format("%0" + width + "d", index);
    }

    /** {@code NAME.volumes.json} for the bundle file {@code NAME.tar}. */
    public static String listName(String bundleFile) {
        return stem(bundleFile) + SUFFIX;
    }

    /** {@code NAME} of {@code NAME.tar}. */
    public static String stem(String bundleFile) {
        return bundleFile.endsWith(".tar") ? bundleFile.substring(0, bundleFile.length() - 4) : bundleFile;
    }

    /** How many volumes of at most {@code volumeSize} bytes a bundle of {@code total} bytes takes. */
    public static long count(long total, long volumeSize) {
        return Math.max(1, (total + volumeSize - 1) / volumeSize);
    }

    public byte[] toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("format", format);
        o.put("channel", channel);
        o.put("sequence", sequence);
        o.put("bundle", bundle);
        o.put("bundleDigest", bundleDigest);
        o.put("size", size);
        o.put("volumeSize", volumeSize);
        ArrayNode list = o.putArray("volumes");
        for (Volume v : volumes) {
            list.addObject().put("name", v.name()).put("size", v.size()).put("digest", v.digest());
        }
        try {
            byte[] b = JSON.writeValueAsBytes(o);
            byte[] withNewline = java.util.Arrays.copyOf(b, b.length + 1);
            withNewline[b.length] = '\n';
            return withNewline;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Parses a list whose signature has been checked, refusing (kind MALFORMED_BUNDLE) anything the
     * format does not allow: unknown fields, names that are not this bundle's volumes in order, sizes
     * that do not add up, digests that are not sha256.
     */
    public static VolumeList parse(byte[] json, String where) {
        JsonNode root = root(json, where);
        String format = text(root, "format", where);
        if (!FORMAT.equals(format)) {
            throw bad(where, "has format '" + format + "', not " + FORMAT);
        }
        String channel = text(root, "channel", where);
        if (!BundleManifest.CHANNEL.matcher(channel).matches()) {
            throw bad(where, "names an invalid channel");
        }
        long sequence = number(root, "sequence", 1, where);
        String bundle = text(root, "bundle", where);
        if (!FILE_NAME.matcher(bundle).matches()) {
            throw bad(where, "names the bundle '" + bundle + "', which is not a plain file name ending in .tar");
        }
        String bundleDigest = text(root, "bundleDigest", where);
        if (!Digest.isValid(bundleDigest) || !bundleDigest.startsWith("sha256:")) {
            throw bad(where, "has a bundleDigest that is not a sha256 digest");
        }
        long size = number(root, "size", 1, where);
        long volumeSize = number(root, "volumeSize", 1, where);
        JsonNode array = root.get("volumes");
        if (array == null || !array.isArray() || array.isEmpty()) {
            throw bad(where, "lists no volumes");
        }
        if (array.size() > MAX_VOLUMES) {
            throw bad(where, "lists " + array.size() + " volumes, more than the " + MAX_VOLUMES + " a set may have");
        }
        if (array.size() != count(size, volumeSize)) {
            throw bad(where, "lists " + array.size() + " volumes, but a bundle of " + size + " bytes in volumes of " + volumeSize
                    + " takes " + count(size, volumeSize));
        }
        List<Volume> volumes = new ArrayList<>();
        long sum = 0;
        for (int i = 0; i < array.size(); i++) {
            Volume v = volume(array.get(i), i, array.size(), bundle, volumeSize, where);
            sum += v.size();
            volumes.add(v);
        }
        if (sum != size) {
            throw bad(where, "lists volumes of " + sum + " bytes in all, but a bundle size of " + size);
        }
        return new VolumeList(format, channel, sequence, bundle, bundleDigest, size, volumeSize, List.copyOf(volumes));
    }

    /** The list as a JSON object of known fields only, bounded in values before a tree is built. */
    private static JsonNode root(byte[] json, String where) {
        JsonNode root;
        try {
            // Unsigned where inspect and watch read it: bounded in values before a tree is built (red-team pass H).
            root = dev.airlock.io.BoundedJsonTree.read(JSON, json, 4L * MAX_VOLUMES + 16);
        } catch (dev.airlock.io.BoundedJsonTree.TooManyValues e) {
            throw bad(where, "has " + e.getMessage() + ", more than a list of at most " + MAX_VOLUMES + " volumes holds");
        } catch (IOException e) {
            throw bad(where, "is not JSON: " + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
        }
        if (root == null || !root.isObject()) {
            throw bad(where, "is not a JSON object");
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext();) {
            String f = it.next();
            if (!FIELDS.contains(f)) {
                throw bad(where, "has an unknown field '" + f + "'");
            }
        }
        return root;
    }

    /** Volume {@code i} of {@code count}: named as that volume of {@code bundle}, {@code volumeSize} bytes but the last, sha256. */
    private static Volume volume(JsonNode v, int i, int count, String bundle, long volumeSize, String where) {
        String at = "volumes[" + i + "]";
        if (!v.isObject() || v.size() != 3) {
            throw bad(where, at + " is not an object of name, size and digest");
        }
        String name = text(v, "name", where + " " + at);
        String expected = volumeName(bundle, i, count);
        if (!name.equals(expected)) {
            throw bad(where, at + " is named '" + name + "', but volume " + i + " of " + bundle + " is " + expected);
        }
        long s = number(v, "size", 1, where + " " + at);
        boolean last = i == count - 1;
        if (last ? s > volumeSize : s != volumeSize) {
            throw bad(where, at + " (" + name + ") is " + s + " bytes; every volume but the last is " + volumeSize
                    + " and the last at most that");
        }
        String digest = text(v, "digest", where + " " + at);
        if (!Digest.isValid(digest) || !digest.startsWith("sha256:")) {
            throw bad(where, at + " (" + name + ") has a digest that is not sha256");
        }
        return new Volume(name, s, digest);
    }

    private static String text(JsonNode o, String field, String where) {
        JsonNode v = o.get(field);
        if (v == null || !v.isTextual()) {
            throw bad(where, "has no string '" + field + "'");
        }
        return v.asText();
    }

    private static long number(JsonNode o, String field, long min, String where) {
        JsonNode v = o.get(field);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < min) {
            throw bad(where, "has no whole number '" + field + "' of at least " + min);
        }
        return v.asLong();
    }

    private static AirlockException bad(String where, String problem) {
        return AirlockException.malformed("the volume list " + where + " " + problem);
    }
}
