package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.testing.TarHeaders;
import dev.airlock.testing.Tools;
import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass H (issue 17, H4): pass G made the unverified bundle.json a token stream, but two
 * other untrusted JSON files are still read into a Jackson tree within their byte bound, where
 * {@code {},} is 3 bytes and some 90 bytes of heap (ObjectNode and its LinkedHashMap):
 * <ul>
 * <li>an unsigned volume list (bound 32 MiB) is parsed before its signature is checked by
 * {@code inspect}, by watch's inbox scan and by watch's chain-order peek;
 * <li>a docker archive's manifest.json (bound 16 MiB) by {@code bundle --from-docker-archive}.
 * </ul>
 * Each is OutOfMemoryError in the launcher's 192 MiB heap, with a stack trace and exit 1.
 */
class UntrustedJsonTreeMemoryIT {
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();

    @TempDir
    Path tmp;

    @Test
    void inspect_anUnsignedVolumeListOfTenMillionEmptyObjects_isOneLineExit3_notOutOfMemory() throws Exception {
        Path list = tmp.resolve("b.volumes.json");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(list), 1 << 20)) {
            writeEmptyObjects(out, "{\"volumes\":[{}", 10, "]}"); // 30 MiB, under the 32 MiB bound
        }
        Tools.Result r = Tools.run(List.of(REPO.resolve("scripts/airlock-import").toString(), "inspect", list.toString()), Map.of(), null);
        assertOneLineExit3(r, list);
    }

    @Test
    void bundleFromDockerArchive_aManifestJsonOfFiveMillionEmptyObjects_isOneLineExit3_notOutOfMemory() throws Exception {
        Path cert = tmp.resolve("k.pub.asc");
        Tools.Result k = Tools.run(List.of(REPO.resolve("scripts/airlock-export").toString(), "keygen", "--key",
                tmp.resolve("k.asc").toString(), "--cert", cert.toString(), "--uid", "t <t@example.org>"), Map.of(), null);
        assertEquals(0, k.exitCode(), k.stderr());
        Path archive = tmp.resolve("archive.tar");
        long size = 1 + 5L * (3 << 20) + 1;
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(archive), 1 << 20)) {
            out.write(TarHeaders.header("manifest.json", size, '0'));
            writeEmptyObjects(out, "[", 5, "]"); // 15 MiB, under the 16 MiB bound
            out.write(new byte[(int) (-size & 511)]);
            out.write(new byte[1024]);
        }
        Tools.Result r = Tools.run(List.of(REPO.resolve("scripts/airlock-export").toString(), "bundle", "--channel", "c", "--key",
                tmp.resolve("k.asc").toString(), "--out", Files.createDirectories(tmp.resolve("out")).toString(), "--state",
                tmp.resolve("state").toString(), "--from-docker-archive", archive.toString(), "-q"), Map.of(), null);
        assertOneLineExit3(r, archive);
    }

    /**
     * Red-team pass H: every image of manifest.json had its config read, hashed and parsed again;
     * 40,000 images naming one 16 MiB config (a 17 MB archive) were 40 minutes of CPU. 1,500 of
     * them took some 90 s; read once, they take seconds.
     */
    @Test
    void bundleFromDockerArchive_manyImagesNamingOneLargeConfig_readItOnce() throws Exception {
        Tools.Result k = Tools.run(List.of(REPO.resolve("scripts/airlock-export").toString(), "keygen", "--key",
                tmp.resolve("k.asc").toString(), "--cert", tmp.resolve("k.pub.asc").toString(), "--uid", "t <t@example.org>"), Map.of(), null);
        assertEquals(0, k.exitCode(), k.stderr());
        StringBuilder manifest = new StringBuilder("[");
        for (int i = 0; i < 1500; i++) {
            manifest.append(i == 0 ? "" : ",").append("{\"Config\":\"config.json\",\"RepoTags\":[\"r/a:").append(i).append("\"],\"Layers\":[]}");
        }
        byte[] items = manifest.append(']').toString().getBytes(StandardCharsets.US_ASCII);
        byte[] config = new byte[(16 << 20) - 1];
        java.util.Arrays.fill(config, (byte) ' ');
        byte[] json = "{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(json, 0, config, 0, json.length);
        Path archive = tmp.resolve("archive.tar");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(archive), 1 << 20)) {
            out.write(TarHeaders.header("manifest.json", items.length, '0'));
            out.write(items);
            out.write(new byte[-items.length & 511]);
            out.write(TarHeaders.header("config.json", config.length, '0'));
            out.write(config);
            out.write(new byte[-config.length & 511]);
            out.write(new byte[1024]);
        }
        long start = System.nanoTime();
        Tools.Result r = Tools.run(List.of(REPO.resolve("scripts/airlock-export").toString(), "bundle", "--channel", "c", "--key",
                tmp.resolve("k.asc").toString(), "--out", Files.createDirectories(tmp.resolve("out")).toString(), "--state",
                tmp.resolve("state").toString(), "--from-docker-archive", archive.toString(), "-q"), Map.of(), null);
        long seconds = (System.nanoTime() - start) / 1_000_000_000L;
        assertEquals(0, r.exitCode(), r.stderr());
        assertTrue(seconds < 45, "1,500 images of one config took " + seconds + " s");
    }

    /** {@code head}, then {@code chunks} × 1 Mi of {@code ",{}"} (the first without its comma when head ends in '['), then tail. */
    private static void writeEmptyObjects(OutputStream out, String head, int chunks, String tail) throws Exception {
        byte[] more = new byte[3 << 20];
        for (int i = 0; i < more.length; i += 3) {
            more[i] = ',';
            more[i + 1] = '{';
            more[i + 2] = '}';
        }
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; i < chunks; i++) {
            if (i == 0 && head.endsWith("[")) {
                out.write(' ');
                out.write(more, 1, more.length - 1);
            } else {
                out.write(more);
            }
        }
        out.write(tail.getBytes(StandardCharsets.US_ASCII));
    }

    private static void assertOneLineExit3(Tools.Result r, Path file) {
        assertFalse(r.stderr().contains("OutOfMemoryError"), file + ": " + r.stderr().lines().limit(3).toList());
        assertEquals(1, r.stderr().strip().lines().count(), r.stderr());
        assertEquals(3, r.exitCode(), r.stderr());
    }
}
