package dev.airlock.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.airlock.dockerarchive.DockerArchiveSource;
import dev.airlock.error.AirlockException;
import dev.airlock.testing.TarHeaders;
import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass F (issue 17, a way around TarHeaderGuard). Commons Compress 1.28 skips a
 * directory entry's data by its size but, unlike every other entry, not the padding after it
 * ({@code TarFile.skipRecordPadding}: {@code !isDirectory()}): a directory header with a size of 1
 * puts the next header it reads at byte 513, one byte into what the guard, which pads every entry,
 * reads as the data of a 512-byte block further on. The guard reads a header whose size ends its
 * walk; Commons Compress reads 20,000 PAX headers the guard never saw and overflows its stack.
 */
class DirectoryPaddingDesyncTest {
    @TempDir
    Path tmp;

    @Test
    void open_aDirectoryEntryWithAnUnpaddedSize_hidingPaxHeaders_isRefusedMalformed_notAStackOverflow() throws Exception {
        Path p = evil(tmp.resolve("evil.airlock.tar"));
        AirlockException e = assertThrows(AirlockException.class, () -> UntrustedBundle.open(p).close());
        assertEquals(AirlockException.Kind.MALFORMED_BUNDLE, e.kind(), e.getMessage());
    }

    /** The same archive given to bundle --from-docker-archive. */
    @Test
    void dockerArchive_aDirectoryEntryWithAnUnpaddedSize_hidingPaxHeaders_isRefusedMalformed_notAStackOverflow() throws Exception {
        Path p = evil(tmp.resolve("evil.tar"));
        AirlockException e = assertThrows(AirlockException.class, () -> DockerArchiveSource.open(p.toString()).close());
        assertEquals(AirlockException.Kind.MALFORMED_BUNDLE, e.kind(), e.getMessage());
    }

    /** A regular file's header whose name ends in '/' is a directory to Commons Compress too (isDirectory), unpadded alike. */
    @Test
    void open_aFileEntryNamedWithATrailingSlashAndAnUnpaddedSize_isRefusedMalformed_notAStackOverflow() throws Exception {
        Path p = evil(tmp.resolve("evil2.airlock.tar"), TarHeaders.header("airlock/", 1, '0'));
        AirlockException e = assertThrows(AirlockException.class, () -> UntrustedBundle.open(p).close());
        assertEquals(AirlockException.Kind.MALFORMED_BUNDLE, e.kind(), e.getMessage());
    }

    private static Path evil(Path p) throws java.io.IOException {
        return evil(p, TarHeaders.header("airlock/", 1, '5'));
    }

    private static Path evil(Path p, byte[] directory) throws java.io.IOException {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(p), 1 << 20)) {
            out.write(directory);
            out.write(0); // the directory's one byte; Commons Compress reads the next header here, at byte 513
            out.write(TarHeaders.header("c", 1024, '0'), 0, 511); // its last byte is the first of the guard's header at 1024
            byte[] guards = TarHeaders.header("g", 1L << 33, '0'); // 8 GiB: past the end, the guard's walk ends
            out.write(guards);
            out.write(new byte[1024 - 512 + 1]); // the rest of c's 1,024 bytes: Commons Compress is at 2049
            byte[] body = "20 comment=aaaaaaaa\n".getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < 20_000; i++) {
                out.write(TarHeaders.header("PaxHeaders/x", body.length, 'x'));
                out.write(Arrays.copyOf(body, 512));
            }
            out.write(TarHeaders.header("z", 0, '0'));
            out.write(new byte[1024]);
        }
        return p;
    }
}
