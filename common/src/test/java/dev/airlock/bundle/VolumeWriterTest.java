package dev.airlock.bundle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.copy.Repo;
import dev.airlock.crypto.BundleSigner;
import dev.airlock.crypto.OpenPgpKeys;
import dev.airlock.crypto.SignatureBlock;
import dev.airlock.crypto.TrustPolicy;
import dev.airlock.digest.Digest;
import dev.airlock.error.AirlockException;
import dev.airlock.io.ReadBack;
import dev.airlock.io.VolumeChannel;
import dev.airlock.oci.Descriptor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bundle written as volumes is the single-file bundle cut into byte ranges, whatever order its
 * blobs arrive in and however they are chunked; its list is signed and names every volume's size
 * and sha256; the read-back check catches a byte changed on disk after the write and names the
 * volume and the offset; nothing of a refused bundle is left behind.
 */
class VolumeWriterTest {
    @TempDir
    static Path keys;

    @TempDir
    Path tmp;

    static List<BundleSigner> signers;
    static TrustPolicy trust;

    static final byte[] LAYOUT = "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8);
    static final byte[] INDEX = "{\"schemaVersion\":2,\"manifests\":[]}".getBytes(StandardCharsets.UTF_8);
    /** Sizes chosen so that entries, 512 KiB pieces and 1,000,000-byte volumes cut each other everywhere. */
    static final List<byte[]> BLOBS = List.of(random(1, 1_300_007), random(2, 700_001), random(3, 2_100_003), random(4, 10),
            random(5, 524_288));
    static final Repo BUNDLE = new Repo("bundle", "");

    @BeforeAll
    static void keys() throws IOException {
        OpenPgpKeys.Generated key = OpenPgpKeys.generate("Test <t@airlock.test>", null);
        Path cert = keys.resolve("cert.asc");
        Files.write(cert, key.certArmored());
        Path secret = keys.resolve("key.asc");
        Files.write(secret, key.secretArmored());
        trust = new TrustPolicy(OpenPgpKeys.readCertificates(cert), 1);
        signers = List.of(new BundleSigner(OpenPgpKeys.readSecretKey(secret), null));
    }

    static byte[] random(long seed, int size) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    static BundleManifest manifest() {
        List<BundleManifest.Blob> blobs = BLOBS.stream()
                .map(b -> new BundleManifest.Blob(Digest.sha256Of(b).toString(), b.length, "application/octet-stream")).toList();
        return new BundleManifest(BundleManifest.FORMAT, "vol", 7, null, "2026-01-01T00:00:00Z", "test",
                new BundleManifest.Layout(ref(LAYOUT), ref(INDEX)), List.of(), blobs, List.of());
    }

    static BundleManifest.FileRef ref(byte[] b) {
        return new BundleManifest.FileRef(Digest.sha256Of(b).toString(), b.length);
    }

    private static final java.util.Map<String, byte[]> SIGNATURES = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * One signature per bundle.json for the whole class: an OpenPGP signature carries its creation
     * time, so two bundles signed a second apart differ in those bytes (and the comparison of a
     * volume set with the single file would fail whenever the clock ticks between the two writes).
     */
    static byte[] signatureOf(byte[] json) {
        return SIGNATURES.computeIfAbsent(Digest.sha256Of(json).toString(), k -> SignatureBlock.sign(json, signers));
    }

    /** Writes the test bundle to {@code target}: blobs last to first, in chunks of varying size, as downloads deliver them. */
    static BundleWriter.Written write(Path target, long volumeSize, boolean verify) throws IOException {
        Files.createDirectories(target.getParent());
        BundleManifest m = manifest();
        byte[] json = m.toJson();
        BundleWriter.Media media = new BundleWriter.Media(volumeSize, verify,
                volumeSize > 0 ? list -> SignatureBlock.sign(list, signers) : null);
        try (BundleWriter w = BundleWriter.create(target, json, signatureOf(json), LAYOUT, INDEX, m, media)) {
            Random chunks = new Random(42);
            for (int i = BLOBS.size() - 1; i >= 0; i--) {
                byte[] blob = BLOBS.get(i);
                w.putBlob(BUNDLE, new Descriptor("application/octet-stream", Digest.sha256Of(blob), blob.length), sink -> {
                    int at = 0;
                    while (at < blob.length) {
                        int n = Math.min(blob.length - at, 1 + chunks.nextInt(100_000));
                        sink.write(ByteBuffer.wrap(blob, at, n), at);
                        at += n;
                    }
                }, n -> { });
            }
            return w.commit((marker, members) -> { });
        }
    }

    @Test
    void volumes_areTheSingleFileCutIntoRanges_withASignedListOfSizesAndDigests() throws Exception {
        Path one = write(tmp.resolve("one").resolve("vol-000007.airlock.tar"), 0, true).file();
        BundleWriter.Written set = write(tmp.resolve("set").resolve("vol-000007.airlock.tar"), 1_000_000, true);

        byte[] single = Files.readAllBytes(one);
        ByteArrayOutputStream cat = new ByteArrayOutputStream();
        for (Path v : set.volumes()) {
            cat.write(Files.readAllBytes(v));
        }
        assertArrayEquals(single, cat.toByteArray(), "the volumes concatenated are the single-file bundle");
        assertEquals(VolumeList.count(single.length, 1_000_000), set.volumes().size());
        assertEquals(ReadBack.Mode.DIRECT, set.readBack(), "this test's temp directory allows O_DIRECT");

        Path list = set.file();
        assertEquals("vol-000007.airlock.volumes.json", list.getFileName().toString());
        assertEquals(List.of("vol-000007.airlock.tar.000", "vol-000007.airlock.tar.001", "vol-000007.airlock.tar.002",
                "vol-000007.airlock.tar.003", "vol-000007.airlock.tar.004", "vol-000007.airlock.volumes.json",
                "vol-000007.airlock.volumes.json.asc"), names(list.getParent()), "only final names: no temporary file left");
        byte[] json = Files.readAllBytes(list);
        trust.verify(json, Files.readAllBytes(list.resolveSibling(list.getFileName() + ".asc")), "the list");
        VolumeList parsed = VolumeList.parse(json, list.toString());
        assertEquals(set.list(), parsed);
        assertEquals(Digest.sha256Of(manifest().toJson()).toString(), parsed.bundleDigest());
        assertEquals(single.length, parsed.size());
        for (int i = 0; i < set.volumes().size(); i++) {
            byte[] v = Files.readAllBytes(set.volumes().get(i));
            assertEquals(v.length, parsed.volumes().get(i).size());
            assertEquals(Digest.sha256Of(v).toString(), parsed.volumes().get(i).digest());
        }

        // Any of the three names opens the set; every blob reads back through the volumes.
        for (Path given : List.of(list, set.volumes().get(2), list.resolveSibling("vol-000007.airlock.tar"))) {
            try (UntrustedBundle b = BundleInput.open(given, trust)) {
                VerifiedBundle v = b.verify(trust);
                v.manifest().blobs().forEach(v::check);
            }
        }
    }

    @Test
    void volumeChannel_readsTheSetAsTheOneFile_atAnyPositionAndLength() throws Exception {
        Path one = write(tmp.resolve("one").resolve("vol-000007.airlock.tar"), 0, false).file();
        BundleWriter.Written set = write(tmp.resolve("set").resolve("vol-000007.airlock.tar"), 1_000_000, false);
        assertEquals(null, set.readBack());
        byte[] single = Files.readAllBytes(one);
        Random r = new Random(7);
        try (VolumeChannel ch = VolumeChannel.open(set.volumes())) {
            assertEquals(single.length, ch.size());
            for (int i = 0; i < 200; i++) {
                int pos = r.nextInt(single.length);
                int len = 1 + r.nextInt(Math.min(3_000_000, single.length - pos));
                ByteBuffer b = ByteBuffer.allocate(len);
                assertEquals(len, ch.read(b, pos), "one read fills the buffer across volume ends");
                assertArrayEquals(java.util.Arrays.copyOfRange(single, pos, pos + len), b.array());
            }
            assertEquals(-1, ch.read(ByteBuffer.allocate(1), single.length));
        }
    }

    /** Flips the byte at tar position {@link #at} of the bundle in whichever file holds it, once, just before it is read back. */
    public static final class FlipHook implements BundleWriter.ReadBackHook {
        static volatile long at;
        static volatile long volumeSize;
        static volatile boolean done;

        @Override
        public void beforeReadBack(Path file, long offset, long length) throws IOException {
            String name = file.getFileName().toString();
            long fileStart = volumeSize == 0 ? 0 : Long.parseLong(name.replaceAll(".*\\.tar\\.(\\d+)\\.partial$", "$1")) * volumeSize;
            long inFile = at - fileStart;
            if (!done && inFile >= offset && inFile < offset + length) {
                done = true;
                try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
                    f.seek(inFile);
                    int b = f.read();
                    f.seek(inFile);
                    f.write(b ^ 0x40);
                }
            }
        }
    }

    @Test
    void readBack_catchesAByteChangedOnDiskAfterTheWrite_namingTheVolumeAndOffset_andLeavesNothing() throws Exception {
        long third = 2L * 1_000_000 + 123_456; // inside the third blob's data, in volume 002
        for (long volumeSize : new long[] {1_000_000, 0}) {
            for (long at : new long[] {third, 1_000 /* inside bundle.json's tar header or data: compared exactly */}) {
                Path dir = Files.createDirectories(tmp.resolve("flip-" + volumeSize + "-" + at));
                FlipHook.at = at;
                FlipHook.volumeSize = volumeSize;
                FlipHook.done = false;
                System.setProperty(ReadBackChecker.HOOK, FlipHook.class.getName());
                AirlockException e;
                try {
                    e = assertThrows(AirlockException.class, () -> write(dir.resolve("vol-000007.airlock.tar"), volumeSize, true));
                } finally {
                    System.clearProperty(ReadBackChecker.HOOK);
                }
                assertTrue(FlipHook.done, "the hook ran");
                assertEquals(AirlockException.Kind.LOCAL, e.kind(), e.getMessage());
                String file = volumeSize == 0 ? "bundle vol-000007.airlock.tar" : "volume vol-000007.airlock.tar.00" + at / volumeSize;
                assertTrue(e.getMessage().contains(file), "names the file: " + e.getMessage());
                long inFile = volumeSize == 0 ? at : at % volumeSize;
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("at bytes? (\\d+)(?:-(\\d+))?").matcher(e.getMessage());
                assertTrue(m.find(), "names the offset: " + e.getMessage());
                long from = Long.parseLong(m.group(1));
                long to = m.group(2) == null ? from : Long.parseLong(m.group(2));
                assertTrue(from <= inFile && inFile <= to && to - from < WriteCheck.PIECE,
                        "the named range " + from + "-" + to + " holds the changed byte " + inFile + ": " + e.getMessage());
                if (at == 1_000) {
                    assertEquals(from, inFile, "a header or small entry is compared byte by byte: the exact byte is named");
                }
                assertEquals(List.of(), names(dir), "nothing left behind, under a final or a temporary name");
            }
        }
    }

    @Test
    void withoutReadBack_aChangedByteIsNotSeenByTheWriter_butTheListDigestStillCatchesIt() throws Exception {
        // The hook only runs when reading back; without it, the sha256 in the list is of what is on disk.
        BundleWriter.Written set = write(tmp.resolve("nv").resolve("vol-000007.airlock.tar"), 1_000_000, false);
        Path v = set.volumes().get(1);
        try (RandomAccessFile f = new RandomAccessFile(v.toFile(), "rw")) {
            f.seek(500);
            int b = f.read();
            f.seek(500);
            f.write(b ^ 1);
        }
        AirlockException e = assertThrows(AirlockException.class, () -> BundleInput.open(set.file(), trust).close());
        assertEquals(AirlockException.Kind.DIGEST_MISMATCH, e.kind());
        assertTrue(e.getMessage().contains("volume vol-000007.airlock.tar.001 (2 of 5) does not match its sha256"), e.getMessage());
    }

    @Test
    void aBundleThatDoesNotFit_isRefusedBeforeAByteIsWritten() throws Exception {
        // The check uses the real free space of the file system; ask for volumes of a size no disk here has free.
        Path dir = Files.createDirectories(tmp.resolve("space"));
        long free = Files.getFileStore(dir).getUsableSpace();
        BundleManifest m = new BundleManifest(BundleManifest.FORMAT, "vol", 7, null, "2026-01-01T00:00:00Z", "test",
                new BundleManifest.Layout(ref(LAYOUT), ref(INDEX)), List.of(),
                List.of(new BundleManifest.Blob(Digest.sha256Of(new byte[0]).toString().replace("e3b0", "e3b1"), free + (1L << 30),
                        "application/octet-stream")), List.of());
        byte[] json = m.toJson();
        AirlockException e = assertThrows(AirlockException.class, () -> BundleWriter.create(dir.resolve("big.tar"), json,
                SignatureBlock.sign(json, signers), LAYOUT, INDEX, m, new BundleWriter.Media(4_000_000_000L, true,
                        l -> SignatureBlock.sign(l, signers))).close());
        assertEquals(AirlockException.Kind.LOCAL, e.kind());
        assertTrue(e.getMessage().startsWith("not enough free space in " + dir.toAbsolutePath()), e.getMessage());
        assertTrue(e.getMessage().matches(".*it needs \\d+ bytes .*, \\d+ bytes \\(.*\\) are free.*"), "says what is needed and free: " + e.getMessage());
        assertEquals(List.of(), names(dir));
    }

    /** Issue 17, defect 5: the importer reads no list of more than 50,000 volumes, so none is written. */
    @Test
    void aSetOfMoreVolumesThanAListMayHold_isRefusedBeforeAByteIsWritten() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("many"));
        BundleManifest m = new BundleManifest(BundleManifest.FORMAT, "vol", 7, null, "2026-01-01T00:00:00Z", "test",
                new BundleManifest.Layout(ref(LAYOUT), ref(INDEX)), List.of(),
                List.of(new BundleManifest.Blob(Digest.sha256Of(new byte[0]).toString().replace("e3b0", "e3b1"), 50_001_000_000L,
                        "application/octet-stream")), List.of());
        byte[] json = m.toJson();
        AirlockException e = assertThrows(AirlockException.class, () -> BundleWriter.create(dir.resolve("many.tar"), json,
                SignatureBlock.sign(json, signers), LAYOUT, INDEX, m, new BundleWriter.Media(1_000_000, true,
                        l -> SignatureBlock.sign(l, signers))).close());
        assertEquals(AirlockException.Kind.USAGE, e.kind(), e.getMessage());
        assertTrue(e.getMessage().endsWith("volumes, more than the 50000 a set may have; give a larger --max-volume-size"), e.getMessage());
        assertEquals(List.of(), names(dir));
    }

    static List<String> names(Path dir) throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.forEach(p -> out.add(p.getFileName().toString()));
        }
        out.sort(null);
        return out;
    }
}
