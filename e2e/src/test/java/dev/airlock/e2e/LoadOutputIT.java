package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.digest.Digest;
import dev.airlock.testing.Tools;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code airlock-import load --docker-archive OUT} opens OUT the one way every command opens a
 * file the user names ({@code dev.airlock.io.OutputFiles}): something there that is not a regular
 * file, or a file the command reads, is refused with exit 2 naming it, and is left as it was.
 */
class LoadOutputIT {
    @TempDir
    Path tmp;

    private Path[] keys;
    private Path bundle;

    @BeforeEach
    void bundle() throws Exception {
        keys = Fixture.keygen(tmp, "exporter");
        Path archive = HandMadeArchive.write(tmp.resolve("in/app.tar"), "mirror.example/app:1", 1, 200_000);
        bundle = HandMadeArchive.bundle(tmp, keys[0], "load", archive, List.of());
    }

    private Airlock.Run load(Path from, Path out) {
        return Airlock.importer(List.of("load", from.toString(), "--trust", keys[1].toString(), "--docker-archive", out.toString()));
    }

    /** What is at {@code p}, as stat(1) names it, without following a link ("character special file", "fifo", …). */
    private static String type(Path p) throws Exception {
        Tools.Result r = Tools.run("stat", "-c", "%F", p.toString());
        r.ok();
        return r.stdout().trim();
    }

    @Test
    void load_refusesADeviceFifoSocketDirectoryOrALinkToOne_asOut_exit2NamingIt_andLeavesItAsItWas() throws Exception {
        Tools.Result uid = Tools.run("id", "-u");
        Assumptions.assumeTrue(uid.stdout().trim().equals("0"), "needs root to make a character device (mknod) of its own");
        Path dir = tmp.resolve("special");
        Files.createDirectories(dir);
        Path device = dir.resolve("null");
        Tools.run("mknod", device.toString(), "c", "1", "3").ok(); // a private /dev/null: replacing it harms nothing
        Path fifo = dir.resolve("fifo");
        Tools.run("mkfifo", fifo.toString()).ok();
        Path socket = dir.resolve("socket");
        Path directory = dir.resolve("a-directory");
        Files.createDirectories(directory);
        Path link = dir.resolve("link-to-null");
        Files.createSymbolicLink(link, device);
        try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            s.bind(UnixDomainSocketAddress.of(socket));
            Map<Path, String> cases = new LinkedHashMap<>();
            cases.put(device, "character device");
            cases.put(fifo, "FIFO");
            cases.put(socket, "socket");
            cases.put(directory, "directory");
            cases.put(link, "symbolic link to " + device + ", a character device");
            for (Map.Entry<Path, String> c : cases.entrySet()) {
                String before = type(c.getKey());
                Airlock.Run r = load(bundle, c.getKey());
                assertEquals(2, r.code(), c.getValue() + ": " + r);
                assertTrue(r.err().contains(c.getKey().toString()) && r.err().contains(c.getValue()), c.getValue() + ": " + r.err());
                assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
                assertEquals(before, type(c.getKey()), c.getKey() + " is left as it was");
            }
        }
        assertEquals("character special file", type(device));
        try (Stream<Path> s = Files.list(dir)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().endsWith(".partial")), "no partial archive left");
        }
    }

    @Test
    void load_refusesToWriteOverWhatItReads_theBundle_aLinkToIt_aVolumeOrItsList_theCertificate() throws Exception {
        String sum = Digest.sha256Of(bundle).toString();
        Path hardLink = tmp.resolve("hard-link.tar");
        Files.createLink(hardLink, bundle);
        Path symlink = tmp.resolve("symlink.tar");
        Files.createSymbolicLink(symlink, bundle);
        for (Path out : List.of(bundle, hardLink, symlink, keys[1])) {
            String certBefore = Files.readString(keys[1]);
            Airlock.Run r = load(bundle, out);
            assertEquals(2, r.code(), out + ": " + r);
            assertTrue(r.err().contains(out.toString()) && r.err().contains("being read"), r.err());
            assertEquals(sum, Digest.sha256Of(bundle).toString(), "the signed bundle is unchanged");
            assertEquals(certBefore, Files.readString(keys[1]), "the certificate is unchanged");
        }

        // A bundle written as volumes: no volume, nor the list or its signature, nor NAME.tar that stands for the set.
        Path big = HandMadeArchive.write(tmp.resolve("in/big.tar"), "mirror.example/big:1", 2, 2_500_000);
        Path list = HandMadeArchive.bundle(tmp, keys[0], "vols", big, List.of("--max-volume-size", "1M"));
        assertTrue(list.getFileName().toString().endsWith(".volumes.json"), list.toString());
        List<Path> set = new ArrayList<>();
        try (Stream<Path> s = Files.list(list.getParent())) {
            s.filter(p -> p.getFileName().toString().startsWith("vols-")).sorted().forEach(set::add);
        }
        Map<Path, String> sums = new LinkedHashMap<>();
        for (Path p : set) {
            sums.put(p, Digest.sha256Of(p).toString());
        }
        Path volume = set.stream().filter(p -> p.getFileName().toString().endsWith(".tar.001")).findFirst().orElseThrow();
        Path nameOfSet = list.resolveSibling(list.getFileName().toString().replace(".volumes.json", ".tar"));
        for (Path out : List.of(volume, list, list.resolveSibling(list.getFileName() + ".asc"), nameOfSet)) {
            Airlock.Run r = load(volume, out);
            assertEquals(2, r.code(), out + ": " + r);
            assertTrue(r.err().contains(out.toString()), r.err());
        }
        for (Map.Entry<Path, String> e : sums.entrySet()) {
            assertEquals(e.getValue(), Digest.sha256Of(e.getKey()).toString(), e.getKey() + " is unchanged");
        }
        assertTrue(Files.notExists(nameOfSet), "no NAME.tar beside the volumes");
    }

    /** Issue 17, H2: the approver's report beside the bundle is read (its hash is signed), so it is an input too. */
    @Test
    void load_refusesTheBundlesReportAsOut_andTheBundleStillVerifies() throws Exception {
        Path report = bundle.resolveSibling(bundle.getFileName().toString().replaceFirst("\\.tar$", ".report.md"));
        byte[] before = Files.readAllBytes(report);
        Airlock.Run r = load(bundle, report);
        assertEquals(2, r.code(), "load over the bundle's own report: " + r);
        assertArrayEquals(before, Files.readAllBytes(report), "the report was replaced");
        Airlock.Run verify = Airlock.importer(List.of("verify", bundle.toString(), "--trust", keys[1].toString()));
        assertEquals(0, verify.code(), verify.err());
    }

    /**
     * Issue 17, C2: an input that happens to hold the name {@code .OUT.partial} (the temporary name
     * load used to delete, then write) is left alone: the temporary file is a new, random name.
     */
    @Test
    void load_neverDeletesABundleNamedLikeTheOutputsTemporaryFile() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("c2"));
        Path input = Files.copy(bundle, dir.resolve(".x.tar.partial"));
        String sum = Digest.sha256Of(input).toString();
        Airlock.Run r = load(input, dir.resolve("x.tar"));
        assertTrue(r.code() == 0 || r.code() == 2, r.toString());
        assertTrue(Files.exists(input), "the bundle being read was deleted: " + r);
        assertEquals(sum, Digest.sha256Of(input).toString(), "the bundle being read was changed");
    }

    /**
     * Issue 17, M5/H1: an OUT in /proc is refused at once, exit 2, one line naming it (it used to be
     * exit 1 "/proc/self/fd has only 0 free"). Reached through a link in a temp dir to /proc/self/fd
     * (never the real /dev/stdout), to the descriptor of a regular file this JVM holds open, as
     * stdout is under cron; load runs in this JVM, so /proc/self is this JVM.
     */
    @Test
    void load_refusesAnOutUnderProc_exit2NamingIt() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "needs Linux /proc");
        Path log = Files.writeString(tmp.resolve("cron.log"), "before\n");
        try (java.io.RandomAccessFile open = new java.io.RandomAccessFile(log.toFile(), "rw")) {
            String fd = null;
            try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
                for (Path f : (Iterable<Path>) fds::iterator) {
                    try {
                        if (Files.readSymbolicLink(f).equals(log)) {
                            fd = f.getFileName().toString();
                        }
                    } catch (java.io.IOException gone) {
                        // the listing's own descriptor, closed meanwhile
                    }
                }
            }
            Assumptions.assumeTrue(fd != null, "no /proc/self/fd entry for " + log);
            Path out = Files.createSymbolicLink(tmp.resolve("fds"), Path.of("/proc/self/fd")).resolve(fd);
            Airlock.Run r = load(bundle, out);
            assertEquals(2, r.code(), r.toString());
            assertTrue(r.err().contains(out.toString()) && r.err().contains("/proc"), r.toString());
            assertEquals(1, r.err().lines().count(), "one line on stderr:\n" + r);
            assertEquals("before\n", Files.readString(log), "the file behind the descriptor was written");
        }
    }
}
