package dev.airlock.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.bundle.BundleManifest;
import dev.airlock.digest.Digest;
import dev.airlock.error.AirlockException;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.ImageTree;
import dev.airlock.oci.RawManifest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * What a bundle holds, for an approver: its place in the chain, who signed it, and each image with
 * its platforms, manifest digest and size (config and layers, carried or left to earlier
 * bundles). Built from data that is already trusted — a verified bundle's manifests, or the
 * exporter's own — and never from bundle.json alone.
 *
 * @param changes what changed since the parent bundle, or null when that is not known (the
 *                importer's listing; an exporter whose ledger has no parent)
 */
public record BundleContents(String channel, long sequence, BundleManifest.Parent parent, String created, String tool,
        List<String> signers, List<ImageInfo> images, int carriedBlobs, long carriedBytes, int requiredBlobs, long requiredBytes,
        List<Change> changes) {

    /** Shown for a platform whose config the bundle does not carry (a delta leaves it to an earlier bundle). */
    public static final String CONFIG_ELSEWHERE = "unknown (config in an earlier bundle)";
    /** Configs bigger than this are not read for their platform (real ones are a few KiB). */
    static final long MAX_CONFIG = 1 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One image. {@code size} is its config and layer blobs, each counted once (for an index,
     * across every platform); {@code carriedBytes} of them are in this bundle, the rest
     * ({@code requiredBytes}) were carried by earlier bundles. Manifests are not counted: every
     * bundle carries them. {@code attached}: what bundle.json lists as crossing with the image
     * (signatures, attestations, SBOMs, referrers), each a manifest the bundle carries.
     */
    public record ImageInfo(String source, String digest, String mediaType, List<String> platforms, long size, int blobs,
            long carriedBytes, int carriedBlobs, long requiredBytes, int requiredBlobs, List<BundleManifest.Attachment> attached,
            String platformCut, BundleManifest.Upstream upstream) {
        public ImageInfo {
            attached = attached == null ? List.of() : List.copyOf(attached);
        }

        /** @param platformCut how its index was cut to some platforms ({@link PlatformSummary}), null when whole */
        public ImageInfo(String source, String digest, String mediaType, List<String> platforms, long size, int blobs,
                long carriedBytes, int carriedBlobs, long requiredBytes, int requiredBlobs, List<BundleManifest.Attachment> attached) {
            this(source, digest, mediaType, platforms, size, blobs, carriedBytes, carriedBlobs, requiredBytes, requiredBlobs, attached, null,
                    null);
        }
    }

    /**
     * One image's change between two sets: {@code added}, {@code removed}, {@code changed} or
     * {@code unchanged}; a digest is null where the image is absent. {@code newAttached}: how many
     * of the image's attachments the channel has not carried before — a change an approver must
     * see even when the image itself is unchanged; {@code newAttachedDigests}: their manifest
     * digests, or null where only their number is known.
     */
    public record Change(String source, String change, String previousDigest, String digest,
            @com.fasterxml.jackson.annotation.JsonIgnore int newAttached,
            @com.fasterxml.jackson.annotation.JsonIgnore Set<String> newAttachedDigests) {
        public Change {
            newAttachedDigests = newAttachedDigests == null ? null : Set.copyOf(newAttachedDigests);
        }

        public Change(String source, String change, String previousDigest, String digest) {
            this(source, change, previousDigest, digest, 0, null);
        }

        /** True when {@code a} is known to be new on the channel. */
        public boolean isNew(BundleManifest.Attachment a) {
            return newAttachedDigests != null && newAttachedDigests.contains(a.digest());
        }

        /** True when the image or what hangs off it changed. */
        public boolean changedAnything() {
            return !change.equals("unchanged") || newAttached > 0;
        }
    }

    /**
     * Reads a config blob's bytes, or returns null when they are not at hand (not carried, or too
     * big); whatever it returns must already be checked against the descriptor's digest.
     */
    @FunctionalInterface
    public interface ConfigReader {
        byte[] read(Descriptor config);
    }

    public boolean isFull() {
        return parent == null;
    }

    /**
     * @param trees     each image's tree (its manifests, already checked against their digests)
     * @param configs   the config blobs the bundle carries (others are not asked for)
     */
    public static BundleContents of(BundleManifest m, List<String> signers, Function<BundleManifest.Image, ImageTree> trees,
            ConfigReader configs, List<Change> changes) {
        Map<Digest, Long> carried = new HashMap<>();
        for (BundleManifest.Blob b : m.blobs()) {
            carried.put(Digest.parse(b.digest()), b.size());
        }
        Set<Digest> required = new HashSet<>();
        m.requires().forEach(r -> required.add(Digest.parse(r)));
        Map<Digest, Long> requiredSizes = new LinkedHashMap<>();
        List<ImageInfo> images = new ArrayList<>();
        for (BundleManifest.Image image : m.images()) {
            ImageTree tree = trees.apply(image);
            long size = 0;
            long carriedBytes = 0;
            int carriedCount = 0;
            for (Descriptor d : tree.blobs().values()) {
                size += d.size();
                Long listed = carried.get(d.digest());
                if (listed == null && !required.contains(d.digest())) {
                    throw AirlockException.malformed(image.source() + " references blob " + d.digest()
                            + " that the bundle neither carries nor requires");
                }
                if (listed != null && listed != d.size()) {
                    throw AirlockException.malformed("blob " + d.digest() + " is " + listed + " bytes in bundle.json but " + d.size()
                            + " in the manifest of " + image.source());
                }
                if (listed != null) {
                    carriedBytes += d.size();
                    carriedCount++;
                } else if (required.contains(d.digest())) {
                    requiredSizes.put(d.digest(), d.size());
                }
            }
            int n = tree.blobs().size();
            images.add(new ImageInfo(image.source(), image.digest(), image.mediaType(), platforms(tree, carried.keySet(), configs),
                    size, n, carriedBytes, carriedCount, size - carriedBytes, n - carriedCount, image.attached(), PlatformSummary.of(image),
                    image.upstream()));
        }
        dev.airlock.bundle.BlobCount count = dev.airlock.bundle.BlobCount.of(m);
        long requiredBytes = requiredSizes.values().stream().mapToLong(Long::longValue).sum();
        return new BundleContents(m.channel(), m.sequence(), m.parent(), m.created(), m.tool(), List.copyOf(signers), images,
                count.blobs(), count.blobBytes(), m.requires().size(), requiredBytes, changes == null ? null : List.copyOf(changes));
    }

    /**
     * An index names each child's platform itself; a child without one, and a single-platform
     * image, are read from their config (os, architecture, variant) when the bundle carries it.
     */
    private static List<String> platforms(ImageTree tree, Set<Digest> carried, ConfigReader configs) {
        RawManifest top = tree.top();
        List<String> out = new ArrayList<>();
        if (!top.isIndex()) {
            out.add(fromConfig(top, carried, configs));
            return out;
        }
        JsonNode list = parse(top.bytesUnsafe()).path("manifests");
        for (int i = 0; i < list.size(); i++) {
            JsonNode p = list.get(i).path("platform");
            if (p.isObject() && p.hasNonNull("os") && p.hasNonNull("architecture")) {
                boolean carriedHere = tree.manifests().containsKey(Digest.parse(list.get(i).path("digest").asText()));
                out.add(format(p) + (carriedHere ? "" : " (not carried)"));
                continue;
            }
            RawManifest child = tree.manifests().get(Digest.parse(list.get(i).path("digest").asText()));
            // a sparse index's children left out (--platform-index sparse) are not in the tree
            out.add(child == null ? "not carried" : child.isIndex() ? "index" : fromConfig(child, carried, configs));
        }
        return out;
    }

    private static String fromConfig(RawManifest manifest, Set<Digest> carried, ConfigReader configs) {
        Descriptor config = manifest.blobs().get(0);
        if (!carried.contains(config.digest())) {
            return CONFIG_ELSEWHERE;
        }
        byte[] bytes = config.size() > MAX_CONFIG ? null : configs.read(config);
        JsonNode c = bytes == null ? null : parse(bytes);
        if (c == null || !c.hasNonNull("os") || !c.hasNonNull("architecture")) {
            return "unknown";
        }
        return format(c);
    }

    /** {@code os/arch[/variant]}; any character a platform name does not use is shown as '?' (the text is the publisher's). */
    private static String format(JsonNode p) {
        String variant = p.path("variant").asText("");
        String s = p.path("os").asText() + "/" + p.path("architecture").asText() + (variant.isEmpty() ? "" : "/" + variant);
        return s.length() > 100 ? s.substring(0, 100).replaceAll("[^A-Za-z0-9._/-]", "?") + "…" : s.replaceAll("[^A-Za-z0-9._/-]", "?");
    }

    private static JsonNode parse(byte[] bytes) {
        try {
            JsonNode n = JSON.readTree(bytes);
            return n == null ? JSON.createObjectNode() : n;
        } catch (IOException e) {
            return JSON.createObjectNode(); // a config that is not JSON names no platform
        }
    }
}
