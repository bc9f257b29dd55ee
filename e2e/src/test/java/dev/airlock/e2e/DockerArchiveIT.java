package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.digest.Digest;
import dev.airlock.oci.Platform;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.RawManifest;
import dev.airlock.testing.RegistryExtension;
import dev.airlock.testing.RegistryExtension.Registries;
import dev.airlock.testing.TestImages;
import dev.airlock.testing.TestImages.Image;
import dev.airlock.testing.TestImages.Layer;
import dev.airlock.testing.TestRegistry;
import dev.airlock.testing.Tools;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * docker save archives both ways: {@code airlock-import load --docker-archive} writes one that
 * skopeo reads and copies with the source's layer content digests (diff IDs); an archive made by
 * {@code skopeo copy … docker-archive:} becomes a signed bundle with {@code --from-docker-archive}
 * that imports with the same diff IDs; a damaged archive is refused before a bundle is written.
 */
@ExtendWith(RegistryExtension.class)
class DockerArchiveIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @BeforeEach
    void tools() {
        assumeTrue(Tools.has("skopeo"), "needs skopeo (Debian package skopeo) to read and write docker archives independently");
    }

    /** gzip of {@code bytes}, as registries store layers. */
    private static byte[] gzip(byte[] bytes) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        }
        return out.toByteArray();
    }

    /**
     * A Docker v2 image whose first layers are gzip-compressed (diff ID = sha256 of the content,
     * blob digest = sha256 of the gzip) and whose last layer is stored uncompressed.
     */
    private static Image image(String arch, String variant, long seed) throws Exception {
        List<byte[]> contents = List.of(Layer.random(seed, 90_000).bytes(), Layer.random(seed + 1, 40_000).bytes(),
                Layer.random(seed + 2, 20_000).bytes());
        ObjectNode config = JSON.createObjectNode();
        config.put("architecture", arch);
        config.put("os", "linux");
        if (variant != null) {
            config.put("variant", variant);
        }
        ObjectNode rootfs = config.putObject("rootfs");
        rootfs.put("type", "layers");
        ArrayNode diffIds = rootfs.putArray("diff_ids");
        Map<Digest, Object> blobs = new LinkedHashMap<>();
        byte[] configBytes = null;
        ObjectNode m = JSON.createObjectNode();
        m.put("schemaVersion", 2);
        m.put("mediaType", MediaTypes.DOCKER_MANIFEST);
        ArrayNode layers = JSON.createArrayNode();
        for (int i = 0; i < contents.size(); i++) {
            boolean last = i == contents.size() - 1;
            byte[] stored = last ? contents.get(i) : gzip(contents.get(i));
            diffIds.add(Digest.sha256Of(contents.get(i)).toString());
            ObjectNode d = layers.addObject();
            d.put("mediaType", last ? "application/vnd.docker.image.rootfs.diff.tar" : TestImages.DOCKER_LAYER);
            d.put("digest", Digest.sha256Of(stored).toString());
            d.put("size", stored.length);
            blobs.put(Digest.sha256Of(stored), stored);
        }
        configBytes = JSON.writeValueAsBytes(config);
        ObjectNode c = m.putObject("config");
        c.put("mediaType", TestImages.DOCKER_CONFIG);
        c.put("digest", Digest.sha256Of(configBytes).toString());
        c.put("size", configBytes.length);
        m.set("layers", layers);
        Map<Digest, Object> all = new LinkedHashMap<>();
        all.put(Digest.sha256Of(configBytes), configBytes);
        all.putAll(blobs);
        return new Image(RawManifest.of(JSON.writeValueAsBytes(m), null, "test"), List.of(), all);
    }

    private static List<String> diffIds(Image single) throws Exception {
        Digest config = single.manifest().blobs().get(0).digest();
        JsonNode ids = JSON.readTree((byte[]) single.blobs().get(config)).path("rootfs").path("diff_ids");
        List<String> out = new ArrayList<>();
        ids.forEach(n -> out.add(n.asText()));
        return out;
    }

    /** {@code skopeo inspect --config} of a docker:// or docker-archive: reference, as JSON. */
    private static JsonNode skopeoConfig(String reference, List<String> flags) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("skopeo", "inspect", "--config"));
        cmd.addAll(flags);
        cmd.add(reference);
        Tools.Result r = Tools.run(cmd, Map.of(), null);
        assertEquals(0, r.exitCode(), "skopeo inspect " + reference + ": " + r.stderr());
        return JSON.readTree(r.stdout());
    }

    private static List<String> ids(JsonNode config) {
        List<String> out = new ArrayList<>();
        config.path("rootfs").path("diff_ids").forEach(n -> out.add(n.asText()));
        return out;
    }

    private Path export(TestRegistry source, Path key, String channel, List<String> extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("bundle", "--channel", channel, "--key", key.toString(), "--out",
                tmp.resolve("out-" + channel).toString(), "--state", tmp.resolve("export-state").toString()));
        args.addAll(extra);
        if (source != null) {
            args.addAll(source.cliFlags());
        }
        Airlock.Run r = Airlock.export(args);
        r.ok();
        try (Stream<Path> s = Files.list(tmp.resolve("out-" + channel))) {
            return s.filter(p -> p.getFileName().toString().endsWith(".airlock.tar")).sorted().reduce((a, b) -> b).orElseThrow();
        }
    }

    private static void assertNoFiles(Path dir, String why) throws Exception {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(), s.toList(), why);
        }
    }

    @Test
    void load_writesDockerArchive_skopeoReadsAndCopiesIt_withTheSourceDiffIds_perPlatform(Registries registries) throws Exception {
        TestRegistry source = registries.plain();
        Image amd = image("amd64", null, 10);
        Image arm = image("arm64", "v8", 20);
        Image multi = TestImages.index(true, List.of(amd, arm), List.of(new String[] {"amd64"}, new String[] {"arm64", "v8"}));
        TestImages.push(source.client(), source.host(), "app/multi", "1.0", multi);
        Path[] keys = Fixture.keygen(tmp, "exporter");
        Path bundle = export(source, keys[0], "load", List.of("--image", source.host() + "/app/multi:1.0"));
        Path archives = tmp.resolve("archives");

        // --platform linux/arm64 picks the arm64 image; skopeo reads the archive and copies it into a registry.
        Path armTar = archives.resolve("multi-arm64.tar");
        Airlock.Run load = Airlock.importer(List.of("load", bundle.toString(), "--trust", keys[1].toString(),
                "--docker-archive", armTar.toString(), "--platform", "linux/arm64")).ok();
        assertTrue(load.out().contains("linux/arm64/v8"), load.toString());
        JsonNode archived = skopeoConfig("docker-archive:" + armTar, List.of());
        assertEquals("arm64", archived.path("architecture").asText());
        assertEquals(diffIds(arm), ids(archived), "the archive's layers have the source's uncompressed digests");
        Tools.Result tags = Tools.run("skopeo", "inspect", "docker-archive:" + armTar);
        assertEquals(0, tags.exitCode(), tags.stderr());
        TestRegistry target = registries.plain();
        Tools.Result copy = Tools.run("skopeo", "copy", "--dest-tls-verify=false", "docker-archive:" + armTar,
                "docker://" + target.host() + "/x/loaded:y");
        assertEquals(0, copy.exitCode(), copy.stderr());
        JsonNode landed = skopeoConfig("docker://" + target.host() + "/x/loaded:y", List.of("--tls-verify=false"));
        assertEquals(diffIds(arm), ids(landed), "the image copied from the archive has the source's diff IDs");

        // RepoTags: the bundle's source reference.
        Path unpacked = tmp.resolve("unpacked");
        Files.createDirectories(unpacked);
        Tools.run("tar", "-xf", armTar.toString(), "-C", unpacked.toString()).ok();
        JsonNode manifest = JSON.readTree(unpacked.resolve("manifest.json").toFile());
        assertEquals(source.host() + "/app/multi:1.0", manifest.get(0).path("RepoTags").get(0).asText());
        assertTrue(Files.exists(unpacked.resolve("repositories")));

        // Default platform: the host's (amd64 on this machine; arm64 elsewhere is as good).
        String hostArch = Platform.host().architecture();
        if (hostArch.equals("amd64") || hostArch.equals("arm64")) {
            Path hostTar = archives.resolve("multi-host.tar.gz");
            Airlock.importer(List.of("load", bundle.toString(), "--trust", keys[1].toString(), "--docker-archive", hostTar.toString()))
                    .ok();
            // skopeo 1.9.3 (Debian 12) reads no gzip-compressed docker archive, not even gzip(1)'s ("loading tar component
            // manifest.json: unexpected EOF"); docker load does. So gunzip(1) checks the gzip, skopeo what is inside.
            Path plainTar = archives.resolve("multi-host.tar");
            Tools.run(List.of("sh", "-c", "gzip -dc '" + hostTar + "' > '" + plainTar + "'"), Map.of(), null).ok();
            JsonNode gz = skopeoConfig("docker-archive:" + plainTar, List.of());
            assertEquals(hostArch, gz.path("architecture").asText(), "a .tar.gz archive, read by skopeo, of the host's platform");
            assertEquals(diffIds(hostArch.equals("amd64") ? amd : arm), ids(gz));
        }

        // An unknown platform: exit 2, naming those there are; nothing written.
        Path none = archives.resolve("none.tar");
        Airlock.Run bad = Airlock.importer(List.of("load", bundle.toString(), "--trust", keys[1].toString(),
                "--docker-archive", none.toString(), "--platform", "linux/s390x"));
        assertEquals(2, bad.code(), bad.toString());
        assertTrue(bad.err().contains("linux/amd64") && bad.err().contains("linux/arm64/v8") && bad.err().contains("linux/s390x"),
                bad.err());
        assertFalse(Files.exists(none));
        try (Stream<Path> s = Files.list(archives)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().endsWith(".partial")), "no partial archive left");
        }

        // An image the bundle does not have: exit 2, naming the ones it has.
        Airlock.Run missing = Airlock.importer(List.of("load", bundle.toString(), "--trust", keys[1].toString(),
                "--docker-archive", none.toString(), "--image", source.host() + "/app/other:1"));
        assertEquals(2, missing.code(), missing.toString());
        assertTrue(missing.err().contains(source.host() + "/app/multi:1.0"), missing.err());
    }

    @Test
    void fromDockerArchive_skopeoArchive_becomesBundle_thatImportsWithTheSameDiffIds_andADeltaCarriesNothingNew(Registries registries)
            throws Exception {
        TestRegistry source = registries.plain();
        Image one = image("amd64", null, 30);
        TestImages.push(source.client(), source.host(), "app/one", "1", one);
        Path tar = tmp.resolve("one.tar");
        Tools.run("skopeo", "copy", "--src-tls-verify=false", "docker://" + source.host() + "/app/one:1",
                "docker-archive:" + tar + ":mirror.example/analyzers/one:1").ok();
        Path[] keys = Fixture.keygen(tmp, "exporter");

        Path first = export(null, keys[0], "da", List.of("--from-docker-archive", tar.toString()));
        TestRegistry target = registries.plain();
        Airlock.Run imp = Airlock.importer(List.of("import", first.toString(), "--trust", keys[1].toString(), "--registry",
                target.host() + "/mirror", "--state", tmp.resolve("import-state").toString(), "--insecure-registry", target.host())).ok();
        assertTrue(imp.out().contains("mirror.example/analyzers/one:1"), imp.toString());
        JsonNode landed = skopeoConfig("docker://" + target.host() + "/mirror/analyzers/one:1", List.of("--tls-verify=false"));
        assertEquals(diffIds(one), ids(landed), "the image rebuilt from the archive has the source's diff IDs");

        // The same archive again: a delta that carries only the manifest.
        Airlock.Run again = Airlock.export(List.of("bundle", "--channel", "da", "--key", keys[0].toString(), "--out",
                tmp.resolve("out-da").toString(), "--state", tmp.resolve("export-state").toString(), "--json",
                "--from-docker-archive", tar.toString())).ok();
        JsonNode r = JSON.readTree(again.out());
        assertEquals(0, r.at("/blobs/carried").asInt(), "no config or layer blob is carried again, only the manifest: " + again.out());
        assertEquals(4, r.at("/blobs/required").asInt(), "config and three layers are left to the first bundle: " + again.out());
        Airlock.importer(List.of("import", r.at("/bundle/path").asText(), "--trust", keys[1].toString(), "--registry",
                target.host() + "/mirror", "--state", tmp.resolve("import-state").toString(), "--insecure-registry", target.host())).ok();

        // The same archive gzipped, named on the command line: the same manifest digest.
        Path gz = tmp.resolve("one.tar.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            Files.copy(tar, out);
        }
        Airlock.Run gzRun = Airlock.export(List.of("bundle", "--channel", "gz", "--key", keys[0].toString(), "--out",
                tmp.resolve("out-gz").toString(), "--state", tmp.resolve("export-state").toString(), "--json",
                "--from-docker-archive", gz + "=mirror.example/analyzers/renamed:2")).ok();
        JsonNode g = JSON.readTree(gzRun.out());
        JsonNode firstImage = JSON.readTree(again.out()).path("images").get(0);
        assertEquals("mirror.example/analyzers/renamed:2", g.path("images").get(0).path("source").asText());
        assertEquals(firstImage.path("digest").asText(), g.path("images").get(0).path("digest").asText(),
                "the same archive, gzipped, gives the same manifest");
    }

    @Test
    void fromDockerArchive_refusesDamagedOrUnnamedArchive_beforeWritingABundle(Registries registries) throws Exception {
        TestRegistry source = registries.plain();
        TestImages.push(source.client(), source.host(), "app/one", "1", image("amd64", null, 40));
        Path tar = tmp.resolve("one.tar");
        Tools.run("skopeo", "copy", "--src-tls-verify=false", "docker://" + source.host() + "/app/one:1",
                "docker-archive:" + tar + ":mirror.example/one:1").ok();
        Path[] keys = Fixture.keygen(tmp, "exporter");
        String layer = Fixture.entryNames(tar).stream().filter(n -> n.endsWith(".tar")).findFirst().orElseThrow();
        Fixture.flipByte(tar, layer, 1000);
        Path out = tmp.resolve("out");
        Airlock.Run damaged = Airlock.export(List.of("bundle", "--channel", "bad", "--key", keys[0].toString(), "--out", out.toString(),
                "--state", tmp.resolve("state").toString(), "--from-docker-archive", tar.toString()));
        assertEquals(3, damaged.code(), damaged.toString());
        assertTrue(damaged.err().contains(tar.toString()) && damaged.err().contains(layer) && damaged.err().contains("damaged"),
                damaged.err());
        assertNoFiles(out, "no bundle, no partial file");

        // An archive without RepoTags needs a name.
        Path unnamed = tmp.resolve("unnamed.tar");
        Tools.run("skopeo", "copy", "--src-tls-verify=false", "docker://" + source.host() + "/app/one:1", "docker-archive:" + unnamed)
                .ok();
        Airlock.Run noName = Airlock.export(List.of("bundle", "--channel", "bad", "--key", keys[0].toString(), "--out", out.toString(),
                "--state", tmp.resolve("state").toString(), "--from-docker-archive", unnamed.toString()));
        assertEquals(2, noName.code(), noName.toString());
        assertTrue(noName.err().contains(unnamed + "=NAME:TAG"), noName.err());
        assertNoFiles(out, "no bundle");
    }
}
