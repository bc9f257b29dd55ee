package dev.airlock.dockerarchive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.digest.Digest;
import dev.airlock.error.AirlockException;
import dev.airlock.testing.TarHeaders;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17: what a hostile docker archive may make {@code bundle --from-docker-archive} spend.
 * H4: a huge GNU long name is refused before Commons Compress holds it in memory. M4: a gzip
 * layer is decompressed (to hash it) only up to {@link BoundedGunzip#bound} of its size.
 */
class DockerArchiveBoundsTest {
    @TempDir
    Path tmp;

    private static void file(TarArchiveOutputStream tar, String name, byte[] bytes) throws Exception {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(bytes.length);
        tar.putArchiveEntry(e);
        tar.write(bytes);
        tar.closeArchiveEntry();
    }

    /** One image of one layer stored as {@code layer}, whose config names {@code diffId}; the layer's name is {@code layerName}. */
    private Path archive(String layerName, byte[] layer, Digest diffId) throws Exception {
        byte[] c = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + diffId + "\"]}}")
                .getBytes(StandardCharsets.UTF_8);
        Path file = tmp.resolve("save.tar");
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(Files.newOutputStream(file))) {
            file(tar, layerName, layer);
            file(tar, "c.json", c);
            file(tar, "manifest.json", ("[{\"Config\":\"c.json\",\"RepoTags\":[\"z:1\"],\"Layers\":[\"" + layerName + "\"]}]")
                    .getBytes(StandardCharsets.UTF_8));
        }
        return file;
    }

    @Test
    void gzipLayerExpandingPastItsBound_isRefusedNamingTheBound_notHashedToItsEnd() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] zeros = new byte[1 << 20];
        long total = BoundedGunzip.FLOOR + (64L << 20);
        try (OutputStream gz = new GZIPOutputStream(out, 1 << 16)) {
            for (long n = 0; n < total; n += zeros.length) {
                gz.write(zeros);
            }
        }
        byte[] layer = out.toByteArray(); // well under 1 MiB: its bound is the floor, 256 MiB
        Path save = archive("l.tar", layer, Digest.sha256Of(new byte[1])); // a wrong diff_id: hashing it whole would end in a mismatch
        AirlockException e = assertThrows(AirlockException.class, () -> DockerArchiveSource.open(save.toString()));
        assertEquals(AirlockException.Kind.USAGE, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("layer 0 (l.tar) decompresses to more than " + BoundedGunzip.FLOOR + " bytes"), e.getMessage());
    }

    @Test
    void gzipLayerWithinItsBound_isHashed() throws Exception {
        byte[] content = "a small layer".getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(out)) {
            gz.write(content);
        }
        try (DockerArchiveSource a = DockerArchiveSource.open(archive("l.tar", out.toByteArray(), Digest.sha256Of(content)).toString())) {
            assertEquals(1, a.images().size());
        }
    }

    /** Issue 17, L5: bytes after the last gzip member that are not another member were ignored (GZIPInputStream stops silently). */
    @Test
    void gzipArchiveWithTrailingGarbage_isRefusedAsDamaged() throws Exception {
        byte[] content = "a small layer".getBytes(StandardCharsets.UTF_8);
        Path tar = archive("l.tar", content, Digest.sha256Of(content));
        Path gz = tmp.resolve("save.tar.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write(Files.readAllBytes(tar));
        }
        DockerArchiveSource.open(gz.toString()).close(); // as gzip writes it: fine
        Files.write(gz, "trailing garbage".getBytes(StandardCharsets.UTF_8), java.nio.file.StandardOpenOption.APPEND);
        AirlockException e = assertThrows(AirlockException.class, () -> DockerArchiveSource.open(gz.toString()));
        assertEquals(AirlockException.Kind.DIGEST_MISMATCH, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("is damaged gzip") && e.getMessage().contains("after a valid .gz stream"), e.getMessage());
    }

    @Test
    void hugeGnuLongName_isRefusedAsMalformed_inOneLine_beforeItIsRead() throws Exception {
        Path save = archive("l.tar", new byte[10], Digest.sha256Of(new byte[10]));
        byte[] good = Files.readAllBytes(save);
        int big = 1 << 20; // over the 64 KiB bound, small enough for a test heap
        try (OutputStream out = Files.newOutputStream(save)) {
            out.write(TarHeaders.header("././@LongLink", big, 'L'));
            out.write(new byte[big]);
            out.write(good);
        }
        AirlockException e = assertThrows(AirlockException.class, () -> DockerArchiveSource.open(save.toString()));
        assertEquals(AirlockException.Kind.MALFORMED_BUNDLE, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("GNU long name (type L) of 1048576 bytes, over the bound of 65536"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
    }
}
