package dev.airlock.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.error.AirlockException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Findings of the red-team pass against {@link OutputFiles} (issue 17, C2 and H1). Each test failed
 * on the main it was written against; they state the contract "a command never destroys what it
 * reads, and never replaces a special file".
 */
class OutputFilesNeverDestroysTest {
    @TempDir
    Path tmp;

    /**
     * {@code airlock-import load .x.tar.partial --docker-archive x.tar}: the input bundle happens to
     * be named like the output's temporary file. {@link OutputFiles#check} compares the target with
     * the inputs but not the temporary name, and {@link OutputFiles#create} deletes whatever holds
     * that name: the signed bundle being read is gone (exit 0).
     */
    @Test
    void create_neverDeletesAnInputThatHoldsTheTemporaryName() throws Exception {
        Path target = tmp.resolve("x.tar");
        Path input = AtomicFiles.partialName(target);
        byte[] bundle = "a signed bundle".getBytes();
        Files.write(input, bundle);
        try {
            OutputFiles.check("--docker-archive", target, OutputFiles.Parents.CREATE, Map.of(input, "the bundle being read"));
            try (OutputFiles.Partial p = OutputFiles.create("--docker-archive", target, OutputFiles.Parents.CREATE)) {
                p.channel().write(ByteBuffer.wrap("archive".getBytes()));
                p.commit();
            }
        } catch (AirlockException refused) {
            assertEquals(AirlockException.Kind.USAGE, refused.kind(), refused.getMessage());
        }
        assertTrue(Files.exists(input), "the input " + input + " was deleted");
        assertArrayEquals(bundle, Files.readAllBytes(input));
    }

    /**
     * {@code --docker-archive /dev/stdout} (also {@code login --authfile}, {@code keygen --force --key},
     * {@code receipt --out}) with stdout redirected to a file, as under cron: {@code /dev/stdout} is a
     * symbolic link to {@code /proc/self/fd/1}, which resolves to a regular file, so the contract's
     * "a link to a regular file is replaced" renames a regular file over the system's
     * {@code /dev/stdout} (as root: for every process, until reboot). Stand-in here: a link in a temp
     * directory to {@code /proc/self/fd/N} of a regular file this JVM holds open (the real
     * {@code /dev/stdout} must not be touched by a test). Whatever the fix — refuse, or write
     * through a /proc/self/fd link — the link must still be there.
     */
    @Test
    void write_neverReplacesALinkIntoProcSelfFd() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "needs Linux /proc");
        Path redirected = tmp.resolve("stdout-of-cron.log");
        try (FileChannel open = FileChannel.open(redirected, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            Path fd = fdOf(redirected);
            Assumptions.assumeTrue(fd != null, "no /proc/self/fd entry found for " + redirected);
            Path stdout = tmp.resolve("stdout");
            Files.createSymbolicLink(stdout, fd);
            try {
                OutputFiles.write("--docker-archive", stdout, OutputFiles.Parents.CREATE, "archive".getBytes(), false);
            } catch (AirlockException refused) {
                assertEquals(AirlockException.Kind.USAGE, refused.kind(), refused.getMessage());
            }
            assertTrue(Files.isSymbolicLink(stdout), "the link to " + fd + " (a /dev/stdout) was replaced by a regular file");
        }
    }

    private static Path fdOf(Path file) throws Exception {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    if (Files.readSymbolicLink(fd).equals(file.toAbsolutePath())) {
                        return Path.of("/proc/self/fd").resolve(fd.getFileName());
                    }
                } catch (java.io.IOException gone) {
                    // the directory stream's own fd, closed meanwhile
                }
            }
        }
        return null;
    }
}
