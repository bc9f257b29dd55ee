package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.testing.TarHeaders;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team finding (issue 17, second pass, helper rB): an unsigned file in the inbox or on the
 * stick whose first tar header is a GNU long name ({@code ././@LongLink}, type L) or a PAX
 * extended header of 150 MiB makes commons-compress's TarFile read it whole into memory: with the
 * launcher's 192 MiB heap, {@code verify} ends in {@code OutOfMemoryError} with a stack trace
 * (exit 1), and {@code watch} dies the same way in ChainOrder.peek — on every restart, since the
 * file stays in the inbox, so no later bundle is ever imported. Nothing needs a key. Run through
 * the real launcher (its heap is what matters). Fails on the main it was written against.
 */
class TarHeaderBoundIT {
    private static final int BIG = 150 << 20;

    @TempDir
    Path tmp;

    @Test
    void verify_refusesAHugeLongNameHeader_withExit3AndOneLine() throws Exception {
        assertRefusedInOneLine(write(tmp.resolve("longname-000001.airlock.tar"), "././@LongLink", 'L'));
    }

    @Test
    void verify_refusesAHugePaxHeader_withExit3AndOneLine() throws Exception {
        assertRefusedInOneLine(write(tmp.resolve("pax-000001.airlock.tar"), "PaxHeaders/x", 'x'));
    }

    /** The same header at the start of a docker archive: {@code bundle --from-docker-archive} (DockerArchiveSource.scan) ends in OutOfMemoryError. */
    @Test
    void bundleFromDockerArchive_refusesAHugeLongNameHeader_inOneLine() throws Exception {
        Path exporter = WatchIT.launcher().resolveSibling("airlock-export");
        Path[] keys = Fixture.keygen(tmp, "exporter");
        Path archive = write(tmp.resolve("archive.tar"), "././@LongLink", 'L');
        Path log = tmp.resolve("bundle.log");
        Process p = new ProcessBuilder(exporter.toString(), "bundle", "--channel", "oom", "--key", keys[0].toString(), "--out",
                tmp.resolve("out").toString(), "--state", tmp.resolve("state").toString(), "--from-docker-archive", archive.toString(), "-q")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "bundle did not end");
        String out = Files.readString(log);
        assertTrue(p.exitValue() == 2 || p.exitValue() == 3, out);
        assertEquals(1, out.strip().lines().count(), out);
    }

    private void assertRefusedInOneLine(Path bundle) throws Exception {
        Path launcher = WatchIT.launcher();
        Path[] keys = Fixture.keygen(tmp, "exporter");
        Path log = tmp.resolve(bundle.getFileName() + ".log");
        Process p = new ProcessBuilder(launcher.toString(), "verify", bundle.toString(), "--trust", keys[1].toString(), "-q")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "verify did not end");
        String out = Files.readString(log);
        assertEquals(3, p.exitValue(), out);
        assertEquals(1, out.strip().lines().count(), out);
    }

    /** A tar whose first header is {@code name} of type {@code type} with a body of {@value #BIG} bytes, then a tiny bundle.json. */
    private static Path write(Path file, String name, char type) throws Exception {
        byte[] body = new byte[BIG];
        Arrays.fill(body, (byte) 'a');
        if (type == 'x') {
            // one PAX record "LEN comment=aaaa…\n" filling the body
            byte[] head = (BIG + " comment=").getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(head, 0, body, 0, head.length);
            body[BIG - 1] = '\n';
        }
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(TarHeaders.header(name, BIG, type));
            out.write(body);
            out.write(TarHeaders.header("airlock/bundle.json", 2, '0'));
            out.write(Arrays.copyOf("{}".getBytes(StandardCharsets.US_ASCII), 512));
            out.write(new byte[1024]);
        }
        return file;
    }
}
