package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.testing.TarHeaders;
import dev.airlock.testing.Tools;
import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass G (issue 17, H4). Each bound of UntrustedBundle holds alone, not together: before
 * any signature is checked it lists up to 200,000 entries (Commons Compress's TarArchiveEntry, some
 * 400 bytes each: 80 MiB) and then reads bundle.json, up to 64 MiB, into memory (readNBytes, which
 * gathers and copies: twice that). A 170 MB file of a 64 MiB bundle.json and 199,990 empty entries,
 * signed by no one, is OutOfMemoryError in {@code verify} (the launcher's 192 MiB heap) with a stack
 * trace and exit 1, where the answer must be one line and exit 3. And {@code inspect}, made to show
 * an unverified bundle.json, reads it into a Jackson tree: 60 MiB of {@code {"blobs":[{},{},…]}}
 * is 20 million nodes, OutOfMemoryError.
 */
class UnsignedManifestMemoryIT {
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();

    @TempDir
    Path tmp;

    @Test
    void inspect_anUnsignedBundleJsonOfTwentyMillionEmptyBlobs_isShown_notOutOfMemory() throws Exception {
        Path bundle = tmp.resolve("blobs.airlock.tar");
        byte[] head = "{\"blobs\":[{}".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] more = new byte[3 << 20];
        for (int i = 0; i < more.length; i += 3) {
            more[i] = ',';
            more[i + 1] = '{';
            more[i + 2] = '}';
        }
        byte[] tail = "]}".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        long size = head.length + 20L * more.length + tail.length;
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(bundle), 1 << 20)) {
            out.write(TarHeaders.header("airlock/bundle.json", size, '0'));
            out.write(head);
            for (int i = 0; i < 20; i++) {
                out.write(more);
            }
            out.write(tail);
            out.write(new byte[(int) (-size & 511)]);
            out.write(TarHeaders.header("airlock/bundle.json.asc", 1, '0'));
            out.write(new byte[512]);
            out.write(new byte[1024]);
        }
        Tools.Result r = Tools.run(List.of(REPO.resolve("scripts/airlock-import").toString(), "inspect", bundle.toString()), Map.of(), null);
        assertFalse(r.stderr().contains("OutOfMemoryError"), r.stderr().lines().limit(3).toList().toString());
        assertEquals(0, r.exitCode(), r.stderr());
        assertTrue(r.stdout().contains("blobs    20971521, "), r.stdout());
    }

    @Test
    void verify_aLargeUnsignedBundleJsonAfterManyEntries_isOneLineExit3_notOutOfMemory() throws Exception {
        Path cert = tmp.resolve("k.pub.asc");
        Tools.Result k = Tools.run(List.of(REPO.resolve("scripts/airlock-export").toString(), "keygen", "--key",
                tmp.resolve("k.asc").toString(), "--cert", cert.toString(), "--uid", "t <t@example.org>"), Map.of(), null);
        assertEquals(0, k.exitCode(), k.stderr());
        Path bundle = tmp.resolve("big.airlock.tar");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(bundle), 1 << 20)) {
            out.write(TarHeaders.header("airlock/bundle.json", 64L << 20, '0'));
            byte[] chunk = new byte[1 << 20];
            Arrays.fill(chunk, (byte) ' ');
            for (int i = 0; i < 64; i++) {
                out.write(chunk);
            }
            out.write(TarHeaders.header("airlock/bundle.json.asc", 1, '0'));
            out.write(new byte[512]);
            for (int i = 0; i < 199_990; i++) {
                out.write(TarHeaders.header(String.format("blobs/sha256/%064d", i), 0, '0'));
            }
            out.write(new byte[1024]);
        }
        Tools.Result r = Tools.run(List.of(REPO.resolve("scripts/airlock-import").toString(), "verify", bundle.toString(), "--trust",
                cert.toString(), "-q"), Map.of(), null);
        assertFalse(r.stderr().contains("OutOfMemoryError"), r.stderr().lines().limit(3).toList().toString());
        assertEquals(1, r.stderr().strip().lines().count(), r.stderr());
        assertEquals(3, r.exitCode(), r.stderr());
    }
}
