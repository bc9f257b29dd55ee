package dev.airlock.imports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.imports.ImportLedger.Applied;
import dev.airlock.imports.ImportLedger.Placed;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compaction of the importer's ledger: a chain keeps its newest bundles in full and folds the
 * images of older ones into one list of distinct placements, so the file is bounded by the images
 * placed, not by the bundles ever applied, and every query answers as the whole history would.
 * The v2 file under {@code src/test/resources} was written by the ImportLedger of commit 6662f61
 * (the last to write v2) from {@link History#of} with seed 7 and 20 bundles, not by hand.
 */
class ImportLedgerCompactionTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TargetNaming A = new TargetNaming("127.0.0.1:5000/mirror", List.of());
    private static final TargetNaming B = new TargetNaming("127.0.0.1:6000", List.of(TargetNaming.Mapping.parse("app=apps")));

    @TempDir
    Path state;

    private static String d(long n) {
        return "sha256:" + String.format("%064x", n);
    }

    private Path ledgerFile() {
        return state.resolve("channels").resolve("daily.json");
    }

    /**
     * A channel's bundles as two targets received them: each bundle goes to A, to B or to both;
     * images come and go, move between tags and digests, and come back as they were, sharing blobs.
     */
    record History(List<Applied> a, List<Applied> b) {
        static History of(long seed, int bundles) {
            Random r = new Random(seed);
            History h = new History(new ArrayList<>(), new ArrayList<>());
            for (int k = 1; k <= bundles; k++) {
                boolean toA = r.nextInt(10) < 8;
                boolean toB = !toA || r.nextBoolean();
                List<int[]> images = new ArrayList<>();
                for (int repo = 0; repo < 8; repo++) {
                    if (r.nextInt(3) > 0) {
                        images.add(new int[] {repo, r.nextInt(4)});
                    }
                }
                String digest = d(seed * 100_000 + k);
                if (toA) {
                    h.a().add(bundle(k, digest, h.a(), "127.0.0.1:5000/mirror/app/", images, r));
                }
                if (toB) {
                    h.b().add(bundle(k, digest, h.b(), "127.0.0.1:6000/apps/", images, r));
                }
            }
            return h;
        }

        private static Applied bundle(long sequence, String digest, List<Applied> chain, String at, List<int[]> images, Random r) {
            Long parent = chain.isEmpty() || r.nextInt(6) == 0 ? null : chain.get(chain.size() - 1).sequence();
            List<Placed> placed = new ArrayList<>();
            String[] tags = {"1", "2", "latest", null};
            for (int[] i : images) {
                int repo = i[0];
                int version = i[1];
                String tag = tags[(repo + version) % 4];
                List<String> blobs = List.of(d(1_000 + version), d(2_000 + repo % 3), d(3_000 + repo * 10 + version));
                placed.add(new Placed(at + "r" + repo, tag, "src:4000/app/r" + repo + (tag != null ? ":" + tag : ""),
                        d(4_000 + repo * 10 + version), blobs.subList(0, 1 + (repo + version) % 3),
                        version == 3 ? List.of("linux/amd64") : null));
            }
            return new Applied(sequence, digest, parent, "2026-12-07T00:00:00Z", placed);
        }
    }

    /** What the uncompacted chain answers: every query over the whole history of one target. */
    private record Reference(List<Applied> applied) {
        Map<String, Placed> inPlace() {
            Map<String, Placed> out = new LinkedHashMap<>();
            applied.forEach(a -> a.images().forEach(p -> out.put(p.target() + ":" + (p.tag() != null ? p.tag() : p.digest()), p)));
            return out;
        }

        Set<String> blobs() {
            Set<String> out = new TreeSet<>();
            applied.forEach(a -> a.images().forEach(p -> out.addAll(p.blobs())));
            return out;
        }

        /** Newest placement first: the bundles from the last, each bundle's images from its last. */
        List<String> repositoriesWith(String blob) {
            Set<String> out = new LinkedHashSet<>();
            for (int i = applied.size() - 1; i >= 0; i--) {
                List<Placed> images = applied.get(i).images();
                for (int j = images.size() - 1; j >= 0; j--) {
                    if (images.get(j).blobs().contains(blob)) {
                        out.add(images.get(j).target());
                    }
                }
            }
            return List.copyOf(out);
        }

        boolean isApplied(String digest) {
            return applied.stream().anyMatch(a -> a.digest().equals(digest));
        }
    }

    private static Map<String, Placed> byKey(List<Placed> placed) {
        Map<String, Placed> out = new LinkedHashMap<>();
        placed.forEach(p -> assertEquals(null, out.put(p.target() + ":" + (p.tag() != null ? p.tag() : p.digest()), p), "one per key"));
        return out;
    }

    private static void assertSameAnswers(String why, Reference ref, Reference other, ImportLedger l) {
        assertEquals(ref.inPlace(), byKey(l.inPlace()), why + ": inPlace");
        assertEquals(ref.blobs(), new TreeSet<>(l.blobsInPlace()), why + ": blobsInPlace");
        Set<String> blobs = new TreeSet<>(ref.blobs());
        blobs.addAll(other.blobs());
        blobs.add(d(98));
        for (String blob : blobs) {
            assertEquals(ref.repositoriesWith(blob), l.repositoriesWith(blob), why + ": repositoriesWith " + blob);
        }
        assertEquals(ref.applied().isEmpty() ? null : ref.applied().get(ref.applied().size() - 1), l.last().orElse(null), why + ": last");
        Set<String> digests = new LinkedHashSet<>();
        ref.applied().forEach(a -> digests.add(a.digest()));
        other.applied().forEach(a -> digests.add(a.digest()));
        digests.add(d(99));
        for (String digest : digests) {
            assertEquals(ref.isApplied(digest), l.isApplied(digest), why + ": isApplied " + digest);
            String otherTarget = l.target().equals(A.key()) ? B.key() : A.key();
            assertEquals(other.isApplied(digest) ? List.of(otherTarget) : List.of(),
                    l.otherTargetsWith(digest, 4).stream().map(TargetNaming::key).toList(), why + ": otherTargetsWith");
        }
    }

    /** How many bundles of each target's chain the file holds with their images. */
    private List<Integer> entriesWithImages() throws Exception {
        List<Integer> out = new ArrayList<>();
        for (JsonNode t : JSON.readTree(ledgerFile().toFile()).path("targets")) {
            int n = 0;
            for (JsonNode a : t.path("applied")) {
                n += a.has("images") ? 1 : 0;
            }
            out.add(n);
        }
        return out;
    }

    @Test
    void compactedChains_answerEveryQuery_asTheirWholeHistory_andKeepOnlyTheNewestBundlesInFull() throws Exception {
        for (long seed = 1; seed <= 24; seed++) {
            History h = History.of(seed, 20 + (int) (seed % 3) * 15);
            Files.deleteIfExists(ledgerFile());
            List<Applied> a = new ArrayList<>();
            List<Applied> b = new ArrayList<>();
            int ia = 0;
            int ib = 0;
            while (ia < h.a().size() || ib < h.b().size()) {
                boolean nextIsA = ib >= h.b().size() || ia < h.a().size() && h.a().get(ia).sequence() <= h.b().get(ib).sequence();
                Applied next = nextIsA ? h.a().get(ia++) : h.b().get(ib++);
                (nextIsA ? a : b).add(next);
                ImportLedger recording = ImportLedger.load(state, "daily", nextIsA ? A : B);
                recording.record(next);
                String why = "seed " + seed + ", bundle " + next.sequence() + " to " + (nextIsA ? "A" : "B");
                assertEquals("airlock-import-ledger/v3", JSON.readTree(ledgerFile().toFile()).path("format").asText(), why);
                assertTrue(entriesWithImages().stream().allMatch(n -> n <= 8), why + ": " + entriesWithImages() + " bundles in full");
                Reference ra = new Reference(a);
                Reference rb = new Reference(b);
                assertSameAnswers(why + ", as recorded", nextIsA ? ra : rb, nextIsA ? rb : ra, recording);
                assertSameAnswers(why + ", A read back", ra, rb, ImportLedger.load(state, "daily", A));
                assertSameAnswers(why + ", B read back", rb, ra, ImportLedger.load(state, "daily", B));
            }
            Map<String, List<Integer>> chains = new TreeMap<>();
            for (JsonNode t : JSON.readTree(ledgerFile().toFile()).path("targets")) {
                int full = 0;
                for (JsonNode x : t.path("applied")) {
                    full += x.has("images") ? 1 : 0;
                }
                chains.put(t.path("target").asText(), List.of(t.path("applied").size(), full));
            }
            Map<String, List<Integer>> expected = new TreeMap<>();
            expected.put(A.key(), List.of(h.a().size(), Math.min(8, h.a().size())));
            expected.put(B.key(), List.of(h.b().size(), Math.min(8, h.b().size())));
            assertEquals(expected, chains, "seed " + seed + ": every bundle's header is kept, the newest 8 of each chain in full");
        }
    }

    @Test
    void aThousandImages_importedDaily_for300Days_keepTheLedgerSmall_andItLoadsFast() throws Exception {
        List<Placed> images = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            images.add(new Placed("127.0.0.1:5000/mirror/app/image-" + i, "1", "src:4000/app/image-" + i + ":1", d(10_000 + i),
                    List.of(d(20_000 + i), d(30_000 + i), d(40_000 + i))));
        }
        ImportLedger l = ImportLedger.load(state, "daily", A);
        long oneBundle = 0;
        for (long seq = 1; seq <= 300; seq++) {
            if (seq % 50 == 0) {
                l = ImportLedger.load(state, "daily", A);
            }
            l.record(new Applied(seq, d(seq), seq == 1 ? null : seq - 1, "2026-12-07T00:00:00Z", images));
            long size = Files.size(ledgerFile());
            oneBundle = seq == 1 ? size : oneBundle;
            // The newest 8 bundles in full, the folded images once, a header per bundle: about 9 bundles' worth.
            assertTrue(size < 10 * oneBundle, "after bundle " + seq + ": " + size + " bytes, one bundle is " + oneBundle);
        }
        long size = Files.size(ledgerFile());
        long start = System.nanoTime();
        ImportLedger read = ImportLedger.load(state, "daily", A);
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(size < 6 * 1024 * 1024, size + " bytes");
        assertTrue(millis < 3_000, "loading took " + millis + " ms");
        assertEquals(300, read.last().orElseThrow().sequence());
        assertEquals(1_000, read.inPlace().size());
        assertEquals(3_000, read.blobsInPlace().size());
        assertTrue(read.isApplied(d(1)));
        System.out.printf("ledger after 300 bundles of 1,000 images: %,d bytes (one bundle: %,d), loaded in %d ms%n", size, oneBundle, millis);
    }

    @Test
    void aV2LedgerOfTheEarlierAirlock_answersAsItsHistory_andIsRewrittenAsV3_byTheNextRecord() throws Exception {
        Path untouched = state.resolve("untouched");
        for (Path dir : List.of(state, untouched)) {
            Files.createDirectories(dir.resolve("channels"));
            try (InputStream in = getClass().getResourceAsStream("v2-ledger-seed7.json")) {
                Files.write(dir.resolve("channels").resolve("daily.json"), in.readAllBytes());
            }
        }
        History h = History.of(7, 21);
        Applied next = h.a().remove(h.a().size() - 1);
        assertEquals(21, next.sequence(), "bundle 21 goes to A");
        List<Applied> b = h.b().stream().filter(x -> x.sequence() <= 20).toList();

        ImportLedger.load(state, "daily", A).record(next);
        assertEquals("airlock-import-ledger/v3", JSON.readTree(ledgerFile().toFile()).path("format").asText());
        assertEquals(List.of(8, 8), entriesWithImages(), "both chains compacted by the first record");
        List<Applied> a = new ArrayList<>(h.a());
        assertSameAnswers("v2, A", new Reference(a), new Reference(b), ImportLedger.load(untouched, "daily", A));
        assertSameAnswers("v2, B", new Reference(b), new Reference(a), ImportLedger.load(untouched, "daily", B));
        a.add(next);
        assertSameAnswers("v3, A", new Reference(a), new Reference(b), ImportLedger.load(state, "daily", A));
        assertSameAnswers("v3, B", new Reference(b), new Reference(a), ImportLedger.load(state, "daily", B));
    }

    /**
     * How {@code v2-ledger-seed7.json} was made: this, called from a test on commit 6662f61 (whose
     * ImportLedger writes v2) with a temporary state directory, then the file copied into the
     * resources. Not a test itself: on this commit it would write v3.
     */
    static void writeV2Resource(Path state, Path to) throws Exception {
        History h = History.of(7, 20);
        List<Applied> all = new ArrayList<>();
        h.a().forEach(x -> all.add(x));
        h.b().forEach(x -> all.add(x));
        all.sort((x, y) -> Long.compare(x.sequence(), y.sequence()) != 0 ? Long.compare(x.sequence(), y.sequence())
                : Boolean.compare(!h.a().contains(x), !h.a().contains(y)));
        for (Applied x : all) {
            ImportLedger.load(state, "daily", h.a().contains(x) ? A : B).record(x);
        }
        Files.copy(state.resolve("channels").resolve("daily.json"), to);
    }
}
