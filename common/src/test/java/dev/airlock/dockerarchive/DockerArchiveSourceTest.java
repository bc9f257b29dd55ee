package dev.airlock.dockerarchive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.copy.Repo;
import dev.airlock.digest.Digest;
import dev.airlock.error.AirlockException;
import dev.airlock.io.TransferListener;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Platform;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The archive reader on the shapes docker save writes (per-layer directories, a shared layer
 * behind a symbolic link, a gzip layer as Docker 25 with containerd keeps them), and the writer's
 * output read back by the reader: the same configs and diff IDs.
 */
class DockerArchiveSourceTest {
    @TempDir
    Path tmp;

    private static byte[] random(long seed, int n) {
        byte[] b = new byte[n];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            b[i] = (byte) r.nextInt(256);
        }
        return b;
    }

    private static byte[] gzip(byte[] b) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(out)) {
            gz.write(b);
        }
        return out.toByteArray();
    }

    private static byte[] config(Digest... diffIds) {
        StringBuilder ids = new StringBuilder();
        for (Digest d : diffIds) {
            ids.append(ids.length() == 0 ? "" : ",").append('"').append(d).append('"');
        }
        return ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + ids + "]}}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static void file(TarArchiveOutputStream tar, String name, byte[] bytes) throws Exception {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(bytes.length);
        tar.putArchiveEntry(e);
        tar.write(bytes);
        tar.closeArchiveEntry();
    }

    private static void link(TarArchiveOutputStream tar, String name, String target) throws Exception {
        TarArchiveEntry e = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK);
        e.setLinkName(target);
        tar.putArchiveEntry(e);
        tar.closeArchiveEntry();
    }

    /** Two images sharing a base layer (the second reaches it through a symbolic link), one gzip layer. */
    private Path dockerSave(byte[] base, byte[] top) throws Exception {
        Digest baseId = Digest.sha256Of(base);
        Digest topId = Digest.sha256Of(top);
        byte[] c1 = config(baseId);
        byte[] c2 = config(baseId, topId);
        Path file = tmp.resolve("save.tar");
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(Files.newOutputStream(file))) {
            file(tar, "aaa/layer.tar", base);
            link(tar, "bbb/layer.tar", "../aaa/layer.tar");
            file(tar, "ccc/layer.tar", gzip(top));
            file(tar, Digest.sha256Of(c1).hex() + ".json", c1);
            file(tar, Digest.sha256Of(c2).hex() + ".json", c2);
            file(tar, "manifest.json", ("[{\"Config\":\"" + Digest.sha256Of(c1).hex() + ".json\",\"RepoTags\":[\"base:1\"],"
                    + "\"Layers\":[\"aaa/layer.tar\"]},{\"Config\":\"" + Digest.sha256Of(c2).hex() + ".json\","
                    + "\"RepoTags\":[\"registry.example/app:2\",\"app:latest\"],\"Layers\":[\"bbb/layer.tar\",\"ccc/layer.tar\"]}]")
                    .getBytes(StandardCharsets.UTF_8));
        }
        return file;
    }

    @Test
    void dockerSaveLayout_givesOneImagePerName_withLayersAsStored_andSymlinkedLayerOnce() throws Exception {
        byte[] base = random(1, 50_000);
        byte[] top = random(2, 20_000);
        try (DockerArchiveSource a = DockerArchiveSource.open(dockerSave(base, top).toString())) {
            List<DockerArchiveSource.Image> images = a.images();
            assertEquals(List.of("docker.io/library/base:1", "registry.example/app:2", "docker.io/library/app:latest"),
                    images.stream().map(i -> i.reference().toString()).toList());
            assertEquals(images.get(1).manifest(), images.get(2).manifest());
            List<Descriptor> blobs = images.get(1).manifest().blobs();
            assertEquals(Digest.sha256Of(base), blobs.get(1).digest(), "an uncompressed layer's digest is its diff ID");
            assertEquals(DockerArchiveSource.LAYER, blobs.get(1).mediaType());
            assertEquals(Digest.sha256Of(gzip(top)), blobs.get(2).digest(), "a gzip layer is carried as stored");
            assertEquals(DockerArchiveSource.LAYER_GZIP, blobs.get(2).mediaType());
            assertEquals(images.get(0).manifest().blobs().get(1), blobs.get(1), "the shared layer is the same blob");
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            a.blob(images.get(0).repo(), blobs.get(1)).writeTo((buf, off) -> got.write(buf.array(), buf.arrayOffset() + buf.position(),
                    buf.remaining()));
            assertTrue(java.util.Arrays.equals(base, got.toByteArray()));
        }
        // Same content, same manifests: the delta chain depends on it.
        try (DockerArchiveSource a = DockerArchiveSource.open(tmp.resolve("save.tar").toString());
                DockerArchiveSource b = DockerArchiveSource.open(tmp.resolve("save.tar").toString())) {
            assertEquals(a.images().get(1).manifest().digest(), b.images().get(1).manifest().digest());
        }
    }

    @Test
    void writer_roundTrip_throughTheReader_keepsConfigsAndDiffIds_andLeavesNoPartialFile() throws Exception {
        byte[] base = random(3, 70_000);
        byte[] top = random(4, 30_000);
        Path save = dockerSave(base, top);
        Path out = tmp.resolve("out/again.tar.gz");
        try (DockerArchiveSource a = DockerArchiveSource.open(save.toString())) {
            DockerArchiveSource.Image app = a.images().get(1);
            DockerArchiveWriter.Written w = DockerArchiveWriter.write(a, List.of(new DockerArchiveWriter.Image(app.repo(),
                    app.manifest().digest(), List.of("registry.example/app:2"))), null, out, TransferListener.NONE);
            assertEquals(1, w.images().size());
            assertEquals("linux/amd64", w.images().get(0).platform());
        }
        try (var files = Files.list(out.getParent())) {
            assertEquals(List.of(out), files.toList(), "only the archive, no .partial");
        }
        try (DockerArchiveSource back = DockerArchiveSource.open(out.toString())) {
            DockerArchiveSource.Image app = back.images().get(0);
            assertEquals("registry.example/app:2", app.reference().toString());
            List<Descriptor> blobs = app.manifest().blobs();
            assertEquals(Digest.sha256Of(base), blobs.get(1).digest());
            assertEquals(Digest.sha256Of(top), blobs.get(2).digest(), "written uncompressed: the digest is the diff ID");
            assertEquals(DockerArchiveSource.LAYER, blobs.get(2).mediaType());
        }
    }

    @Test
    void damagedLayer_isDigestMismatch_namingFileAndLayer_andZstdLayerIsRefused() throws Exception {
        byte[] base = random(5, 10_000);
        Path save = dockerSave(base, random(6, 5_000));
        byte[] bytes = Files.readAllBytes(save);
        bytes[512 + 100] ^= 1; // inside aaa/layer.tar, the first entry
        Files.write(save, bytes);
        AirlockException e = assertThrows(AirlockException.class, () -> DockerArchiveSource.open(save.toString()));
        assertEquals(AirlockException.Kind.DIGEST_MISMATCH, e.kind());
        assertTrue(e.getMessage().contains(save.toString()) && e.getMessage().contains("layer 0 (aaa/layer.tar)"), e.getMessage());

        byte[] zstd = {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd, 1, 2, 3};
        Path z = tmp.resolve("zstd.tar");
        byte[] c = config(Digest.sha256Of(zstd));
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(Files.newOutputStream(z))) {
            file(tar, "l.tar", zstd);
            file(tar, "c.json", c);
            file(tar, "manifest.json", "[{\"Config\":\"c.json\",\"RepoTags\":[\"z:1\"],\"Layers\":[\"l.tar\"]}]".getBytes(StandardCharsets.UTF_8));
        }
        AirlockException ze = assertThrows(AirlockException.class, () -> DockerArchiveSource.open(z.toString()));
        assertEquals(AirlockException.Kind.USAGE, ze.kind());
        assertTrue(ze.getMessage().contains("zstd"), ze.getMessage());
    }

    @Test
    void platformParsing_andMatching() {
        assertEquals(new Platform("linux", "arm64", "v8"), Platform.parse("linux/arm64/v8"));
        assertTrue(Platform.parse("linux/arm64").matches("linux", "arm64", "v8"));
        assertTrue(Platform.parse("linux/arm64/v8").matches("linux", "arm64", null));
        assertFalse(Platform.parse("linux/arm/v6").matches("linux", "arm", "v7"));
        assertEquals(AirlockException.Kind.USAGE, assertThrows(AirlockException.class, () -> Platform.parse("amd64")).kind());
    }
}
