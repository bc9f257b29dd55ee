package dev.airlock.dockerarchive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.copy.ImageSource;
import dev.airlock.copy.Repo;
import dev.airlock.copy.TransferRunner;
import dev.airlock.digest.Digest;
import dev.airlock.error.AirlockException;
import dev.airlock.io.OutputFiles;
import dev.airlock.io.TransferListener;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Writes a {@code docker load}-compatible archive ("docker-archive", the format of
 * {@code docker save} and {@code skopeo copy … docker-archive:}) of images read from any
 * {@link ImageSource}: a verified bundle, a registry. No CLI types in here.
 *
 * <p>The archive holds {@code manifest.json} (per image: {@code Config}, {@code RepoTags},
 * {@code Layers}), {@code repositories} (name → tag → image ID, for old readers), each config as
 * {@code <hex>.json} and each layer once, uncompressed, as {@code <diff-id hex>.tar}. Layers are
 * decompressed (gzip; zstd is refused) and each one's uncompressed sha256 must equal its entry in
 * the config's {@code rootfs.diff_ids}, else {@code DIGEST_MISMATCH}. Of a multi-arch image one
 * platform is written.
 *
 * <p>Order: {@link #plan} reads manifests and configs and picks platforms; {@link Plan#write}
 * first reads every layer once to learn its uncompressed size and check its diff ID (nothing is
 * written yet), then checks that it fits and opens {@code OUT} through {@link OutputFiles} (a
 * directory, device, FIFO or socket there is refused; missing directories are created), writes its
 * temporary name, decompressing each layer again (and checking it again), fsyncs and renames. Everything streams:
 * memory does not grow with layer size. {@code OUT} ending in {@code .gz} or {@code .tgz} is
 * gzip-compressed as a whole (what {@code docker save | gzip} gives, and {@code docker load}
 * reads).
 */
public final class DockerArchiveWriter {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Configs are small JSON documents; a bigger one is refused rather than held in memory. */
    static final long MAX_CONFIG = 16L << 20;
    private static final int BUFFER = 1 << 16;
    /** How a message about the archive's path names it. */
    private static final String WHAT = "docker archive";

    private DockerArchiveWriter() {
    }

    /**
     * One image to write: where the source has it, its top manifest (an image or an index) and
     * the names {@code docker load} gives it ({@code HOST/PATH:TAG}; empty: loaded untagged).
     */
    public record Image(Repo repo, Digest manifest, List<String> repoTags) {
        public Image {
            repoTags = List.copyOf(repoTags);
        }
    }

    /** What was written for one image: the platform's manifest, its config (the image ID docker shows) and platform. */
    public record Saved(List<String> repoTags, Digest manifest, Digest config, String platform, int layers) {
    }

    /** The archive: its path, size in bytes, and the images in it. */
    public record Written(Path file, long size, List<Saved> images) {
    }

    /** Writes one image: the simple form of {@link #plan} and {@link Plan#write}. */
    public static Written write(ImageSource source, Repo repo, Digest manifestOrIndex, Platform platform, List<String> repoTags,
            Path out) {
        return plan(source, List.of(new Image(repo, manifestOrIndex, repoTags)), platform).write(out, TransferListener.NONE);
    }

    /** Writes several images into one archive; layers they share are written once. */
    public static Written write(ImageSource source, List<Image> images, Platform platform, Path out, TransferListener listener) {
        return plan(source, images, platform).write(out, listener);
    }

    /**
     * Reads each image's manifests and config and picks the platform, writing nothing.
     *
     * @param platform the platform to take from a multi-arch image (an image without it is a
     *     {@code USAGE} failure naming the platforms it has), and that a single-platform image must
     *     be built for; null: the host's ({@link Platform#host()}) for multi-arch images, and any
     *     single-platform image as it is
     */
    public static Plan plan(ImageSource source, List<Image> images, Platform platform) {
        if (images.isEmpty()) {
            throw AirlockException.usage("no image to write into the docker archive");
        }
        List<Chosen> chosen = new ArrayList<>();
        Map<Digest, Layer> layers = new LinkedHashMap<>();
        for (Image image : images) {
            String name = image.repoTags().isEmpty() ? image.manifest().toString() : image.repoTags().get(0);
            RawManifest top = source.manifest(image.repo(), image.manifest().toString());
            RawManifest m = top;
            String chosenPlatform = null;
            if (top.isIndex()) {
                Descriptor child = pick(top, platform == null ? Platform.host() : platform, name);
                m = source.manifest(image.repo(), child.digest().toString());
                chosenPlatform = platformOf(top, child.digest());
            }
            if (m.isIndex()) {
                throw AirlockException.usage(name + ": an index inside an index is not supported in a docker archive");
            }
            List<Descriptor> blobs = m.blobs();
            Descriptor config = blobs.get(0);
            byte[] configBytes = readConfig(source, image.repo(), config, name);
            JsonNode cfg;
            try {
                cfg = JSON.readTree(configBytes);
            } catch (IOException e) {
                throw AirlockException.malformed(name + ": config " + config.digest() + " is not JSON");
            }
            String built = Platform.format(cfg.path("os").asText(""), cfg.path("architecture").asText(""),
                    cfg.path("variant").asText(null));
            if (chosenPlatform == null) {
                chosenPlatform = built;
                if (platform != null && !platform.matches(cfg.path("os").asText(""), cfg.path("architecture").asText(""),
                        cfg.path("variant").asText(null))) {
                    throw AirlockException.usage(name + " is a single-platform image for " + built + ", not " + platform
                            + " (--platform); available: " + built);
                }
            }
            JsonNode diffIds = cfg.path("rootfs").path("diff_ids");
            if (!diffIds.isArray() || diffIds.size() != blobs.size() - 1) {
                throw AirlockException.malformed(name + ": config " + config.digest() + " lists " + (diffIds.isArray() ? diffIds.size() : 0)
                        + " diff_ids for " + (blobs.size() - 1) + " layers");
            }
            List<Digest> ids = new ArrayList<>();
            for (int i = 1; i < blobs.size(); i++) {
                Digest diffId = Digest.parse(diffIds.get(i - 1).asText(null));
                ids.add(diffId);
                layers.putIfAbsent(diffId, new Layer(image.repo(), blobs.get(i), diffId,
                        name + ": layer " + (i - 1) + " (" + blobs.get(i).digest() + ")"));
            }
            chosen.add(new Chosen(image, m.digest(), chosenPlatform, config.digest(), configBytes, ids));
        }
        return new Plan(source, chosen, new ArrayList<>(layers.values()));
    }

    /** The images picked and the layers to write, before a byte is written. */
    public static final class Plan {
        private final ImageSource source;
        private final List<Chosen> chosen;
        private final List<Layer> layers;

        private Plan(ImageSource source, List<Chosen> chosen, List<Layer> layers) {
            this.source = source;
            this.chosen = chosen;
            this.layers = layers;
        }

        /** The blobs {@link #write} reads: each image's config and layers (for a check that the source has them all). */
        public Set<Digest> blobs() {
            Set<Digest> out = new LinkedHashSet<>();
            chosen.forEach(c -> out.add(c.config()));
            layers.forEach(l -> out.add(l.blob().digest()));
            return out;
        }

        /** The images as they will be written (platform manifest, config, platform). */
        public List<Saved> images() {
            return chosen.stream().map(c -> new Saved(c.image().repoTags(), c.manifest(), c.config(), c.platform(), c.diffIds().size()))
                    .toList();
        }

        /** Checks every layer, then writes {@code out} (temporary name, fsync, rename); see the class comment. */
        public Written write(Path out, TransferListener listener) {
            long compressed = layers.stream().mapToLong(l -> l.blob().size()).sum();
            listener.planned("checking layers", compressed, layers.size());
            List<Runnable> measure = new ArrayList<>();
            for (Layer l : layers) {
                measure.add(() -> {
                    listener.started(l.blob().digest(), l.blob().size());
                    l.size = copy(source, l, OutputStream.nullOutputStream());
                    listener.finished(l.blob().digest());
                });
            }
            TransferRunner.run(measure, 2, "airlock-archive-check");
            listener.done();

            Path target = out.toAbsolutePath();
            boolean gzip = target.getFileName().toString().endsWith(".gz") || target.getFileName().toString().endsWith(".tgz");
            long total = layers.stream().mapToLong(l -> l.size).sum();
            if (!gzip) {
                checkSpace(target, archiveSize(total));
            }
            listener.planned("writing docker archive", total, layers.size());
            try (OutputFiles.Partial partial = OutputFiles.create(WHAT, target, OutputFiles.Parents.CREATE)) {
                writeTar(partial.channel(), gzip, listener);
                long size = partial.channel().size();
                partial.commit();
                listener.done();
                return new Written(out, size, images());
            } catch (IOException e) {
                throw AirlockException.local("cannot write " + out + ": " + e.getMessage(), e);
            } catch (java.io.UncheckedIOException e) {
                throw AirlockException.local("cannot write " + out + ": " + e.getCause().getMessage(), e.getCause());
            }
        }

        /** The archive's entries into {@code ch}: the layers (each checked again), the configs, manifest.json, repositories. */
        private void writeTar(FileChannel ch, boolean gzip, TransferListener listener) throws IOException {
            OutputStream file = new BufferedOutputStream(Channels.newOutputStream(ch), BUFFER);
            GZIPOutputStream gz = gzip ? new GZIPOutputStream(file, BUFFER) : null;
            TarArchiveOutputStream tar = new TarArchiveOutputStream(gz != null ? gz : file);
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            for (Layer l : layers) {
                listener.started(l.diffId(), l.size);
                tar.putArchiveEntry(entry(layerPath(l.diffId()), l.size));
                long n = copy(source, l, new ProgressStream(tar, l.diffId(), listener));
                if (n != l.size) {
                    throw AirlockException.digestMismatch(l.what() + " changed while being written: " + n + " bytes, was " + l.size);
                }
                tar.closeArchiveEntry();
                listener.finished(l.diffId());
            }
            Set<Digest> configs = new LinkedHashSet<>();
            for (Chosen c : chosen) {
                if (configs.add(c.config())) {
                    put(tar, configPath(c.config()), c.configBytes());
                }
            }
            put(tar, "manifest.json", manifestJson(chosen));
            put(tar, "repositories", repositoriesJson(chosen));
            tar.finish();
            if (gz != null) {
                gz.finish();
            }
            file.flush();
        }

        /** An uncompressed archive's size, near enough: the layers, a header and padding per entry, the small files. */
        private long archiveSize(long layerBytes) {
            long entries = layers.size() + chosen.size() + 2;
            long small = chosen.stream().mapToLong(c -> c.configBytes().length).sum() + (64L << 10);
            return layerBytes + entries * 1536 + small;
        }
    }

    /**
     * Refuses (kind LOCAL) an uncompressed archive that cannot fit where it is to be written,
     * before its first byte: its size is known from the check pass. (A .gz one's size is not.)
     */
    private static void checkSpace(Path target, long needed) {
        Path dir = target.getParent();
        while (dir != null && !Files.isDirectory(dir)) {
            dir = dir.getParent(); // created later; its file system is the nearest existing ancestor's
        }
        if (dir == null) {
            return;
        }
        long free;
        try {
            free = Files.getFileStore(dir).getUsableSpace();
        } catch (IOException e) {
            return; // no answer from the file system: the write itself reports a full disk
        }
        if (free < needed) {
            throw AirlockException.local("the docker archive " + target + " needs " + needed + " bytes, but " + dir + " has only " + free
                    + " free; free some space or write it elsewhere (nothing was written)", null);
        }
    }

    /** One image as it goes into the archive. */
    private record Chosen(Image image, Digest manifest, String platform, Digest config, byte[] configBytes, List<Digest> diffIds) {
    }

    /** One layer to write once: the blob it is read from and the diff ID its uncompressed content must have. */
    private static final class Layer {
        private final Repo repo;
        private final Descriptor blob;
        private final Digest diffId;
        private final String what;
        /** Uncompressed size, learnt in the check pass. */
        volatile long size = -1;

        Layer(Repo repo, Descriptor blob, Digest diffId, String what) {
            this.repo = repo;
            this.blob = blob;
            this.diffId = diffId;
            this.what = what;
        }

        Descriptor blob() {
            return blob;
        }

        Digest diffId() {
            return diffId;
        }

        String what() {
            return what;
        }
    }

    /**
     * Streams a layer's uncompressed content into {@code out}, checking the compressed bytes
     * against the blob's digest (by the source) and the uncompressed ones against the diff ID.
     * Returns the uncompressed size.
     */
    private static long copy(ImageSource source, Layer l, OutputStream out) {
        MessageDigest md = l.diffId().newHasher();
        long n = 0;
        try (InputStream raw = BlobStreams.open(source, l.repo, l.blob());
                BufferedInputStream in = new BufferedInputStream(raw, BUFFER)) {
            InputStream plain = Compression.decompress(in, l.what());
            byte[] buf = new byte[BUFFER];
            int r;
            while ((r = plain.read(buf)) >= 0) {
                md.update(buf, 0, r);
                out.write(buf, 0, r);
                n += r;
            }
            while (in.read(buf) >= 0) {
                // the rest of the compressed blob (gzip padding), so its digest is checked to the end
            }
        } catch (IOException e) {
            if (e.getCause() instanceof AirlockException a) {
                throw a;
            }
            throw BlobStreams.failure(e, l.what());
        }
        Digest actual = Digest.of(l.diffId().algorithm(), md.digest());
        if (!actual.equals(l.diffId())) {
            throw AirlockException.digestMismatch(l.what() + ": its uncompressed content hashes to " + actual
                    + ", but the image config's rootfs.diff_ids says " + l.diffId());
        }
        return n;
    }

    /** Counts bytes into the tar for progress; a write failure is the archive's (local), never the layer's. */
    private static final class ProgressStream extends OutputStream {
        private final OutputStream out;
        private final Digest id;
        private final TransferListener listener;

        ProgressStream(OutputStream out, Digest id, TransferListener listener) {
            this.out = out;
            this.id = id;
            this.listener = listener;
        }

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            try {
                out.write(b, off, len);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            listener.progressed(id, len);
        }
    }

    private static byte[] readConfig(ImageSource source, Repo repo, Descriptor config, String name) {
        if (config.size() > MAX_CONFIG) {
            throw AirlockException.malformed(name + ": config " + config.digest() + " is " + config.size() + " bytes, over 16 MiB");
        }
        try (InputStream in = BlobStreams.open(source, repo, config)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw BlobStreams.failure(e, name + ": config " + config.digest());
        }
    }

    /** The child of {@code index} built for {@code platform}; none or several: a usage error naming what there is. */
    private static Descriptor pick(RawManifest index, Platform platform, String name) {
        JsonNode list = tree(index).path("manifests");
        List<Descriptor> children = index.children();
        List<String> available = new ArrayList<>();
        List<Integer> matches = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode p = list.get(i).path("platform");
            String os = p.path("os").asText("");
            String arch = p.path("architecture").asText("");
            if (os.isEmpty() || os.equals("unknown")) {
                continue; // attestations and other non-images
            }
            String variant = p.path("variant").asText(null);
            available.add(Platform.format(os, arch, variant));
            if (platform.matches(os, arch, variant)) {
                matches.add(i);
            }
        }
        if (matches.size() > 1 && platform.variant() == null) {
            // linux/arm64 asked, linux/arm64 and linux/arm64/v8 offered: the plain one
            List<Integer> plain = matches.stream().filter(i -> list.get(i).path("platform").path("variant").asText(null) == null).toList();
            if (plain.size() == 1) {
                matches = plain;
            }
        }
        if (matches.size() != 1) {
            throw AirlockException.usage(name + (matches.isEmpty() ? " has no image for " : " has several images for ") + platform
                    + (matches.isEmpty() ? "" : " (give the variant)") + "; available: " + String.join(", ", available)
                    + " (choose with --platform os/arch[/variant])");
        }
        return children.get(matches.get(0));
    }

    private static String platformOf(RawManifest index, Digest child) {
        for (JsonNode d : tree(index).path("manifests")) {
            if (child.toString().equals(d.path("digest").asText())) {
                JsonNode p = d.path("platform");
                return Platform.format(p.path("os").asText(""), p.path("architecture").asText(""), p.path("variant").asText(null));
            }
        }
        return null;
    }

    private static JsonNode tree(RawManifest m) {
        try {
            return JSON.readTree(m.bytesUnsafe());
        } catch (IOException e) {
            throw AirlockException.malformed(m.digest() + ": not JSON");
        }
    }

    static String layerPath(Digest diffId) {
        return diffId.hex() + ".tar";
    }

    static String configPath(Digest config) {
        return config.hex() + ".json";
    }

    private static byte[] manifestJson(List<Chosen> chosen) {
        ArrayNode root = JSON.createArrayNode();
        Map<Digest, ObjectNode> byConfig = new LinkedHashMap<>();
        for (Chosen c : chosen) {
            ObjectNode item = byConfig.get(c.config());
            if (item == null) {
                item = root.addObject();
                byConfig.put(c.config(), item);
                item.put("Config", configPath(c.config()));
                item.putArray("RepoTags");
                ArrayNode layers = item.putArray("Layers");
                c.diffIds().forEach(d -> layers.add(layerPath(d)));
            }
            ArrayNode tags = (ArrayNode) item.get("RepoTags");
            for (String t : c.image().repoTags()) {
                boolean known = false;
                for (JsonNode existing : tags) {
                    known |= existing.asText().equals(t);
                }
                if (!known) {
                    tags.add(t);
                }
            }
        }
        return bytes(root);
    }

    /** The legacy {@code repositories} file: name → tag → image ID (the config's hex; readers of manifest.json ignore it). */
    private static byte[] repositoriesJson(List<Chosen> chosen) {
        ObjectNode root = JSON.createObjectNode();
        for (Chosen c : chosen) {
            for (String t : c.image().repoTags()) {
                int colon = t.lastIndexOf(':');
                if (colon > t.lastIndexOf('/')) {
                    ObjectNode repo = root.has(t.substring(0, colon)) ? (ObjectNode) root.get(t.substring(0, colon))
                            : root.putObject(t.substring(0, colon));
                    repo.put(t.substring(colon + 1), c.config().hex());
                }
            }
        }
        return bytes(root);
    }

    private static byte[] bytes(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static TarArchiveEntry entry(String name, long size) {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(size);
        e.setMode(0100644);
        e.setModTime(0);
        return e;
    }

    private static void put(TarArchiveOutputStream tar, String name, byte[] bytes) throws IOException {
        tar.putArchiveEntry(entry(name, bytes.length));
        tar.write(bytes);
        tar.closeArchiveEntry();
    }

}
