package dev.airlock.dockerarchive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.error.AirlockException;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass G (issue 17, M4/H4). {@code --from-docker-archive FILE.tar.gz} is decompressed by
 * Commons Compress's gzip reader, which reads the header's original file name (FNAME) and comment
 * (FCOMMENT) up to their NUL into memory, with no bound: a 300 MiB name with no NUL ends in
 * OutOfMemoryError (the exporter runs in 192 MiB) before a byte is decompressed. Real names are a
 * file name; anything past {@link BoundedGunzip#MAX_HEADER_FIELD} is refused as damaged gzip.
 */
class GzipHeaderNameBoundTest {
    @TempDir
    Path tmp;

    @Test
    void open_aGzipArchiveWhoseHeaderNameHasNoEnd_isRefusedAsDamaged_beforeHoldingItInMemory() throws Exception {
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(gz)) {
            out.write(new byte[10240]); // an empty tar
        }
        byte[] plain = gz.toByteArray(); // a 10-byte header with no flags, then the deflated tar
        Path file = tmp.resolve("save.tar.gz");
        try (OutputStream out = Files.newOutputStream(file)) {
            byte[] header = Arrays.copyOf(plain, 10);
            header[3] = 0x08; // FNAME: a NUL-terminated name follows
            out.write(header);
            byte[] name = new byte[1 << 20];
            Arrays.fill(name, (byte) 'a');
            for (int i = 0; i < 8; i++) {
                out.write(name); // 8 MiB here; 300 MiB exhausts the exporter's heap
            }
            out.write(0);
            out.write(plain, 10, plain.length - 10);
        }
        AirlockException e = assertThrows(AirlockException.class, () -> DockerArchiveSource.open(file.toString()).close());
        assertEquals(AirlockException.Kind.DIGEST_MISMATCH, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("is damaged gzip") && e.getMessage().contains("header"), e.getMessage());
    }
}
