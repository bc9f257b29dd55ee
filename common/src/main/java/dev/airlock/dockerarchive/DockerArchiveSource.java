package dev.airlock.dockerarchive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.copy.BlobReader;
import dev.airlock.copy.ImageSource;
import dev.airlock.copy.Repo;
import dev.airlock.digest.Digest;
import dev.airlock.error.AirlockException;
import dev.airlock.io.BlobContent;
import dev.airlock.io.BlobSink;
import dev.airlock.io.BoundedJsonTree;
import dev.airlock.io.ChannelSliceInputStream;
import dev.airlock.io.FileRegion;
import dev.airlock.io.TempFile;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.ImageReference;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.RawManifest;
import dev.airlock.tar.TarHeaderGuard;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;
import org.apache.commons.io.input.BoundedInputStream;

/**
 * The images of a docker archive (made by {@code docker save}, by {@code skopeo copy …
 * docker-archive:…}, or by {@link DockerArchiveWriter}) as an {@link ImageSource}, so the copy
 * engine can write them into a bundle like images pulled from a registry.
 *
 * <p>An archive has no manifests, only {@code manifest.json} naming each image's config and layer
 * files. On {@link #open} every layer file is read once: its sha256 becomes the blob digest, and
 * its content must match the config's {@code rootfs.diff_ids} entry (uncompressed layers hash to
 * it directly, gzip ones after decompression) — a damaged archive is refused there, kind
 * {@code DIGEST_MISMATCH}, naming the file and the layer, before anything is written. Each image
 * then gets a Docker v2 schema 2 manifest built from those digests: the config byte for byte, the
 * layers as the archive holds them (uncompressed tars, media type
 * {@code application/vnd.docker.image.rootfs.diff.tar}; gzip ones stay gzip). The manifest is a
 * function of the archive's content alone, so the same archive always gives the same digests.
 *
 * <p>A gzip-compressed archive ({@code .tar.gz}) is decompressed once into a temporary file in
 * {@code $TMPDIR} (random access into gzip is impossible), within the bounds of
 * {@link BoundedGunzip}, and deleted by {@link #close} or, if the run is stopped, by a shutdown hook
 * ({@link TempFile}). Blobs are then read from the file by position, each checked against its
 * digest as it streams. (A single streaming pass with no temporary file would need the copy engine
 * to take blobs in the archive's order, one at a time, and docker save writes manifest.json last.)
 */
public final class DockerArchiveSource implements ImageSource, AutoCloseable {
    /** The host part of every {@link Repo} this source serves. */
    public static final String HOST = "docker-archive";
    static final String LAYER = "application/vnd.docker.image.rootfs.diff.tar";
    static final String LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";
    static final String CONFIG = "application/vnd.docker.container.image.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern HEX = Pattern.compile("(?:^|/)(?:sha256[:/])?([0-9a-f]{64})(?:\\.json)?$");
    private static final int BUFFER = 1 << 16;
    /** Far more than any docker archive holds (a few files per layer and image); bounds the headers held in memory. */
    static final int MAX_ENTRIES = 100_000;
    /**
     * Values in manifest.json or an image config (a real one: a few per layer and per tag). Their
     * 16 MiB byte bound alone let 5 million empty objects into a tree, OutOfMemoryError (red-team pass H).
     */
    static final long MAX_JSON_VALUES = 200_000;

    /** One image of the archive under one of its names. */
    public record Image(ImageReference reference, Repo repo, RawManifest manifest) {
    }

    /** A blob's place in the archive's tar. */
    private record Region(String name, long offset, long size) {
    }

    private final Path file;
    private final TempFile temp;
    private final FileChannel channel;
    private final Repo repo;
    private final Map<Digest, Region> blobs = new HashMap<>();
    private final Map<Digest, RawManifest> manifests = new LinkedHashMap<>();
    /** Each config file read so far, by its name in the archive (see {@link #config}). */
    private final Map<String, Config> configs = new HashMap<>();
    private final List<Image> images = new ArrayList<>();

    private DockerArchiveSource(Path file, TempFile temp, FileChannel channel) {
        this.file = file;
        this.temp = temp;
        this.channel = channel;
        this.repo = new Repo(HOST, file.toString());
    }

    /**
     * Opens {@code FILE} or {@code FILE=NAME:TAG} (the name for an archive of one image, in place
     * of or without its RepoTags) and checks every layer as the class comment says.
     */
    public static DockerArchiveSource open(String spec) {
        int eq = spec.lastIndexOf('=');
        Path file = Path.of(eq < 0 ? spec : spec.substring(0, eq));
        ImageReference name = null;
        if (eq >= 0) {
            name = ImageReference.parse(spec.substring(eq + 1));
            if (name.tag() == null || name.digest() != null) {
                throw AirlockException.usage("--from-docker-archive " + spec + ": name the image as NAME:TAG (no digest)");
            }
        }
        if (!Files.isRegularFile(file)) {
            throw AirlockException.usage("docker archive " + file + " does not exist or is not a file");
        }
        TempFile temp = null;
        FileChannel channel = null;
        try {
            Path tar = file;
            if (compression(file) == Compression.GZIP) {
                temp = BoundedGunzip.toTempFile(file);
                tar = temp.path();
            } else if (compression(file) == Compression.ZSTD) {
                throw AirlockException.usage("docker archive " + file + " is zstd-compressed; decompress it first (zstd -d)");
            }
            channel = FileChannel.open(tar, StandardOpenOption.READ);
            DockerArchiveSource source = new DockerArchiveSource(file, temp, channel);
            source.scan(tar, name);
            return source;
        } catch (IOException e) {
            closeQuietly(channel, temp);
            throw AirlockException.local("cannot read docker archive " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(channel, temp);
            throw e;
        }
    }

    /** The archive file as named. */
    public Path file() {
        return file;
    }

    /** Every image under every name the archive (or the override) gives it, in manifest.json order. */
    public List<Image> images() {
        return List.copyOf(images);
    }

    @Override
    public RawManifest manifest(Repo repo, String reference) {
        RawManifest m = Digest.isValid(reference) ? manifests.get(Digest.parse(reference)) : null;
        if (m == null) {
            throw AirlockException.notFound("docker archive " + file + " has no manifest " + reference);
        }
        return m;
    }

    @Override
    public BlobReader blob(Repo repo, Descriptor d) {
        Region r = blobs.get(d.digest());
        if (r == null || r.size() != d.size()) {
            throw AirlockException.notFound("docker archive " + file + " has no blob " + d.digest());
        }
        String what = file + ": " + r.name();
        FileRegion region = new FileRegion(channel, r.offset(), r.size(), d.digest(), what);
        return new BlobReader() {
            @Override
            public void writeTo(BlobSink sink) throws IOException {
                try (InputStream in = region.open(0)) {
                    byte[] buf = new byte[(int) Math.min(1 << 20, Math.max(1, r.size()))];
                    long offset = 0;
                    int n;
                    while ((n = in.read(buf)) >= 0) {
                        sink.write(ByteBuffer.wrap(buf, 0, n), offset);
                        offset += n;
                    }
                }
            }

            @Override
            public BlobContent content() {
                return region;
            }
        };
    }

    @Override
    public void close() {
        closeQuietly(channel, temp);
    }

    private void scan(Path tar, ImageReference name) throws IOException {
        Map<String, TarArchiveEntry> entries = new HashMap<>();
        // Exit 3 like any damaged archive here: there is no way past it but a fresh archive.
        dev.airlock.tar.HeaderRecords walked = TarHeaderGuard.check(channel, MAX_ENTRIES, "docker archive " + file);
        // TarFile reads only the headers the check read (red-team pass F).
        try (TarFile t = new TarFile(walked.channel(java.nio.channels.FileChannel.open(tar)))) {
            for (TarArchiveEntry e : t.getEntries()) {
                entries.put(normal(e.getName()), e);
            }
        } catch (IOException | IllegalArgumentException e) {
            throw AirlockException.malformed("docker archive " + file + " is not a readable tar (damaged or cut short?): " + e.getMessage());
        }
        TarArchiveEntry manifestEntry = entries.get("manifest.json");
        if (manifestEntry == null) {
            throw AirlockException.usage("docker archive " + file + " has no manifest.json: "
                    + (entries.containsKey("repositories") ? "the format of Docker before 1.10 is not supported; save it again with a newer docker or skopeo"
                            : "it is not a docker save archive"));
        }
        refuseSparse(manifestEntry, "docker archive " + file);
        JsonNode items;
        try {
            items = BoundedJsonTree.read(JSON, read(manifestEntry, "manifest.json", DockerArchiveWriter.MAX_CONFIG), MAX_JSON_VALUES);
        } catch (BoundedJsonTree.TooManyValues e) {
            throw AirlockException.malformed("docker archive " + file + ": manifest.json has " + e.getMessage());
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw AirlockException.malformed("docker archive " + file + ": manifest.json is not JSON");
        }
        if (items == null || !items.isArray() || items.isEmpty()) {
            throw AirlockException.malformed("docker archive " + file + ": manifest.json lists no image");
        }
        if (name != null && items.size() != 1) {
            throw AirlockException.usage("docker archive " + file + " holds " + items.size() + " images; "
                    + "=NAME:TAG names the image of a one-image archive only (the images keep their RepoTags)");
        }
        Map<String, Layer> seen = new HashMap<>();
        for (int i = 0; i < items.size(); i++) {
            image(entries, items.get(i), i, name, seen);
        }
    }

    /** What an image config file turned out to be. */
    private record Config(Digest digest, long size, JsonNode diffIds) {
    }

    /**
     * Reads, hashes and parses a config file once, however many images of manifest.json name it:
     * 40,000 images naming one 16 MiB config were 40 minutes of CPU (red-team pass H).
     */
    private Config config(TarArchiveEntry configEntry, String configName, String where) throws IOException {
        byte[] config = read(configEntry, configName, DockerArchiveWriter.MAX_CONFIG);
        Digest configDigest = Digest.sha256Of(config);
        blobs.put(configDigest, new Region(normal(configEntry.getName()), configEntry.getDataOffset(), config.length));
        try {
            return new Config(configDigest, config.length,
                    BoundedJsonTree.read(JSON, config, MAX_JSON_VALUES).path("rootfs").path("diff_ids"));
        } catch (BoundedJsonTree.TooManyValues e) {
            throw AirlockException.malformed(where + ": config " + configName + " has " + e.getMessage());
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw AirlockException.malformed(where + ": config " + configName + " is not JSON");
        }
    }

    /** What a layer file turned out to be. */
    private record Layer(Digest digest, long size, boolean gzip, Digest diffId) {
    }

    private void image(Map<String, TarArchiveEntry> entries, JsonNode item, int index, ImageReference name, Map<String, Layer> seen)
            throws IOException {
        String where = "docker archive " + file + ": image " + (index + 1);
        String configName = item.path("Config").asText(null);
        if (configName == null) {
            throw AirlockException.malformed(where + " in manifest.json has no Config");
        }
        Config config = configNamed(entries, configName, where);
        JsonNode diffIds = config.diffIds();
        JsonNode layerNames = item.path("Layers");
        if (!layerNames.isArray() || !diffIds.isArray() || layerNames.size() != diffIds.size()) {
            throw AirlockException.malformed(where + " lists " + layerNames.size() + " layers in manifest.json but its config "
                    + configName + " has " + diffIds.size() + " rootfs.diff_ids");
        }
        ObjectNode manifest = JSON.createObjectNode();
        manifest.put("schemaVersion", 2);
        manifest.put("mediaType", MediaTypes.DOCKER_MANIFEST);
        ObjectNode c = manifest.putObject("config");
        c.put("mediaType", CONFIG);
        c.put("size", config.size());
        c.put("digest", config.digest().toString());
        ArrayNode layers = manifest.putArray("layers");
        for (int i = 0; i < layerNames.size(); i++) {
            layer(entries, layerNames.get(i).asText(), Digest.parse(diffIds.get(i).asText(null)), i, where, seen, layers.addObject());
        }
        RawManifest raw = RawManifest.of(JSON.writeValueAsBytes(manifest), MediaTypes.DOCKER_MANIFEST, where);
        manifests.put(raw.digest(), raw);
        for (ImageReference r : names(item, name, where, config.digest())) {
            images.add(new Image(r, repo, raw));
        }
    }

    /** The config an image names, read once however many images name it; a name that says another digest is refused. */
    private Config configNamed(Map<String, TarArchiveEntry> entries, String configName, String where) throws IOException {
        TarArchiveEntry configEntry = resolve(entries, configName, where);
        Config config = configs.get(normal(configEntry.getName()));
        if (config == null) {
            config = config(configEntry, configName, where);
            configs.put(normal(configEntry.getName()), config);
        }
        Matcher m = HEX.matcher(normal(configName));
        if (m.find() && !m.group(1).equals(config.digest().hex())) {
            throw AirlockException.digestMismatch(where + ": config " + configName + " hashes to " + config.digest()
                    + ", not the digest its name says: the archive is damaged");
        }
        return config;
    }

    /** Layer {@code i} of an image: hashed once per file, checked against the config's diff_id, described in {@code d}. */
    private void layer(Map<String, TarArchiveEntry> entries, String layerName, Digest diffId, int i, String where,
            Map<String, Layer> seen, ObjectNode d) {
        String what = where + ": layer " + i + " (" + layerName + ")";
        TarArchiveEntry e = resolve(entries, layerName, where);
        Layer l = seen.get(normal(e.getName()));
        if (l == null) {
            l = hash(e, what);
            seen.put(normal(e.getName()), l);
        }
        if (!l.diffId().equals(diffId)) {
            throw AirlockException.digestMismatch(what + (l.gzip() ? " uncompresses" : " hashes") + " to " + l.diffId()
                    + ", but the image config's rootfs.diff_ids[" + i + "] says " + diffId + ": the archive is damaged");
        }
        blobs.putIfAbsent(l.digest(), new Region(normal(e.getName()), e.getDataOffset(), l.size()));
        d.put("mediaType", l.gzip() ? LAYER_GZIP : LAYER);
        d.put("size", l.size());
        d.put("digest", l.digest().toString());
    }

    /** The names an image takes: =NAME:TAG given for the archive, else its RepoTags; none is refused, saying how to name it. */
    private List<ImageReference> names(JsonNode item, ImageReference name, String where, Digest configDigest) {
        List<ImageReference> names = new ArrayList<>();
        if (name != null) {
            names.add(name);
        } else {
            for (JsonNode t : item.path("RepoTags")) {
                names.add(ImageReference.parse(t.asText()));
            }
        }
        if (names.isEmpty()) {
            throw AirlockException.usage(where + " (config " + configDigest + ") has no name (RepoTags is empty);"
                    + " name it: --from-docker-archive " + file + "=NAME:TAG");
        }
        return names;
    }

    /**
     * One pass over a layer file: its sha256 as stored and, for gzip, that of its content, which may
     * expand to no more than {@link BoundedGunzip#bound} of the layer's size (hashing a gzip bomb
     * costs CPU time in proportion to what it expands to).
     */
    private Layer hash(TarArchiveEntry e, String what) {
        MessageDigest stored = Digest.newSha256();
        long size = e.getSize();
        try (InputStream raw = new DigestInputStream(new ChannelSliceInputStream(channel, e.getDataOffset(), size), stored);
                BufferedInputStream in = new BufferedInputStream(raw, BUFFER)) {
            Compression kind = Compression.sniff(in);
            byte[] buf = new byte[BUFFER];
            Digest diffId;
            if (kind == Compression.NONE) {
                while (in.read(buf) >= 0) {
                    // hashed by the DigestInputStream
                }
                diffId = Digest.sha256(stored.digest());
                return new Layer(diffId, size, false, diffId);
            }
            MessageDigest content = Digest.newSha256();
            long bound = BoundedGunzip.bound(size);
            InputStream plain = BoundedInputStream.builder().setInputStream(Compression.decompress(in, what)).setMaxCount(bound + 1)
                    .setOnMaxCount((max, count) -> {
                        throw BoundedGunzip.layerTooLarge(what, bound);
                    }).get();
            int n;
            while ((n = plain.read(buf)) >= 0) {
                content.update(buf, 0, n);
            }
            while (in.read(buf) >= 0) {
                // the rest of the stored bytes
            }
            return new Layer(Digest.sha256(stored.digest()), size, true, Digest.sha256(content.digest()));
        } catch (java.util.zip.ZipException | java.io.EOFException ex) {
            throw AirlockException.digestMismatch(what + " is damaged gzip: " + ex.getMessage());
        } catch (IOException ex) {
            throw AirlockException.local("cannot read docker archive " + file + ": " + ex.getMessage(), ex);
        }
    }

    /** The regular file an archive path names, following symbolic and hard links (docker save links shared layers). */
    private TarArchiveEntry resolve(Map<String, TarArchiveEntry> entries, String name, String where) {
        String n = normal(name);
        for (int hops = 0; hops < 16; hops++) {
            TarArchiveEntry e = entries.get(n);
            if (e == null) {
                throw AirlockException.malformed(where + ": manifest.json names " + name + ", which the archive does not hold");
            }
            if (e.isSymbolicLink()) {
                String target = e.getLinkName();
                int slash = n.lastIndexOf('/');
                n = normal(target.startsWith("/") ? target : (slash < 0 ? "" : n.substring(0, slash + 1)) + target);
            } else if (e.isLink()) {
                n = normal(e.getLinkName());
            } else if (e.isFile()) {
                return refuseSparse(e, where);
            } else {
                throw AirlockException.malformed(where + ": " + name + " is not a file in the archive");
            }
        }
        throw AirlockException.malformed(where + ": " + name + " is a loop of links");
    }

    /** {@code ./a/../b//c} → {@code b/c}; a path that climbs out of the archive is refused. */
    static String normal(String name) {
        List<String> parts = new ArrayList<>();
        for (String p : name.split("/")) {
            if (p.isEmpty() || p.equals(".")) {
                continue;
            }
            if (p.equals("..")) {
                if (parts.isEmpty()) {
                    throw AirlockException.malformed("docker archive path " + name + " leaves the archive");
                }
                parts.remove(parts.size() - 1);
            } else {
                parts.add(p);
            }
        }
        return String.join("/", parts);
    }

    /**
     * {@code e}, unless it is a sparse entry (GNU tar -S; docker save never writes one): its data
     * is stored without its holes, so reading its region would hash other bytes than the file's
     * and call a valid archive damaged (red-team pass H).
     */
    private static TarArchiveEntry refuseSparse(TarArchiveEntry e, String where) {
        if (e.isSparse()) {
            throw AirlockException.usage(where + ": " + e.getName() + " is a sparse tar entry (tar -S), which airlock does not read;"
                    + " pack the archive again without -S, or save it again with docker or skopeo");
        }
        return e;
    }

    private byte[] read(TarArchiveEntry e, String name, long max) throws IOException {
        if (e.getSize() > max) {
            throw AirlockException.malformed("docker archive " + file + ": " + name + " is " + e.getSize() + " bytes, over 16 MiB");
        }
        try (InputStream in = new ChannelSliceInputStream(channel, e.getDataOffset(), e.getSize())) {
            return in.readAllBytes();
        }
    }

    private static Compression compression(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] head = new byte[4];
            return Compression.sniff(head, in.readNBytes(head, 0, 4));
        }
    }

    private static void closeQuietly(FileChannel channel, TempFile temp) {
        try {
            if (channel != null) {
                channel.close();
            }
        } catch (IOException ignored) {
            // read-only; nothing to lose
        }
        if (temp != null) {
            temp.close();
        }
    }
}
