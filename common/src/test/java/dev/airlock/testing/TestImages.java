package dev.airlock.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.digest.Digest;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.RawManifest;
import dev.airlock.io.BlobContent;
import dev.airlock.registry.RegistryClient;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Test images made by the tests themselves: random layers (which do not compress), OCI and Docker
 * v2 manifests, multi-arch indexes with variants and annotations, and manifests with unusual
 * whitespace and key order. Pushed with the project's registry client.
 */
public final class TestImages {
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final String OCI_LAYER = "application/vnd.oci.image.layer.v1.tar";
    public static final String DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip";
    public static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
    public static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";

    private TestImages() {
    }

    /** A blob the tests can stream without holding it: deterministic pseudo-random bytes. */
    public record Layer(long seed, long size, Digest digest) {
        public static Layer random(long seed, long size) {
            MessageDigest md = Digest.newSha256();
            try (InputStream in = stream(seed, size)) {
                byte[] buf = new byte[1 << 16];
                int n;
                while ((n = in.read(buf)) > 0) {
                    md.update(buf, 0, n);
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            return new Layer(seed, size, Digest.sha256(md.digest()));
        }

        public InputStream open() {
            return stream(seed, size);
        }

        public byte[] bytes() throws IOException {
            try (InputStream in = open()) {
                return in.readAllBytes();
            }
        }
    }

    /** An image: its top manifest, child images (for an index) and its non-manifest blobs. */
    public record Image(RawManifest manifest, List<Image> children, Map<Digest, Object> blobs) {
        /** Every manifest, top first. */
        public List<RawManifest> allManifests() {
            List<RawManifest> out = new ArrayList<>(List.of(manifest));
            children.forEach(c -> out.addAll(c.allManifests()));
            return out;
        }
    }

    private static InputStream stream(long seed, long size) {
        SplittableRandom random = new SplittableRandom(seed);
        return new InputStream() {
            long left = size;

            @Override
            public int read() {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left <= 0) {
                    return -1;
                }
                int n = (int) Math.min(len, left);
                for (int i = 0; i < n; i += 8) {
                    long v = random.nextLong();
                    for (int j = 0; j < 8 && i + j < n; j++) {
                        b[off + i + j] = (byte) (v >>> (8 * j));
                    }
                }
                left -= n;
                return n;
            }
        };
    }

    /** A single-platform image, OCI or Docker v2 schema 2. */
    public static Image image(boolean oci, String arch, String variant, Layer... layers) {
        ObjectNode config = JSON.createObjectNode();
        config.put("architecture", arch);
        config.put("os", "linux");
        if (variant != null) {
            config.put("variant", variant);
        }
        ObjectNode rootfs = config.putObject("rootfs");
        rootfs.put("type", "layers");
        ArrayNode diffIds = rootfs.putArray("diff_ids");
        for (Layer l : layers) {
            diffIds.add(l.digest().toString());
        }
        byte[] configBytes = json(config);
        Map<Digest, Object> blobs = new LinkedHashMap<>();
        Digest configDigest = Digest.sha256Of(configBytes);
        blobs.put(configDigest, configBytes);

        ObjectNode m = JSON.createObjectNode();
        m.put("schemaVersion", 2);
        m.put("mediaType", oci ? MediaTypes.OCI_MANIFEST : MediaTypes.DOCKER_MANIFEST);
        ObjectNode c = m.putObject("config");
        c.put("mediaType", oci ? OCI_CONFIG : DOCKER_CONFIG);
        c.put("digest", configDigest.toString());
        c.put("size", configBytes.length);
        ArrayNode ls = m.putArray("layers");
        for (Layer l : layers) {
            ObjectNode d = ls.addObject();
            d.put("mediaType", oci ? OCI_LAYER : DOCKER_LAYER);
            d.put("digest", l.digest().toString());
            d.put("size", l.size());
            blobs.put(l.digest(), l);
        }
        if (oci) {
            m.putObject("annotations").put("org.opencontainers.image.title", "airlock test " + arch);
        }
        return new Image(RawManifest.of(json(m), null, "test"), List.of(), blobs);
    }

    /**
     * An OCI manifest written by hand with odd whitespace, key order and an unknown field, so a
     * re-serializing tool would change its digest.
     */
    public static Image oddlyFormatted(Layer layer) {
        byte[] configBytes = "{\"os\":\"linux\",\"architecture\":\"amd64\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"%s\"]}}"
                .formatted(layer.digest()).getBytes(StandardCharsets.UTF_8);
        Digest configDigest = Digest.sha256Of(configBytes);
        String text = "{\n\t\"layers\" : [ {\"size\":%d ,  \"digest\":\"%s\",\"mediaType\":\"%s\"} ],\r\n"
                + "   \"x-airlock-unknown\": {\"kept\": [1, 2.50, true]},\n"
                + "\"config\":{\"size\":  %d,\"mediaType\":\"%s\",\"digest\":\"%s\"},\"mediaType\":\"%s\",   \"schemaVersion\":2 }\n\n";
        byte[] bytes = text.formatted(layer.size(), layer.digest(), OCI_LAYER, configBytes.length, OCI_CONFIG, configDigest,
                MediaTypes.OCI_MANIFEST).getBytes(StandardCharsets.UTF_8);
        Map<Digest, Object> blobs = new LinkedHashMap<>();
        blobs.put(configDigest, configBytes);
        blobs.put(layer.digest(), layer);
        return new Image(RawManifest.of(bytes, null, "test"), List.of(), blobs);
    }

    /** A multi-platform index (OCI) or manifest list (Docker) over images made by {@link #image}. */
    public static Image index(boolean oci, List<Image> children, List<String[]> platforms) {
        ObjectNode idx = JSON.createObjectNode();
        idx.put("schemaVersion", 2);
        idx.put("mediaType", oci ? MediaTypes.OCI_INDEX : MediaTypes.DOCKER_LIST);
        ArrayNode list = idx.putArray("manifests");
        for (int i = 0; i < children.size(); i++) {
            RawManifest m = children.get(i).manifest();
            ObjectNode d = list.addObject();
            d.put("mediaType", m.mediaType());
            d.put("digest", m.digest().toString());
            d.put("size", m.size());
            ObjectNode p = d.putObject("platform");
            p.put("architecture", platforms.get(i)[0]);
            p.put("os", "linux");
            if (platforms.get(i).length > 1) {
                p.put("variant", platforms.get(i)[1]);
            }
            if (oci) {
                d.putObject("annotations").put("org.example.platform-note", "built for " + String.join("/", platforms.get(i)));
            }
        }
        if (oci) {
            idx.putObject("annotations").put("org.opencontainers.image.description", "multi-arch test index");
        }
        return new Image(RawManifest.of(json(idx), null, "test"), List.copyOf(children), Map.of());
    }

    /**
     * An artifact attached to {@code subject} the way OCI 1.1 tools write one: {@code artifactType},
     * the empty config ({@code application/vnd.oci.empty.v1+json}, the 2 bytes "{}"), one layer of
     * {@code layerType} holding {@code content}, manifest annotations, and {@code subject} unless
     * null (a cosign legacy-tag signature has none).
     */
    public static Image artifact(String artifactType, RawManifest subject, String layerType, byte[] content,
            Map<String, String> annotations) {
        byte[] empty = "{}".getBytes(StandardCharsets.UTF_8);
        Map<Digest, Object> blobs = new LinkedHashMap<>();
        blobs.put(Digest.sha256Of(empty), empty);
        blobs.put(Digest.sha256Of(content), content.clone());
        ObjectNode m = JSON.createObjectNode();
        m.put("schemaVersion", 2);
        m.put("mediaType", MediaTypes.OCI_MANIFEST);
        if (artifactType != null) {
            m.put("artifactType", artifactType);
        }
        ObjectNode c = m.putObject("config");
        c.put("mediaType", "application/vnd.oci.empty.v1+json");
        c.put("digest", Digest.sha256Of(empty).toString());
        c.put("size", empty.length);
        ObjectNode l = m.putArray("layers").addObject();
        l.put("mediaType", layerType);
        l.put("digest", Digest.sha256Of(content).toString());
        l.put("size", content.length);
        if (subject != null) {
            ObjectNode sd = m.putObject("subject");
            sd.put("mediaType", subject.mediaType());
            sd.put("digest", subject.digest().toString());
            sd.put("size", subject.size());
        }
        if (!annotations.isEmpty()) {
            ObjectNode a = m.putObject("annotations");
            annotations.forEach(a::put);
        }
        return new Image(RawManifest.of(json(m), null, "test"), List.of(), blobs);
    }

    /**
     * The referrers tag schema's index for a subject: an OCI index listing {@code referrers}, each
     * with its artifactType and annotations, as oras and regclient write it at {@code sha256-<hex>}.
     */
    public static RawManifest referrersIndex(List<RawManifest> referrers) {
        ObjectNode idx = JSON.createObjectNode();
        idx.put("schemaVersion", 2);
        idx.put("mediaType", MediaTypes.OCI_INDEX);
        ArrayNode list = idx.putArray("manifests");
        for (RawManifest r : referrers) {
            ObjectNode d = list.addObject();
            d.put("mediaType", r.mediaType());
            d.put("digest", r.digest().toString());
            d.put("size", r.size());
            if (r.artifactType() != null) {
                d.put("artifactType", r.artifactType());
            }
            if (!r.annotations().isEmpty()) {
                ObjectNode a = d.putObject("annotations");
                r.annotations().forEach(a::put);
            }
        }
        return RawManifest.of(json(idx), null, "test");
    }

    /** Pushes blobs, then child manifests, then the top manifest under {@code tag}. */
    public static void push(RegistryClient client, String host, String repository, String tag, Image image) {
        RegistryClient.Repository repo = client.repository(host, repository);
        pushTree(repo, image);
        repo.putManifest(tag, image.manifest());
    }

    private static void pushTree(RegistryClient.Repository repo, Image image) {
        for (Image child : image.children()) {
            pushTree(repo, child);
        }
        for (Map.Entry<Digest, Object> b : image.blobs().entrySet()) {
            long size;
            BlobContent content;
            if (b.getValue() instanceof byte[] bytes) {
                size = bytes.length;
                content = offset -> new ByteArrayInputStream(bytes, (int) offset, bytes.length - (int) offset);
            } else {
                Layer l = (Layer) b.getValue();
                size = l.size();
                content = offset -> {
                    InputStream in = l.open();
                    in.skipNBytes(offset);
                    return in;
                };
            }
            repo.pushBlob(b.getKey(), size, content, 0);
        }
        repo.putManifest(image.manifest().digest().toString(), image.manifest());
    }

    private static byte[] json(Object node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
