package dev.airlock.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.error.AirlockException;
import dev.airlock.testing.Tools;
import java.io.RandomAccessFile;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link BoundedFiles} on real special files: a FIFO (which would block a plain read forever),
 * {@code /dev/zero} (which never ends), a socket, a directory, links, a 20 MiB file, and a
 * {@code /proc} file whose size says 0 but whose read goes on.
 */
class BoundedFilesTest {
    private static final Duration PROMPTLY = Duration.ofSeconds(10);

    @TempDir
    Path tmp;

    private Path fifo(String name) throws Exception {
        Assumptions.assumeTrue(Tools.has("mkfifo"), "needs mkfifo (coreutils) to make a FIFO");
        Path p = tmp.resolve(name);
        Tools.run(List.of("mkfifo", p.toString()), Map.of(), null).ok();
        return p;
    }

    private static AirlockException refused(Path p, BoundedFiles.Rule rule) {
        return assertTimeoutPreemptively(PROMPTLY, () -> assertThrows(AirlockException.class, () -> BoundedFiles.read(p, rule)));
    }

    @Test
    void aRegularFile_isReadWhole() throws Exception {
        Path p = Files.writeString(tmp.resolve("a.yaml"), "channel: daily\n");
        assertArrayEquals("channel: daily\n".getBytes(StandardCharsets.UTF_8), BoundedFiles.read(p, BoundedFiles.CONFIG));
        assertEquals("channel: daily", BoundedFiles.firstLine(p, BoundedFiles.SECRET));
    }

    @Test
    void aFifo_isRefusedPromptly_namingItAsAFifo() throws Exception {
        Path p = fifo("NAME.volumes.json");
        AirlockException e = refused(p, BoundedFiles.VOLUME_LIST);
        assertEquals(p + " is a FIFO (named pipe), not a regular file; a volume list must be one", e.getMessage());
        assertEquals(AirlockException.Kind.MALFORMED_BUNDLE, e.kind());
        // An operator's file that may be a link is refused the same way.
        assertEquals(AirlockException.Kind.USAGE, refused(p, BoundedFiles.CONFIG).kind());
    }

    @Test
    void aPassphraseHandedOverThroughAPipe_isRead_butStillBounded() throws Exception {
        // --passphrase-file /dev/stdin or <(pass show …): a FIFO the operator chose, with a writer behind it.
        Path p = fifo("pass");
        Thread writer = new Thread(() -> writeTo(p, "s3cret\nignored\n".getBytes(StandardCharsets.UTF_8)));
        writer.start();
        assertEquals("s3cret", assertTimeoutPreemptively(PROMPTLY, () -> BoundedFiles.firstLine(p, BoundedFiles.SECRET)));
        writer.join();
        Path big = fifo("big");
        Thread flood = new Thread(() -> writeTo(big, new byte[3 * 1024 * 1024]));
        flood.start();
        AirlockException e = assertTimeoutPreemptively(PROMPTLY,
                () -> assertThrows(AirlockException.class, () -> BoundedFiles.read(big, BoundedFiles.SECRET)));
        assertTrue(e.getMessage().contains("grew past the 1 MiB"), e.getMessage());
        flood.interrupt();
    }

    private static void writeTo(Path fifo, byte[] bytes) {
        try (var out = Files.newOutputStream(fifo)) {
            out.write(bytes);
        } catch (java.io.IOException e) {
            // the reader closed its end after the bound: the pipe breaks, as it should
        }
    }

    @Test
    void aLinkToDevZero_isRefusedAsALink_orAsADevice_neverRead() throws Exception {
        Path link = Files.createSymbolicLink(tmp.resolve("NAME.volumes.json.asc"), Path.of("/dev/zero"));
        AirlockException asLink = refused(link, BoundedFiles.SIGNATURE);
        assertEquals(link + " is a symbolic link to /dev/zero; a signature file is read only from a regular file, not through a link",
                asLink.getMessage());
        AirlockException followed = refused(link, BoundedFiles.KEY);
        assertEquals(link + " (a link to /dev/zero) is a character device, not a regular file; a key file must be one",
                followed.getMessage());
        assertEquals(AirlockException.Kind.USAGE, followed.kind());
    }

    @Test
    void aLinkToARegularFile_isFollowedOnlyWhereTheRuleExpectsLinks() throws Exception {
        Path target = Files.writeString(tmp.resolve("real.yaml"), "threshold: 1\n");
        Path link = Files.createSymbolicLink(tmp.resolve("import.yaml"), target);
        assertEquals("threshold: 1\n", new String(BoundedFiles.read(link, BoundedFiles.CONFIG), StandardCharsets.UTF_8));
        AirlockException e = refused(link, BoundedFiles.VOLUME_LIST);
        assertTrue(e.getMessage().startsWith(link + " is a symbolic link to " + target), e.getMessage());
    }

    @Test
    void aDirectoryAndASocket_areNamedForWhatTheyAre() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("auth.json"));
        assertEquals(dir + " is a directory, not a regular file; an auth file must be one", refused(dir, BoundedFiles.AUTH_FILE).getMessage());
        Path sock = tmp.resolve("agent.sock");
        try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            s.bind(UnixDomainSocketAddress.of(sock));
            assertEquals(sock + " is a socket, not a regular file; a key file must be one", refused(sock, BoundedFiles.KEY).getMessage());
        }
    }

    @Test
    void aFileOverTheBound_isRefusedBeforeItIsRead_namingSizeAndBound() throws Exception {
        Path p = tmp.resolve("scanners.yaml");
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(20L << 20); // sparse: 20 MiB on paper, nothing on disk
        }
        AirlockException e = refused(p, BoundedFiles.CONFIG);
        assertEquals(p + ": 20.0 MiB is larger than the 1 MiB a configuration file may be", e.getMessage());
        assertEquals(AirlockException.Kind.USAGE, e.kind());
    }

    @Test
    void aFileWhoseSizeSaysLessThanItHolds_isCutOffAtTheBound() throws Exception {
        // /proc files stat as 0 bytes and read on: what a file growing during the read looks like.
        Path status = Path.of("/proc/self/status");
        Assumptions.assumeTrue(Files.isRegularFile(status) && Files.size(status) == 0, "needs Linux /proc");
        BoundedFiles.Rule tiny = new BoundedFiles.Rule("a tiny file", 64, BoundedFiles.Links.FOLLOW, AirlockException.Kind.USAGE);
        AirlockException e = refused(status, tiny);
        assertEquals(status + ": grew past the 64 bytes a tiny file may be while it was read", e.getMessage());
    }

    @Test
    void aMissingFile_isLeftToTheCaller() {
        assertThrows(NoSuchFileException.class, () -> BoundedFiles.read(tmp.resolve("nope"), BoundedFiles.CONFIG));
    }

    @Test
    void textThatIsNotUtf8_isRefusedNamingTheFile() throws Exception {
        Path p = Files.write(tmp.resolve("passphrase"), new byte[] {'p', (byte) 0xff, '\n'});
        AirlockException e = assertThrows(AirlockException.class, () -> BoundedFiles.firstLine(p, BoundedFiles.SECRET));
        assertEquals(p + " is not UTF-8 text, as a passphrase or credentials file must be", e.getMessage());
    }

    /**
     * Permission denied, as the kernel reports it to a user who may not read the file (the tests run
     * as root, whom the kernel never denies; e2e's PermissionDeniedIT runs the program as nobody).
     */
    @Test
    void permissionDenied_saysSoAndNamesTheUserAndTheAccess() {
        Path p = tmp.resolve("export-gitlab-secure.yaml");
        String old = System.getProperty("airlock.program");
        System.setProperty("airlock.program", "airlock-export");
        try {
            AirlockException e = BoundedFiles.failure(p, new AccessDeniedException(p.toString()), BoundedFiles.CONFIG);
            assertEquals(p + ": permission denied (airlock-export runs as user '" + System.getProperty("user.name")
                    + "', which needs read access)", e.getMessage());
            assertEquals(AirlockException.Kind.LOCAL, e.kind());
        } finally {
            if (old == null) {
                System.clearProperty("airlock.program");
            } else {
                System.setProperty("airlock.program", old);
            }
        }
    }
}
