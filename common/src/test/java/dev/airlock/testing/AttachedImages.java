package dev.airlock.testing;

import dev.airlock.bundle.BundleManifest;
import dev.airlock.bundle.BundleNames;
import dev.airlock.crypto.BundleSigner;
import dev.airlock.digest.Digest;
import dev.airlock.oci.ImageTree;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.RawManifest;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Hand-made images and what hangs off them — a cosign signature under its {@code .sig} tag, an
 * attestation under {@code .att}, an SPDX SBOM as an OCI referrer — as the bytes and bundle.json
 * entries an exporter would write, and a signed bundle file of them. No registry: for tests of
 * what people are shown about attachments (report, list, diff).
 */
public final class AttachedImages {
    public static final String EMPTY = "application/vnd.oci.empty.v1+json";

    private AttachedImages() {
    }

    /** A blob's bytes and media type. */
    public record Blob(byte[] bytes, String mediaType) {
        public Digest digest() {
            return Digest.sha256Of(bytes);
        }

        String descriptor() {
            return "{\"mediaType\":\"" + mediaType + "\",\"digest\":\"" + digest() + "\",\"size\":" + bytes.length + "}";
        }

        public BundleManifest.Blob listed() {
            return new BundleManifest.Blob(digest().toString(), bytes.length, mediaType);
        }
    }

    /** A manifest and the config and layer blobs it names. */
    public record Made(RawManifest manifest, List<Blob> blobs) {
        public Digest digest() {
            return manifest.digest();
        }

        public ImageTree tree() {
            return ImageTree.walk(manifest, d -> {
                throw new IllegalStateException("a single manifest has no children");
            });
        }

        public Blob self() {
            return new Blob(manifest.bytesUnsafe(), manifest.mediaType());
        }
    }

    /** A linux/amd64 OCI image whose one layer is {@code seed}'s bytes. */
    public static Made image(String seed) {
        Blob config = new Blob(("{\"architecture\":\"amd64\",\"os\":\"linux\",\"seed\":\"" + seed + "\"}").getBytes(StandardCharsets.UTF_8),
                "application/vnd.oci.image.config.v1+json");
        Blob layer = new Blob(("layer of " + seed).getBytes(StandardCharsets.UTF_8), "application/vnd.oci.image.layer.v1.tar");
        return manifest(null, null, config, layer);
    }

    /** A cosign signature of {@code subject} (the simple-signing payload as its layer), as {@code cosign sign} writes it. */
    public static Made signature(Digest subject, String key) {
        Blob config = new Blob(("{\"key\":\"" + key + "\"}").getBytes(StandardCharsets.UTF_8), "application/vnd.oci.image.config.v1+json");
        Blob payload = new Blob(("{\"critical\":{\"image\":{\"docker-manifest-digest\":\"" + subject + "\"}},\"k\":\"" + key + "\"}")
                .getBytes(StandardCharsets.UTF_8), "application/vnd.dev.cosign.simplesigning.v1+json");
        return manifest(null, null, config, payload);
    }

    /** An in-toto attestation of {@code predicate} about {@code subject}, as under cosign's {@code .att} tag. */
    public static Made attestation(Digest subject, String predicate) {
        Blob config = new Blob(("{\"att\":\"" + subject + "\"}").getBytes(StandardCharsets.UTF_8), "application/vnd.oci.image.config.v1+json");
        Blob envelope = new Blob(("{\"payloadType\":\"application/vnd.in-toto+json\",\"p\":\"" + predicate + "\"}")
                .getBytes(StandardCharsets.UTF_8), "application/vnd.dsse.envelope.v1+json");
        return manifest(null, null, config, envelope);
    }

    /** An SPDX SBOM attached to {@code subject} as an OCI 1.1 referrer (artifactType, empty config, subject). */
    public static Made sbom(Made subject, String name) {
        Blob config = new Blob("{}".getBytes(StandardCharsets.UTF_8), EMPTY);
        Blob doc = new Blob(("{\"spdxVersion\":\"SPDX-2.3\",\"name\":\"" + name + "\"}").getBytes(StandardCharsets.UTF_8),
                "application/spdx+json");
        return manifest("application/spdx+json", subject, config, doc);
    }

    private static Made manifest(String artifactType, Made subject, Blob config, Blob layer) {
        String json = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\""
                + (artifactType == null ? "" : ",\"artifactType\":\"" + artifactType + "\"")
                + ",\"config\":" + config.descriptor() + ",\"layers\":[" + layer.descriptor() + "]"
                + (subject == null ? "" : ",\"subject\":" + subject.self().descriptor()) + "}";
        return new Made(RawManifest.of(json.getBytes(StandardCharsets.UTF_8), MediaTypes.OCI_MANIFEST, "test"), List.of(config, layer));
    }

    /** bundle.json's entry for an attachment found under its cosign tag ({@code suffix}: sig, att, sbom). */
    public static BundleManifest.Attachment tagged(Made subject, Made attachment, String suffix, String kind, String detail) {
        return new BundleManifest.Attachment(subject.digest().toString(), attachment.digest().toString(), MediaTypes.OCI_MANIFEST,
                null, subject.digest().toString().replace(':', '-') + "." + suffix, false, kind, detail);
    }

    /** bundle.json's entry for an attachment found as a referrer of {@code subject}. */
    public static BundleManifest.Attachment referrer(Made subject, Made attachment, String artifactType, String kind, String detail) {
        return new BundleManifest.Attachment(subject.digest().toString(), attachment.digest().toString(), MediaTypes.OCI_MANIFEST,
                artifactType, null, true, kind, detail);
    }

    /** bundle.json's entry for an image at {@code registry.test/REPO:TAG}. */
    public static BundleManifest.Image entry(String repository, String tag, Made image, List<BundleManifest.Attachment> attached) {
        return new BundleManifest.Image("registry.test/" + repository + ":" + tag, "registry.test", repository, tag,
                image.digest().toString(), MediaTypes.OCI_MANIFEST, attached);
    }

    /**
     * A full bundle's bundle.json carrying every manifest and blob of {@code made} (each once),
     * format v1.1 when an image lists attachments.
     */
    public static BundleManifest manifest(String channel, long sequence, List<BundleManifest.Image> images, List<Made> made) {
        Map<String, BundleManifest.Blob> blobs = new LinkedHashMap<>();
        for (Made m : made) {
            m.blobs().forEach(b -> blobs.putIfAbsent(b.digest().toString(), b.listed()));
            blobs.putIfAbsent(m.digest().toString(), m.self().listed());
        }
        String format = images.stream().anyMatch(i -> !i.attached().isEmpty()) ? BundleManifest.FORMAT_ATTACHED : BundleManifest.FORMAT;
        return new BundleManifest(format, channel, sequence, null, "2026-12-07T06:00:00Z", "test",
                new BundleManifest.Layout(ref(layout()), ref(index(images, blobs.values()))), images, new ArrayList<>(blobs.values()), List.of());
    }

    /**
     * A delta's bundle.json following {@code sequence - 1}: every manifest carried (every bundle
     * carries them), the blobs of {@code fresh} carried, those of {@code old} left to earlier bundles.
     */
    public static BundleManifest delta(String channel, long sequence, List<BundleManifest.Image> images, List<Made> fresh,
            List<Made> old) {
        Map<String, BundleManifest.Blob> blobs = new LinkedHashMap<>();
        List<String> requires = new ArrayList<>();
        for (Made m : old) {
            m.blobs().forEach(b -> {
                if (!requires.contains(b.digest().toString())) {
                    requires.add(b.digest().toString());
                }
            });
            blobs.putIfAbsent(m.digest().toString(), m.self().listed());
        }
        for (Made m : fresh) {
            m.blobs().forEach(b -> blobs.putIfAbsent(b.digest().toString(), b.listed()));
            blobs.putIfAbsent(m.digest().toString(), m.self().listed());
        }
        requires.removeAll(blobs.keySet());
        String format = images.stream().anyMatch(i -> !i.attached().isEmpty()) ? BundleManifest.FORMAT_ATTACHED : BundleManifest.FORMAT;
        return new BundleManifest(format, channel, sequence, new BundleManifest.Parent(sequence - 1, Digest.sha256Of(new byte[0]).toString()),
                "2026-12-07T06:00:00Z", "test", new BundleManifest.Layout(ref(layout()), ref(index(images, blobs.values()))), images,
                new ArrayList<>(blobs.values()), requires);
    }

    /** Writes {@code m} signed by {@code signer} as the bundle file {@code dir/CHANNEL-NNNNNN.airlock.tar}, in the format's entry order. */
    public static Path write(Path dir, BundleManifest m, List<Made> made, BundleSigner signer) throws IOException {
        Map<String, byte[]> bytes = new LinkedHashMap<>();
        for (Made x : made) {
            x.blobs().forEach(b -> bytes.putIfAbsent(b.digest().toString(), b.bytes()));
            bytes.putIfAbsent(x.digest().toString(), x.manifest().bytesUnsafe());
        }
        byte[] json = m.toJson();
        Path file = dir.resolve(BundleNames.fileName(m.channel(), m.sequence()));
        try (OutputStream out = Files.newOutputStream(file); TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            put(tar, BundleNames.MANIFEST, json);
            put(tar, BundleNames.SIGNATURE, signer.sign(json));
            put(tar, BundleNames.OCI_LAYOUT, layout());
            put(tar, BundleNames.INDEX, index(m.images(), m.blobs()));
            for (BundleManifest.Blob b : m.blobs()) {
                put(tar, BundleNames.blobPath(Digest.parse(b.digest())), bytes.get(b.digest()));
            }
        }
        return file;
    }

    private static void put(TarArchiveOutputStream tar, String name, byte[] content) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(content.length);
        tar.putArchiveEntry(e);
        tar.write(content);
        tar.closeArchiveEntry();
    }

    private static byte[] layout() {
        return ("{\"imageLayoutVersion\":\"" + MediaTypes.OCI_LAYOUT_VERSION + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] index(List<BundleManifest.Image> images, java.util.Collection<BundleManifest.Blob> blobs) {
        Map<String, Long> sizes = new LinkedHashMap<>();
        blobs.forEach(b -> sizes.put(b.digest(), b.size()));
        List<String> entries = new ArrayList<>();
        for (BundleManifest.Image i : images) {
            entries.add("{\"mediaType\":\"" + i.mediaType() + "\",\"digest\":\"" + i.digest() + "\",\"size\":" + sizes.get(i.digest())
                    + ",\"annotations\":{\""
                    + BundleNames.REF_NAME + "\":\"" + i.source() + "\"}}");
        }
        return ("{\"schemaVersion\":2,\"manifests\":[" + String.join(",", entries) + "]}").getBytes(StandardCharsets.UTF_8);
    }

    private static BundleManifest.FileRef ref(byte[] b) {
        return new BundleManifest.FileRef(Digest.sha256Of(b).toString(), b.length);
    }
}
