package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bundle --from-docker-archive FILE.tar.gz} decompresses into {@code $TMPDIR}, bounded,
 * and leaves no temporary file behind, also when stopped by SIGTERM. Each case runs the program
 * in a process of its own, with its temporary directory on a small tmpfs of its own: a real disk
 * that can fill, and no other run's files in it.
 */
class DockerArchiveTempIT {
    private static final String TEMP_PREFIX = "airlock-docker-archive-";

    @TempDir
    Path tmp;

    /**
     * A .tar.gz whose one tar entry {@code layer.tar} is {@code blocks} × 64 MiB of {@code block}:
     * the tar header as one gzip member, then the same compressed block as one member per repeat
     * (gzip readers read members one after another), so a file of a few MB expands to GiB.
     */
    private static Path multiMember(Path file, byte[] block, int blocks) throws Exception {
        long size = (long) block.length * blocks;
        TarArchiveEntry e = new TarArchiveEntry("layer.tar");
        e.setSize(size);
        byte[] header = new byte[512];
        e.writeEntryHeader(header);
        byte[] member = gzip(block);
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(gzip(header));
            for (int i = 0; i < blocks; i++) {
                out.write(member);
            }
        }
        return file;
    }

    private static byte[] gzip(byte[] bytes) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(out, 1 << 16)) {
            gz.write(bytes);
        }
        return out.toByteArray();
    }

    private static List<String> bundleArgs(Path dir, Path key, Path archive) {
        return List.of("bundle", "--channel", "temp", "--key", key.toString(), "--out", dir.resolve("out").toString(), "--state",
                dir.resolve("state").toString(), "--from-docker-archive", archive.toString());
    }

    private static List<Path> tempFiles(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith(TEMP_PREFIX)).toList();
        }
    }

    @Test
    void gzipBomb_3MBto3GiB_isRefusedAtTheRatioBound_exit2NamingItAndTheWayPast_beforeTheDiskFills() throws Exception {
        Path bomb = multiMember(tmp.resolve("bomb.tar.gz"), new byte[64 << 20], 48);
        assertTrue(Files.size(bomb) < (4L << 20), "a few MB: " + Files.size(bomb));
        Path[] keys = Fixture.keygen(tmp, "exporter");
        Path temp = tmp.resolve("tmpfs");
        try (Tmpfs fs = Tmpfs.mount(temp, "1g")) {
            Airlock.Run r = Airlock.subprocess(true, List.of("-Djava.io.tmpdir=" + temp), bundleArgs(tmp, keys[0], bomb));
            assertEquals(2, r.code(), r.toString());
            assertTrue(r.err().contains(bomb.toString()) && r.err().contains("100 times its compressed size")
                    && r.err().contains("gunzip -k"), r.err());
            assertEquals(List.of(), tempFiles(temp), "no temporary file left");
        }
    }

    @Test
    void gzipBomb_onATemporaryDirectoryWithLessRoom_isRefusedAtItsFreeSpace_exit1NamingIt() throws Exception {
        // The last member small, so that gzip's size field (the last member's size) says nothing useful in advance.
        byte[] zeros = new byte[64 << 20];
        Path bomb = tmp.resolve("bomb.tar.gz");
        multiMember(bomb, zeros, 8);
        Files.write(bomb, gzip(new byte[1]), java.nio.file.StandardOpenOption.APPEND);
        Path[] keys = Fixture.keygen(tmp, "exporter");
        Path temp = tmp.resolve("tmpfs");
        try (Tmpfs fs = Tmpfs.mount(temp, "64m")) {
            Airlock.Run r = Airlock.subprocess(true, List.of("-Djava.io.tmpdir=" + temp), bundleArgs(tmp, keys[0], bomb));
            assertEquals(1, r.code(), r.toString());
            assertTrue(r.err().contains(temp.toString()) && r.err().contains("bytes free") && r.err().contains("TMPDIR"), r.err());
            assertEquals(List.of(), tempFiles(temp), "no temporary file left");
        }
    }

    /**
     * The real launcher with TMPDIR set: the decompressed archive lands in TMPDIR (not /tmp), and a
     * SIGTERM while it is there (to the launcher and its JVM, as a terminal's Ctrl-C or systemd's
     * stop reaches the whole process group) leaves nothing behind.
     */
    @Test
    void launcher_decompressesIntoTMPDIR_andSigtermDuringIt_leavesNoTemporaryFile() throws Exception {
        Path launcher = WatchIT.launcherPath().resolveSibling("airlock-export");
        Assumptions.assumeTrue(Files.isRegularFile(launcher.getParent().getParent().resolve("exporter/target/airlock-export.jar")),
                "needs exporter/target/airlock-export.jar: run through the reactor (mvn verify), which packages it first");
        // 64 MiB pages of 80 random bytes and zeros: about 45 times smaller compressed, within the bound; 2 GiB take seconds.
        byte[] block = new byte[64 << 20];
        SplittableRandom random = new SplittableRandom(7);
        for (int page = 0; page < block.length; page += 4096) {
            for (int i = 0; i < 80; i++) {
                block[page + i] = (byte) random.nextInt(256);
            }
        }
        Path archive = multiMember(tmp.resolve("big.tar.gz"), block, 32);
        Path[] keys = Fixture.keygen(tmp, "exporter");
        Path temp = tmp.resolve("tmpfs");
        try (Tmpfs fs = Tmpfs.mount(temp, "3g")) {
            List<String> cmd = new ArrayList<>(List.of(launcher.toString()));
            cmd.addAll(bundleArgs(tmp, keys[0], archive));
            File log = tmp.resolve("launcher.log").toFile();
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log);
            pb.environment().remove("AIRLOCK_JAVA_OPTS");
            pb.environment().putAll(Map.of("TMPDIR", temp.toString()));
            Process p = pb.start();
            try {
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (tempFiles(temp).isEmpty() && p.isAlive() && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                assertTrue(!tempFiles(temp).isEmpty(), "no temporary file appeared in TMPDIR " + temp + "; the run said:\n"
                        + Files.readString(log.toPath()));
                assertTrue(p.isAlive(), "the run is still decompressing");
                List<ProcessHandle> jvm = p.descendants().toList(); // a child while the launcher trains its start-up archive
                jvm.forEach(ProcessHandle::destroy); // SIGTERM
                p.destroy(); // and to the launcher (the JVM itself when it exec'd)
                assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the run ended after SIGTERM");
                for (ProcessHandle h : jvm) {
                    h.onExit().get(60, TimeUnit.SECONDS);
                }
                assertEquals(List.of(), tempFiles(temp), "the temporary file is removed on SIGTERM");
            } finally {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }
}
