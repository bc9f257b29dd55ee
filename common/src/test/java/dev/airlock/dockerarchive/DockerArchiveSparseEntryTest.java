package dev.airlock.dockerarchive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.airlock.digest.Digest;
import dev.airlock.error.AirlockException;
import java.io.ByteArrayOutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass H: a docker archive that GNU tar packed with {@code -S} (old-GNU sparse entries)
 * is a valid archive, but its layer file is stored without its holes: read at its data offset and
 * stored size, it hashed to another digest and was refused as "the archive is damaged", which
 * sends the operator after a damage that is not there. It is refused naming what it is.
 */
class DockerArchiveSparseEntryTest {
    @TempDir
    Path tmp;

    @Test
    void open_anArchivePackedByGnuTarWithSparseEntries_isRefusedAsSparse_notAsDamaged() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/tar")), "GNU tar (/usr/bin/tar) is not installed");
        Path dir = Files.createDirectories(tmp.resolve("d"));
        // A layer of 40 files of 64 KiB of zeros, written with holes where it is all zeros (as a copy with cp --sparse leaves it).
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(b)) {
            for (int i = 0; i < 40; i++) {
                TarArchiveEntry e = new TarArchiveEntry("z" + i);
                e.setSize(65536);
                t.putArchiveEntry(e);
                t.write(new byte[65536]);
                t.closeArchiveEntry();
            }
        }
        byte[] layer = b.toByteArray();
        Digest diffId = Digest.sha256Of(layer);
        Path layerFile = dir.resolve("layer.tar");
        try (RandomAccessFile f = new RandomAccessFile(layerFile.toFile(), "rw")) {
            for (int i = 0; i < layer.length; i += 4096) {
                int n = Math.min(4096, layer.length - i);
                boolean zero = true;
                for (int j = i; j < i + n && zero; j++) {
                    zero = layer[j] == 0;
                }
                if (!zero) {
                    f.seek(i);
                    f.write(layer, i, n);
                }
            }
            f.setLength(layer.length);
        }
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + diffId + "\"]}}")
                .getBytes(StandardCharsets.UTF_8);
        Files.write(dir.resolve("config.json"), config);
        Files.writeString(dir.resolve("manifest.json"), "[{\"Config\":\"config.json\",\"RepoTags\":[\"r/sparse:1\"],\"Layers\":[\"layer.tar\"]}]");
        Path archive = tmp.resolve("sparse.tar");
        Process p = new ProcessBuilder("/usr/bin/tar", "-C", dir.toString(), "--format=gnu", "-S", "-cf", archive.toString(), ".")
                .inheritIO().start();
        assertEquals(0, p.waitFor());
        AirlockException e = assertThrows(AirlockException.class, () -> DockerArchiveSource.open(archive.toString()).close());
        assertTrue(e.getMessage().contains("sparse") && !e.getMessage().contains("damaged"), e.getMessage());
        assertEquals(AirlockException.Kind.USAGE, e.kind(), e.getMessage());
    }
}
