package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.bundle.BundleManifest;
import dev.airlock.bundle.BundleNames;
import dev.airlock.bundle.UntrustedBundle;
import dev.airlock.cli.Cli;
import dev.airlock.copy.Repo;
import dev.airlock.crypto.OpenPgpKeys;
import dev.airlock.crypto.TrustPolicy;
import dev.airlock.digest.Digest;
import dev.airlock.error.AirlockException;
import dev.airlock.imports.ImportRequest;
import dev.airlock.imports.ImportResult;
import dev.airlock.imports.ImportService;
import dev.airlock.imports.TargetNaming;
import dev.airlock.io.TransferListener;
import dev.airlock.registry.RegistryClient;
import dev.airlock.testing.MemorySink;
import dev.airlock.testing.RegistryExtension;
import dev.airlock.testing.RegistryExtension.Registries;
import dev.airlock.testing.TestImages;
import dev.airlock.testing.TestImages.Image;
import dev.airlock.testing.TestImages.Layer;
import dev.airlock.testing.TestRegistry;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The damage property (issue 8): one byte of a real signed full bundle is changed, and the import
 * either refuses it — exit 3 within 10 seconds, the message naming the entry, nothing committed,
 * the changed blob never completely written — or, where the byte is one nothing reads, lands every
 * image byte for byte. Never a hang, never a partial commit.
 *
 * <p>The bundle is exported once per class from a real registry by the real exporter: a multi-arch
 * OCI index, a Docker image and an oddly formatted OCI image, with blobs from 1 byte to 2.7 MiB and
 * sizes on every buffer boundary the readers use. Each damaged copy is imported through
 * {@link ImportService#importBundle} into an in-memory sink (so hundreds of positions take seconds),
 * alternately read as the registry reads blobs (the upload body) and as the bundle writer does
 * (pushed); a handful go through the import CLI into a real registry.
 *
 * <p><b>The rule, per position</b>, by what the byte is:
 * <ul>
 * <li>a byte of an entry's data — bundle.json (signed), oci-layout, index.json or a blob (each
 * covered by a digest that bundle.json declares), or the base64 body of the signature (the
 * signature packet) — must be refused: exit 3 (kind UNTRUSTED, DIGEST_MISMATCH or
 * MALFORMED_BUNDLE), the message naming the entry (a blob by its digest; the signature may be named
 * as the signature of bundle.json);
 * <li>a byte of a tar header, of the zero padding after an entry's data, of the two zero records
 * that end the tar, or of the signature's armor framing (BEGIN line, last base64 quad, CRC line,
 * END line and the whitespace that pads the entry) may be accepted — a header field nothing reads
 * (mode, owner, time, the checksum, which is not checked …), padding or framing changes no content
 * — but then the import must succeed with every image byte-identical (every blob's digest
 * checked). If refused, by the same rules, the message naming an entry or the byte offset of the
 * header it could not read (the end-of-archive records belong to no entry: there, any exit-3
 * message will do).
 * </ul>
 * In every refusal: no manifest and no tag reached the sink; a changed blob never arrived whole;
 * a change in bundle.json or its signature is refused before the sink is even asked for. And no
 * run takes more than 10 s.
 *
 * <p>Positions: at least 240 seeded random ones (half uniform over the file, half spread evenly over
 * the entries), plus every buffer boundary the code reads with, ±1 (1 MiB: FileRegion's upload
 * buffers and VerifiedBundle's read buffer, within each blob; 64 KiB: the verifying stream's drain;
 * 512 bytes: tar records, at each header and data start and end; 1 MiB in the file), plus the first,
 * second, middle, second-to-last and last byte of every entry's data (so of the largest and smallest
 * blob, bundle.json, the signature, oci-layout and index.json), plus every byte of the signature,
 * plus the fields of the tar headers. The seed is {@code -Dairlock.damage.seed=N} (default fixed) and
 * is printed with every failure; {@code -Dairlock.damage.survey=true} prints every outcome.
 */
@ExtendWith(RegistryExtension.class)
class DamagePropertyTest {
    private static final long SEED = Long.getLong("airlock.damage.seed", 0x5eed_da3a_9eL);
    private static final int MIB = 1 << 20;
    private static final int TIMEOUT_SECONDS = 10;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Sizes on and around the readers' buffer sizes, a 2.7 MiB one, a ~512 KiB one (the size that hung) and tiny ones. */
    private static final Layer BIG = Layer.random(11, 2 * MIB + 700_001);
    private static final Layer EXACT_MIB = Layer.random(12, MIB);
    private static final Layer MIB_PLUS_ONE = Layer.random(13, MIB + 1);
    private static final Layer HALF_MIB = Layer.random(14, 512 * 1024 + 3);
    private static final Layer ONE_BYTE = Layer.random(15, 1);
    private static final Layer RECORD = Layer.random(16, 512);
    private static final Layer RECORD_LESS_ONE = Layer.random(17, 511);
    private static final Layer RECORD_PLUS_ONE = Layer.random(18, 513);
    private static final Layer SEVEN = Layer.random(19, 7);

    @TempDir
    static Path dir;
    private static Path pristine;
    private static Path cert;
    private static TrustPolicy trust;
    private static byte[] pristineBytes;
    private static BundleManifest bundleJson;
    private static List<Entry> entries;
    private static Expected expected;
    private static ExecutorService runner;
    /** The amd64 image manifest, a child of the index. */
    private static Digest childManifest;

    /** One tar entry's place: its header, its data, its padding (up to the next header). */
    record Entry(String name, long header, long data, long size, long end) {
        long dataEnd() {
            return data + size;
        }

        boolean isBlob() {
            return name.startsWith("blobs/");
        }

        /** What a message must contain to name this entry. */
        String mention() {
            if (isBlob()) {
                return name.substring(name.lastIndexOf('/') + 1);
            }
            return name.equals(BundleNames.SIGNATURE) ? "bundle.json" : name;
        }
    }

    /** What a byte is: part of an entry's data, its header, its padding, or the end-of-archive records. */
    enum Region { DATA, HEADER, PADDING, TRAILER }

    /** One damage: the byte at {@code position} is XORed with {@code mask}; {@code why} says how it was chosen. */
    record Damage(long position, int mask, String why) {
    }

    /** The pristine import's result in the sink: per target repository, its tags, manifests and blobs. */
    record Expected(Map<Repo, Map<String, Digest>> tags, Map<Repo, List<Digest>> manifests, Map<Repo, List<Digest>> blobs) {
    }

    @BeforeAll
    static void exportOnce() throws Exception {
        Assumptions.assumeTrue(TestRegistry.binaryAvailable(),
                "DamagePropertyTest needs Debian's docker-registry to export its bundle once (apt-get install docker-registry)");
        Image amd = TestImages.image(true, "amd64", null, BIG, EXACT_MIB, ONE_BYTE);
        Image arm = TestImages.image(true, "arm64", "v8", MIB_PLUS_ONE, ONE_BYTE, RECORD_PLUS_ONE);
        Image multi = TestImages.index(true, List.of(amd, arm), List.of(new String[] {"amd64"}, new String[] {"arm64", "v8"}));
        childManifest = amd.manifest().digest();
        Image docker = TestImages.image(false, "amd64", null, RECORD, RECORD_LESS_ONE, HALF_MIB);
        Image odd = TestImages.oddlyFormatted(SEVEN);
        Path[] keys = Fixture.keygen(dir, "exporter");
        cert = keys[1];
        trust = new TrustPolicy(OpenPgpKeys.readCertificates(cert), 1);
        try (TestRegistry source = TestRegistry.startProcess(dir.resolve("source"), false)) {
            RegistryClient client = source.client();
            TestImages.push(client, source.host(), "app/multi", "1.0", multi);
            TestImages.push(client, source.host(), "library/docker", "2", docker);
            TestImages.push(client, source.host(), "tools/odd", "latest", odd);
            List<String> args = new ArrayList<>(List.of("bundle", "--channel", "damage", "--key", keys[0].toString(),
                    "--out", dir.resolve("out").toString(), "--state", dir.resolve("export-state").toString(),
                    "--image", source.host() + "/app/multi:1.0", "--image", source.host() + "/library/docker:2",
                    "--image", source.host() + "/tools/odd:latest"));
            args.addAll(source.cliFlags());
            Airlock.export(args).ok();
        }
        pristine = dir.resolve("out").resolve(BundleNames.fileName("damage", 1));
        pristineBytes = Files.readAllBytes(pristine);
        try (UntrustedBundle b = UntrustedBundle.open(pristine)) {
            bundleJson = BundleManifest.parse(b.untrustedManifestBytes());
        }
        entries = layout(pristine);
        runner = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "damage-import");
            t.setDaemon(true);
            return t;
        });
        MemorySink sink = new MemorySink(MemorySink.Mode.UPLOAD);
        ImportResult result = importInto(pristine, sink);
        assertEquals(3, result.landed().size(), result.toString());
        expected = snapshot(sink);
    }

    @AfterAll
    static void stopRunner() {
        if (runner != null) {
            runner.shutdownNow();
        }
    }

    /** Every entry of the bundle, with where its header starts and its padding ends (the next header). */
    private static List<Entry> layout(Path bundle) throws Exception {
        List<Entry> out = new ArrayList<>();
        long next = 0;
        try (TarFile tar = new TarFile(bundle)) {
            for (TarArchiveEntry e : tar.getEntries()) {
                long end = e.getDataOffset() + (e.getSize() + 511) / 512 * 512;
                assertEquals(512, e.getDataOffset() - next, e.getName() + ": one 512-byte header, no PAX record");
                out.add(new Entry(e.getName(), next, e.getDataOffset(), e.getSize(), end));
                next = end;
            }
        }
        assertEquals(4 + bundleJson.blobs().size(), out.size(), "entries: " + out);
        assertEquals(pristineBytes.length, next + 1024, "the tar ends with two zero records right after the last entry");
        return out;
    }

    private static ImportRequest request(Path bundle) throws Exception {
        return new ImportRequest(bundle, trust, new TargetNaming("127.0.0.1:9/mirror", List.of()),
                Files.createTempDirectory(dir, "state"), 4, false);
    }

    private static ImportResult importInto(Path bundle, MemorySink sink) throws Exception {
        return ImportService.into(() -> sink, TransferListener.NONE).importBundle(request(bundle));
    }

    private static Expected snapshot(MemorySink sink) {
        Map<Repo, Map<String, Digest>> tags = new HashMap<>();
        Map<Repo, List<Digest>> manifests = new HashMap<>();
        Map<Repo, List<Digest>> blobs = new HashMap<>();
        for (Repo r : sink.repositories()) {
            tags.put(r, sink.tags(r));
            manifests.put(r, sink.manifests(r).keySet().stream().sorted().toList());
            blobs.put(r, sink.blobs(r).keySet().stream().sorted().toList());
        }
        return new Expected(tags, manifests, blobs);
    }

    /** The sink holds exactly what the pristine import left, and every blob's bytes match its digest. */
    private static void assertLandedIdentical(MemorySink sink) {
        assertEquals(expected, snapshot(sink), "the images in the sink");
        for (Repo r : sink.repositories()) {
            sink.blobs(r).forEach((d, bytes) -> assertEquals(d, Digest.sha256Of(bytes), "bytes of " + d + " in " + r));
            sink.manifests(r).forEach((d, m) -> assertEquals(d, Digest.sha256Of(m.bytesUnsafe()), "bytes of manifest " + d));
        }
    }

    @Test
    void pristineBundle_landsEveryImage_byteForByte() throws Exception {
        MemorySink sink = new MemorySink(MemorySink.Mode.PUSH);
        ImportResult r = importInto(pristine, sink);
        assertEquals(3, r.landed().size());
        assertLandedIdentical(sink);
        assertEquals(List.of(), sink.violations());
        assertEquals(3, expected.tags().values().stream().mapToInt(Map::size).sum(), "three tags: " + expected.tags());
        // Every blob the bundle carries is in the sink (manifests as manifests, the rest as blobs).
        long carriedBlobs = bundleJson.blobs().stream().filter(b -> !dev.airlock.oci.MediaTypes.isManifest(b.mediaType())).count();
        assertEquals(carriedBlobs, expected.blobs().values().stream().flatMap(List::stream).distinct().count());
    }

    @Test
    void verify_touchesNoRegistry_andRefusesADamagedBlob() throws Exception {
        AtomicInteger asked = new AtomicInteger();
        ImportService service = new ImportService(() -> {
            asked.incrementAndGet();
            throw new AssertionError("verify asked for a registry client");
        }, TransferListener.NONE);

        ImportService.VerifyReport ok = service.verify(pristine, trust);
        assertEquals(bundleJson.channel(), ok.manifest().channel());
        assertEquals(1, ok.signers().size());

        Path copy = dir.resolve("verify-damaged.tar");
        Files.copy(pristine, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Entry half = entry(HALF_MIB.digest());
        flip(copy, half.data() + half.size() / 2, 0x01);
        AirlockException e = assertThrows(AirlockException.class, () -> service.verify(copy, trust));
        assertEquals(AirlockException.Kind.DIGEST_MISMATCH, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains(HALF_MIB.digest().hex()), e.getMessage());
        assertEquals(0, asked.get(), "verify asked for a registry client");
    }

    // ---- the property, in memory ----

    @Test
    void everyOneByteDamage_isRefusedWithExit3InTime_orLandsByteIdentical_neverCommitsPartOfIt() throws Exception {
        List<Damage> damages = positions();
        assertTrue(damages.stream().filter(d -> d.why().startsWith("random")).count() >= 200, "at least 200 random positions");
        List<Long> at = damages.stream().map(Damage::position).toList();
        Entry big = entry(BIG.digest());
        Entry tiny = entry(ONE_BYTE.digest());
        for (long p : new long[] {big.data(), big.dataEnd() - 1, big.data() + MIB - 1, big.data() + MIB, big.data() + MIB + 1,
                big.data() + 2 * MIB + 1, tiny.data(), tiny.header(), tiny.end() - 1, entry(BundleNames.MANIFEST).dataEnd() - 1,
                entry(BundleNames.INDEX).data(), entry(BundleNames.OCI_LAYOUT).dataEnd() - 1, pristineBytes.length - 1}) {
            assertTrue(at.contains(p), "position " + p + " is tried");
        }
        Path work = freshCopy(0);
        List<String> failures = new ArrayList<>();
        Map<String, Integer> outcomes = new TreeMap<>();
        int hangs = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < damages.size(); i++) {
            Damage d = damages.get(i);
            MemorySink.Mode mode = i % 2 == 0 ? MemorySink.Mode.UPLOAD : MemorySink.Mode.PUSH;
            String problem;
            try {
                problem = check(work, d, mode, outcomes);
            } catch (TimeoutException hung) {
                problem = "no result within " + TIMEOUT_SECONDS + " s (hung): " + hung.getMessage();
                hangs++;
                work = freshCopy(i + 1); // the hung import may still read the old copy
            }
            if (problem != null) {
                failures.add(describe(d, mode) + ": " + problem);
            }
            if (hangs >= 3) {
                failures.add("stopped after 3 hangs, " + (damages.size() - i - 1) + " positions not tried");
                break;
            }
        }
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);
        System.out.printf("DamagePropertyTest: %d positions (seed %d) in %d s: %s%n", damages.size(), SEED, seconds, outcomes);
        assertTrue(failures.isEmpty(), failures.size() + " of " + damages.size() + " positions broke the property (seed " + SEED
                + "):\n  " + String.join("\n  ", failures));
    }

    /** Runs one damaged import; null if it kept the property, else what went wrong. */
    private String check(Path work, Damage d, MemorySink.Mode mode, Map<String, Integer> outcomes) throws Exception {
        Entry entry = entryAt(d.position());
        Region region = regionOf(entry, d.position());
        int original = flip(work, d.position(), d.mask());
        try {
            MemorySink sink = new MemorySink(mode);
            AtomicInteger sinkAsked = new AtomicInteger();
            AtomicReference<Thread> thread = new AtomicReference<>();
            Future<ImportResult> run = runner.submit(() -> {
                thread.set(Thread.currentThread());
                return ImportService.into(() -> {
                    sinkAsked.incrementAndGet();
                    return sink;
                }, TransferListener.NONE).importBundle(request(work));
            });
            ImportResult result;
            Throwable failure = null;
            long t0 = System.nanoTime();
            try {
                result = run.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                Thread t = thread.get();
                String stack = t == null ? "" : Arrays.toString(t.getStackTrace());
                run.cancel(true);
                throw new TimeoutException("import thread at " + stack);
            } catch (java.util.concurrent.ExecutionException e) {
                result = null;
                failure = e.getCause();
            }
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            List<String> problems = new ArrayList<>();
            if (failure == null) {
                outcomes.merge(region + " accepted", 1, Integer::sum);
                if (Boolean.getBoolean("airlock.damage.survey")) {
                    System.out.println("SURVEY " + describe(d, mode) + " -> accepted");
                }
                if (region == Region.DATA && !inArmorFraming(d.position())) {
                    problems.add("accepted although a byte of " + entry.name() + "'s data changed");
                }
                try {
                    assertLandedIdentical(sink);
                } catch (AssertionError e) {
                    problems.add("accepted, but not byte-identical: " + e.getMessage());
                }
            } else if (!(failure instanceof AirlockException a)) {
                outcomes.merge(region + " crashed", 1, Integer::sum);
                problems.add("failed with " + failure + " (exit 1), not a verification failure");
            } else {
                outcomes.merge(region + " refused " + a.kind(), 1, Integer::sum);
                int exit = Cli.exitCode(a.kind());
                if (exit != 3) {
                    problems.add("exit " + exit + " (" + a.kind() + "), not 3: " + a.getMessage());
                }
                if (Boolean.getBoolean("airlock.damage.survey")) {
                    System.out.println("SURVEY " + describe(d, mode) + " -> " + a.kind() + ": " + a.getMessage());
                }
                if (region == Region.DATA ? !a.getMessage().contains(entry.mention()) : region != Region.TRAILER && !locates(a.getMessage())) {
                    problems.add("the message does not name " + (region == Region.DATA ? entry.name() : "an entry or a byte offset")
                            + ": " + a.getMessage());
                }
                if (sink.anyManifest() || sink.anyTag()) {
                    problems.add("refused, yet the sink holds manifests " + sink.repositories() + " or tags");
                }
                if (region == Region.DATA && entry.isBlob()) {
                    Digest blob = Digest.parse("sha256:" + entry.mention());
                    if (sink.mostReceived(blob) >= entry.size()) {
                        problems.add("the changed blob arrived whole in the sink (" + sink.mostReceived(blob) + " bytes)");
                    }
                }
                if (region == Region.DATA && entry.data() < entries.get(2).header() && sinkAsked.get() > 0) {
                    problems.add("a change in bundle.json or its signature, yet the sink was asked for");
                }
            }
            if (!sink.violations().isEmpty()) {
                problems.add("order violations: " + sink.violations());
            }
            if (millis > TIMEOUT_SECONDS * 1000L) {
                problems.add("took " + millis + " ms");
            }
            return problems.isEmpty() ? null : String.join("; ", problems);
        } finally {
            restore(work, d.position(), original);
        }
    }

    /**
     * Whether a byte of the signature entry is armor framing rather than signature: the BEGIN line
     * and armor headers, the body's last base64 quad (padding), the CRC line and the END line. The
     * armor reader need not look at every byte of these (it stops at the END line's first dashes),
     * and a change there that leaves the decoded signature intact changes nothing that is trusted.
     * A change in the rest of the base64 body changes the signature packet: it must be refused.
     */
    private static boolean inArmorFraming(long position) {
        Entry sig = entry(BundleNames.SIGNATURE);
        if (position < sig.data() || position >= sig.dataEnd()) {
            return false;
        }
        String text = new String(pristineBytes, (int) sig.data(), (int) sig.size(), java.nio.charset.StandardCharsets.US_ASCII);
        int body = text.indexOf("\n\n") + 2;
        int crc = text.lastIndexOf("\n=") + 1;
        assertTrue(text.startsWith("-----BEGIN PGP SIGNATURE-----") && body > 2 && crc > body, "an armored signature: " + text);
        int lastQuad = body;
        for (int i = body, chars = 0; i < crc; i++) {
            if (text.charAt(i) != '\n' && text.charAt(i) != '\r' && chars++ % 4 == 0) {
                lastQuad = i; // start of the latest 4-character group
            }
        }
        int at = (int) (position - sig.data());
        return at < body || at >= lastQuad;
    }

    /** A message about damage outside any entry's data names some entry, or the byte offset where reading failed. */
    private static boolean locates(String message) {
        return entries.stream().anyMatch(e -> message.contains(e.mention())) || message.matches("(?s).*\\bbyte \\d+.*");
    }

    private static String describe(Damage d, MemorySink.Mode mode) {
        Entry e = entryAt(d.position());
        return String.format("byte %d (%s, %s of %s at +%d, ^0x%02x, %s)", d.position(), d.why(), regionOf(e, d.position()),
                e == null ? "end of archive" : e.name(), e == null ? d.position() - entries.get(entries.size() - 1).end()
                        : d.position() - (regionOf(e, d.position()) == Region.HEADER ? e.header() : e.data()), d.mask(), mode);
    }

    /** The entry whose header, data or padding holds {@code position}; null in the end-of-archive records. */
    private static Entry entryAt(long position) {
        for (Entry e : entries) {
            if (position >= e.header() && position < e.end()) {
                return e;
            }
        }
        return null;
    }

    private static Region regionOf(Entry e, long position) {
        if (e == null) {
            return Region.TRAILER;
        }
        if (position < e.data()) {
            return Region.HEADER;
        }
        return position < e.dataEnd() ? Region.DATA : Region.PADDING;
    }

    private static Entry entry(String name) {
        return entries.stream().filter(e -> e.name().equals(name)).findFirst().orElseThrow();
    }

    private static Entry entry(Digest blob) {
        return entry(BundleNames.blobPath(blob));
    }

    /** Every position to damage, each once (the first reason kept), in a seeded order. */
    private static List<Damage> positions() {
        SplittableRandom random = new SplittableRandom(SEED);
        Map<Long, String> why = new LinkedHashMap<>();
        long size = pristineBytes.length;
        for (int i = 0; i < 120; i++) {
            why.putIfAbsent(random.nextLong(size), "random, uniform");
        }
        for (int i = 0; i < 120; i++) {
            Entry e = entries.get(random.nextInt(entries.size()));
            why.putIfAbsent(e.header() + random.nextLong(e.end() - e.header()), "random, in an entry");
        }
        // The signature, every byte: it is small, and the one entry whose bytes are not all covered by a digest.
        Entry sig = entry(BundleNames.SIGNATURE);
        for (long at = sig.data(); at < sig.dataEnd(); at++) {
            why.putIfAbsent(at, "signature byte " + (at - sig.data()));
        }
        for (Entry e : entries) {
            // Data: first, second, middle, second-to-last, last byte.
            for (long at : new long[] {0, 1, e.size() / 2, e.size() - 2, e.size() - 1}) {
                if (at >= 0 && at < e.size()) {
                    why.putIfAbsent(e.data() + at, "data byte " + at + " of " + e.name());
                }
            }
            // 1 MiB and 64 KiB read buffers, within the entry, ±1.
            for (int buffer : new int[] {MIB, 64 * 1024}) {
                for (long k = buffer; k < e.size() + 1; k += buffer) {
                    for (long at = k - 1; at <= k + 1; at++) {
                        if (at >= 0 && at < e.size()) {
                            why.putIfAbsent(e.data() + at, (buffer == MIB ? "1 MiB" : "64 KiB") + " buffer boundary in " + e.name());
                        }
                    }
                }
            }
            // 512-byte records: either side of the header's start and end and of the data's end; the padding's last byte.
            for (long at : new long[] {e.header() - 1, e.header(), e.header() + 1, e.data() - 2, e.data() - 1, e.data(), e.data() + 1,
                    e.dataEnd(), e.dataEnd() + 1, e.end() - 1}) {
                if (at >= 0 && at < size) {
                    why.putIfAbsent(at, "tar record boundary of " + e.name());
                }
            }
            // Header fields: name, its end, mode, uid, gid, size (first, last digit, end), mtime, checksum, type,
            // linkname, magic, version, uname, gname, devmajor, prefix, the unused tail.
            int nameEnd = e.name().length();
            boolean all = !e.isBlob() || e.size() == BIG.size() || e.size() == 1;
            int[] fields = all ? new int[] {0, nameEnd - 1, nameEnd, 99, 100, 108, 116, 124, 134, 135, 136, 148, 154, 155, 156, 157, 257,
                    262, 263, 265, 297, 329, 345, 500, 511} : new int[] {0, 134, 148, 156};
            for (int f : fields) {
                why.putIfAbsent(e.data() - 512 + f, "header field at " + f + " of " + e.name());
            }
        }
        long last = entries.get(entries.size() - 1).end();
        for (long at : new long[] {last, last + 1, last + 511, last + 512, last + 1023}) {
            why.putIfAbsent(at, "end-of-archive record");
        }
        for (long k = MIB; k < size; k += MIB) {
            for (long at = k - 1; at <= k + 1; at++) {
                why.putIfAbsent(at, "1 MiB of the file");
            }
        }
        List<Damage> out = new ArrayList<>();
        why.forEach((at, reason) -> out.add(new Damage(at, 1 + random.nextInt(255), reason)));
        return out;
    }

    private static Path freshCopy(int n) throws Exception {
        Path p = dir.resolve("damaged-" + n + ".airlock.tar");
        Files.copy(pristine, p, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return p;
    }

    /** XORs one byte with {@code mask}; returns the byte that was there. */
    private static int flip(Path file, long position, int mask) throws Exception {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, position);
            int original = b.get(0) & 0xff;
            ch.write(ByteBuffer.wrap(new byte[] {(byte) (original ^ mask)}), position);
            return original;
        }
    }

    private static void restore(Path file, long position, int original) throws Exception {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {(byte) original}), position);
        }
    }

    // ---- a handful against a real registry, through the CLI ----

    @Test
    void cli_importIntoARealRegistry_refusesDamage_exit3_noTag_damagedBlobAbsent(Registries registries) throws Exception {
        TestRegistry target = registries.plain();
        Entry half = entry(HALF_MIB.digest());
        Entry big = entry(BIG.digest());
        Entry tiny = entry(ONE_BYTE.digest());
        Entry record = entry(RECORD.digest());
        Entry manifest = entry(childManifest);
        List<Object[]> cases = List.of(
                new Object[] {half, half.size() / 2, "the middle of a ~512 KiB layer (the reported hang)"},
                new Object[] {big, (long) MIB, "a 1 MiB boundary of the largest layer"},
                new Object[] {big, big.size() - 1, "the last byte of the largest layer"},
                new Object[] {tiny, 0L, "the only byte of a 1-byte layer"},
                new Object[] {record, 0L, "the first byte of a 512-byte layer"},
                new Object[] {manifest, 10L, "a byte of an image manifest"},
                new Object[] {entry(BundleNames.MANIFEST), 40L, "a byte of bundle.json"});
        ObjectMapper json = JSON;
        Path work = freshCopy(9_999);
        for (int i = 0; i < cases.size(); i++) {
            Entry e = (Entry) cases.get(i)[0];
            long at = e.data() + (long) cases.get(i)[1];
            String prefix = "p" + i;
            int original = flip(work, at, 0x20);
            try {
                List<String> args = new ArrayList<>(List.of("import", work.toString(), "--trust", cert.toString(),
                        "--registry", target.host() + "/" + prefix, "--state", dir.resolve("cli-state-" + i).toString(),
                        "--parallel", "4", "--retries", "2"));
                args.addAll(target.cliFlags());
                Future<Airlock.Run> f = runner.submit(() -> Airlock.importer(args));
                Airlock.Run r;
                try {
                    r = f.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                } catch (TimeoutException t) {
                    f.cancel(true);
                    throw new AssertionError(cases.get(i)[2] + ": the import CLI did not end within " + TIMEOUT_SECONDS + " s");
                }
                String what = cases.get(i)[2] + " (byte " + at + "): " + r;
                assertEquals(3, r.code(), what);
                assertTrue(r.err().contains(e.mention()), "names " + e.name() + ": " + what);
                for (String repo : List.of("app/multi", "library/docker", "tools/odd")) {
                    String tags = Fixture.get(target, "/v2/" + prefix + "/" + repo + "/tags/list");
                    JsonNode list = json.readTree(tags).path("tags");
                    assertTrue(list.isMissingNode() || list.isNull() || list.isEmpty(), "no tag in " + repo + ": " + tags + "; " + what);
                }
                if (e.isBlob()) {
                    for (String repo : List.of("app/multi", "library/docker", "tools/odd")) {
                        assertEquals(404, Fixture.status(target, "HEAD", "/v2/" + prefix + "/" + repo + "/blobs/sha256:" + e.mention()),
                                "the damaged blob is absent from " + repo + "; " + what);
                    }
                }
            } finally {
                restore(work, at, original);
            }
        }
        assertArrayEquals(pristineBytes, Files.readAllBytes(work), "every byte restored");
        // And the restored bundle lands, so the refusals above were the damage's doing.
        Airlock.Run ok = Airlock.importer(List.of("import", work.toString(), "--trust", cert.toString(), "--registry",
                target.host() + "/ok", "--state", dir.resolve("cli-state-ok").toString(), "--insecure-registry", target.host()));
        assertEquals(0, ok.code(), ok.toString());
        assertEquals(200, Fixture.status(target, "HEAD", "/v2/ok/library/docker/blobs/" + HALF_MIB.digest()));
        String tags = Fixture.get(target, "/v2/ok/app/multi/tags/list");
        assertTrue(tags.contains("\"1.0\""), tags);
    }
}
