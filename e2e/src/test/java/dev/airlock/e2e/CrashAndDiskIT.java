package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.digest.Digest;
import dev.airlock.export.cli.ExportMain;
import dev.airlock.imports.cli.ImportMain;
import dev.airlock.testing.RegistryExtension;
import dev.airlock.testing.RegistryExtension.Registries;
import dev.airlock.testing.TestImages;
import dev.airlock.testing.TestImages.Image;
import dev.airlock.testing.TestImages.Layer;
import dev.airlock.testing.TestRegistry;
import dev.airlock.testing.Tools;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Local and crash faults (issue 8, items 5 and 8): either program killed with SIGKILL mid-run and
 * run again, a full or read-only disk under {@code --out} and {@code --state}, and a ledger that is
 * valid JSON but not a ledger. After each: the documented exit code and one line naming the path,
 * nothing half-written under a final name, a rerun that completes byte-identical, and (for the
 * importer) no moment at which a tag points at an image with a missing blob.
 *
 * <p>Every run of a program has a hard time bound here: a hang fails the test with "hung" instead
 * of hanging the suite. The disk tests mount a small tmpfs and so need root; elsewhere they are
 * skipped with a message saying so.
 */
@ExtendWith(RegistryExtension.class)
class CrashAndDiskIT {
    private static final String CHANNEL = "crash";
    /** Far above any healthy run here (a few seconds): only a hang reaches it. */
    private static final Duration RUN_LIMIT = Duration.ofSeconds(60);
    /** A local failure is not retried: it must end well within this. */
    private static final Duration LOCAL_FAILURE_LIMIT = Duration.ofSeconds(10);
    private static final Pattern NO_SPACE = Pattern.compile("(?i)no space left on device|disk (is )?full");

    /** Ten layers of 1–4 MiB (22.75 MiB) over three images: an OCI image, a Docker manifest list and another OCI image. */
    private static final Layer[] TEN = {
        Layer.random(201, 4 << 20), Layer.random(202, 3 << 20), Layer.random(203, 1 << 20),
        Layer.random(204, 5 << 19), Layer.random(205, 3 << 19), Layer.random(206, 7 << 19), Layer.random(207, 1 << 20),
        Layer.random(208, 2 << 20), Layer.random(209, 5 << 18), Layer.random(210, 3 << 20)};

    @TempDir
    Path tmp;

    // ---------------------------------------------------------------- 1. importer killed mid-push

    @ParameterizedTest(name = "--parallel {0}")
    @ValueSource(ints = {1, 4, 16})
    void importerKilledWithSigkillMidPush_rerunCompletesByteIdentical_andNoTagEverPointsAtAnIncompleteImage(int parallel, Registries registries)
            throws Exception {
        TestRegistry source = registries.plain();
        TestRegistry target = registries.plain();
        Map<String, Image> images = seedTen(source);
        Path[] keys = Fixture.keygen(tmp, "exporter");
        Path out = tmp.resolve("out");
        Path bundle = export(exportArgs(source, images.keySet(), keys[0], out, tmp.resolve("xs"), parallel)).bundle;
        List<String> importArgs = importArgs(bundle, keys[1], target, tmp.resolve("is"), "--parallel", String.valueOf(parallel));
        Map<String, Set<Digest>> layersByRepo = layersByRepository(source, images);

        RegistryAudit audit = new RegistryAudit(target.host());
        RegistryAudit.Poller poller = audit.poll(Duration.ofMillis(50));
        try {
            Child first = Child.start(false, importArgs, tmp.resolve("import-1"));
            int present = 0;
            long deadline = System.nanoTime() + RUN_LIMIT.toNanos();
            while (first.process.isAlive() && System.nanoTime() < deadline) {
                present = countPresent(target, layersByRepo);
                if (present > 0) {
                    break;
                }
                Thread.sleep(5);
            }
            first.process.destroyForcibly();
            Airlock.Run killed = first.await(Duration.ofSeconds(10));
            assertEquals(137, killed.code(), "the importer must still have been running when killed (137 = SIGKILL); "
                    + present + " of " + TEN.length + " layers were in the target\n" + killed);
            assertTrue(present > 0, "killed after some blobs reached the target");
            int afterKill = countPresent(target, layersByRepo);

            Airlock.Run rerun = Child.start(false, importArgs, tmp.resolve("import-2")).await(RUN_LIMIT);
            assertEquals(0, rerun.code(), "rerun after the kill (" + afterKill + "/" + TEN.length + " layers were in place)\n" + rerun);
            audit.assertClean(poller, images.size());
        } finally {
            poller.stop();
        }
        assertAllIdentical(source, target, images);
    }

    // ---------------------------------------------------------------- 2. exporter killed mid-bundle

    @ParameterizedTest(name = "--parallel {0}")
    @ValueSource(ints = {1, 4, 16})
    void exporterKilledWithSigkillMidBundle_rerunWritesACompleteBundle_andTheChainGoesOn(int parallel, Registries registries) throws Exception {
        TestRegistry source = registries.plain();
        TestRegistry target = registries.plain();
        Map<String, Image> images = seedTen(source);
        Path[] keys = Fixture.keygen(tmp, "exporter");
        Path out = tmp.resolve("out");
        Path xs = tmp.resolve("xs");
        List<String> args = exportArgs(source, images.keySet(), keys[0], out, xs, parallel);

        Child child = Child.start(true, args, tmp.resolve("export-1"));
        boolean partialSeen = false;
        long deadline = System.nanoTime() + RUN_LIMIT.toNanos();
        while (child.process.isAlive() && System.nanoTime() < deadline) {
            // The bundle's own temporary file (the report's, written first and small, never fills up).
            List<Path> partial = Files.isDirectory(out) ? partials(out).stream()
                    .filter(p -> !p.getFileName().toString().contains(".report.md.")).toList() : List.of();
            if (!partial.isEmpty()) {
                partialSeen = true;
                // Some blob bytes written, far from all: a sparse chunk still reads as zeros.
                if (writtenChunks(partial.get(0)) >= 48) {
                    break;
                }
            }
            Thread.sleep(2);
        }
        child.process.destroyForcibly();
        Airlock.Run killed = child.await(Duration.ofSeconds(10));
        assertTrue(partialSeen, "the exporter never started a bundle file\n" + killed);
        assertEquals(137, killed.code(), "the exporter must still have been running when killed (137 = SIGKILL)\n" + killed);
        // Whatever the kill left under a final name must be a complete, verifiable bundle.
        for (Path f : finals(out)) {
            verify(f, keys[1]);
        }

        Airlock.Run rerun = bounded("export rerun", () -> Airlock.export(args));
        assertEquals(0, rerun.code(), rerun.toString());
        Path one = out.resolve(CHANNEL + "-000001.airlock.tar");
        assertEquals(List.of(report(one), one), listAll(out), "only the finished bundle and its report: no .partial, no dot-file, no half file");
        verify(one, keys[1]);

        Path is = tmp.resolve("is");
        Airlock.Run imported = bounded("import of the rerun's bundle", () -> Airlock.importer(importArgs(one, keys[1], target, is)));
        assertEquals(0, imported.code(), imported.toString());
        assertAllIdentical(source, target, images);

        // The chain stays consistent: the next bundle is a delta after 1 and imports on top of it.
        Image changed = TestImages.image(true, "amd64", null, TEN[7], Layer.random(211, 1 << 20));
        TestImages.push(source.client(), source.host(), "tools/c", "3", changed);
        images.put(source.host() + "/tools/c:3", changed);
        Exported delta = export(args);
        assertEquals(CHANNEL + "-000002.airlock.tar", delta.bundle.getFileName().toString(), delta.run.toString());
        assertTrue(delta.run.out().contains("delta after 1"), delta.run.out());
        Airlock.Run second = bounded("import of the delta", () -> Airlock.importer(importArgs(delta.bundle, keys[1], target, is)));
        assertEquals(0, second.code(), second.toString());
        assertAllIdentical(source, target, images);
    }

    // ---------------------------------------------------------------- 3. full and read-only disks

    @ParameterizedTest(name = "--parallel {0}")
    @ValueSource(ints = {1, 4, 16})
    void exportToAFullDisk_exits1NamingThePath_quickly_withoutRetrying_andLeavesNothingInOut(int parallel, Registries registries) throws Exception {
        TestRegistry source = registries.plain();
        Image image = TestImages.image(true, "amd64", null, Layer.random(301, 2 << 20), Layer.random(302, 2 << 20));
        TestImages.push(source.client(), source.host(), "app/big", "1", image);
        Path[] keys = Fixture.keygen(tmp, "exporter");
        Path out = tmp.resolve("small-out");
        Path xs = tmp.resolve("xs");
        String ref = source.host() + "/app/big:1";
        try (Tmpfs fs = Tmpfs.mount(out, "3m")) {
            long start = System.nanoTime();
            // The free-space check would refuse this bundle before writing (VolumeIT tests that); it is
            // turned off here so that the disk really fills while the blobs are being written.
            System.setProperty("airlock.test.skipSpaceCheck", "true");
            Airlock.Run r;
            try {
                r = bounded("export onto a full disk", () -> Airlock.export(exportArgs(source, List.of(ref), keys[0], out, xs, parallel)));
            } finally {
                System.clearProperty("airlock.test.skipSpaceCheck");
            }
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertEquals(1, r.code(), "a full disk is a local failure (exit 1), not a registry failure (5)\n" + r);
            String line = failureLine(r);
            assertTrue(line.contains(out.toString()), "names the path on the full disk: " + line);
            assertTrue(NO_SPACE.matcher(line).find(), "says the disk is full: " + line);
            assertTrue(took.compareTo(LOCAL_FAILURE_LIMIT) < 0, "a full disk is not retried; took " + took);
            assertEquals(List.of(), listAll(out), "nothing left in --out (no .partial, no dot-file)");
        }
        // The failed run did not advance the chain: the next bundle, with room, is still number 1.
        Path roomy = tmp.resolve("out");
        Airlock.Run again = bounded("export with room", () -> Airlock.export(exportArgs(source, List.of(ref), keys[0], roomy, xs, parallel)));
        assertEquals(0, again.code(), again.toString());
        assertEquals(List.of(report(roomy.resolve(CHANNEL + "-000001.airlock.tar")), roomy.resolve(CHANNEL + "-000001.airlock.tar")), listAll(roomy));
    }

    @ParameterizedTest(name = "--parallel {0}")
    @ValueSource(ints = {1, 4, 16})
    void exportWithAFullStateDisk_exits1NamingTheLedger_leavesNoBundle_andARerunWithRoomWorks(int parallel, Registries registries) throws Exception {
        TestRegistry source = registries.plain();
        Image image = TestImages.image(true, "amd64", null, Layer.random(311, 1 << 20));
        TestImages.push(source.client(), source.host(), "app/web", "1", image);
        Path[] keys = Fixture.keygen(tmp, "exporter");
        Path out = tmp.resolve("out");
        Path xs = tmp.resolve("small-state");
        List<String> args = exportArgs(source, List.of(source.host() + "/app/web:1"), keys[0], out, xs, parallel);
        try (Tmpfs fs = Tmpfs.mount(xs, "3m")) {
            Path filler = fs.fill();
            Airlock.Run r = bounded("export with a full state disk", () -> Airlock.export(args));
            assertEquals(1, r.code(), r.toString());
            String line = failureLine(r);
            assertTrue(line.contains(xs + "/"), "names the ledger path under --state " + xs + ": " + line);
            assertTrue(NO_SPACE.matcher(line).find(), "says the disk is full: " + line);
            assertEquals(List.of(), Files.isDirectory(out) ? listAll(out) : List.of(),
                    "no bundle under a final name and no .partial when the ledger could not record it");

            Files.delete(filler);
            Airlock.Run rerun = bounded("export after freeing the state disk", () -> Airlock.export(args));
            assertEquals(0, rerun.code(), rerun.toString());
            Path one = out.resolve(CHANNEL + "-000001.airlock.tar");
            assertEquals(List.of(report(one), one), listAll(out));
            verify(one, keys[1]);
        }
    }

    @ParameterizedTest(name = "--parallel {0}")
    @ValueSource(ints = {1, 4, 16})
    void importWithAFullStateDisk_exits1NamingThePath_andARerunWithRoomRecordsTheBundle(int parallel, Registries registries) throws Exception {
        TestRegistry source = registries.plain();
        TestRegistry target = registries.plain();
        Image image = TestImages.image(true, "amd64", null, Layer.random(321, 1 << 20), Layer.random(322, 300_000));
        TestImages.push(source.client(), source.host(), "app/web", "1", image);
        Map<String, Image> images = Map.of(source.host() + "/app/web:1", image);
        Path[] keys = Fixture.keygen(tmp, "exporter");
        Path bundle = export(exportArgs(source, images.keySet(), keys[0], tmp.resolve("out"), tmp.resolve("xs"), parallel)).bundle;
        Path is = tmp.resolve("small-state");
        List<String> args = importArgs(bundle, keys[1], target, is, "--parallel", String.valueOf(parallel));
        try (Tmpfs fs = Tmpfs.mount(is, "3m")) {
            Path filler = fs.fill();
            Airlock.Run r = bounded("import with a full state disk", () -> Airlock.importer(args));
            assertEquals(1, r.code(), r.toString());
            String line = failureLine(r);
            assertTrue(line.contains(is + "/"), "names the ledger path under --state " + is + ": " + line);
            assertTrue(NO_SPACE.matcher(line).find(), "says the disk is full: " + line);
            assertTrue(line.contains("is in place and tagged; only the ledger is behind"), "says the images landed: " + line);
            new RegistryAudit(target.host()).assertClean(null, 0);

            Files.delete(filler);
            Airlock.Run rerun = bounded("import after freeing the state disk", () -> Airlock.importer(args));
            assertEquals(0, rerun.code(), rerun.toString());
            ledgerIn(is);
            Airlock.Run third = bounded("import of the recorded bundle", () -> Airlock.importer(args));
            assertEquals(0, third.code(), third.toString());
            assertTrue(third.out().contains("already applied"), "the rerun recorded the bundle: " + third.out());
        }
        assertAllIdentical(source, target, images);
    }

    @ParameterizedTest(name = "--parallel {0}")
    @ValueSource(ints = {1, 4, 16})
    void exportToAReadOnlyOut_exits1NamingThePath_andLeavesNothingBehind(int parallel, Registries registries) throws Exception {
        TestRegistry source = registries.plain();
        Image image = TestImages.image(true, "amd64", null, Layer.random(331, 200_000));
        TestImages.push(source.client(), source.host(), "app/web", "1", image);
        Path[] keys = Fixture.keygen(tmp, "exporter");
        Path out = tmp.resolve("ro-out");
        Path xs = tmp.resolve("xs");
        String ref = source.host() + "/app/web:1";
        try (Tmpfs fs = Tmpfs.mount(out, "3m")) {
            fs.readOnly();
            Airlock.Run r = bounded("export to a read-only --out", () -> Airlock.export(exportArgs(source, List.of(ref), keys[0], out, xs, parallel)));
            assertEquals(1, r.code(), "a read-only file system is a local failure (exit 1)\n" + r);
            String line = failureLine(r);
            assertTrue(line.contains(out.toString()), "names the read-only path: " + line);
            assertEquals(List.of(), listAll(out));
        }
        Path roomy = tmp.resolve("out");
        Airlock.Run again = bounded("export to a writable --out", () -> Airlock.export(exportArgs(source, List.of(ref), keys[0], roomy, xs, parallel)));
        assertEquals(0, again.code(), again.toString());
        assertEquals(List.of(report(roomy.resolve(CHANNEL + "-000001.airlock.tar")), roomy.resolve(CHANNEL + "-000001.airlock.tar")),
                listAll(roomy), "the failed run recorded nothing");
    }

    // ---------------------------------------------------------------- 4. a ledger that is not a ledger

    @Test
    void exporterLedgerThatIsJsonButNotALedger_isRefusedWithExit2NamingFileAndField_andLeftUntouched(Registries registries)
            throws Exception {
        TestRegistry source = registries.plain();
        Image image = TestImages.image(true, "amd64", null, Layer.random(401, 50_000));
        TestImages.push(source.client(), source.host(), "app/web", "1", image);
        Path[] keys = Fixture.keygen(tmp, "exporter");
        Path out = tmp.resolve("out");
        Path xs = tmp.resolve("xs");
        List<String> args = exportArgs(source, List.of(source.host() + "/app/web:1"), keys[0], out, xs);
        export(args);
        Path ledger = ledgerIn(xs);
        Set<String> fields = topLevelFields(ledger);
        assertTrue(fields.contains("channel"), "a ledger names its channel: " + fields);

        // A fresh --out, so that the guard against overwriting bundle 1 cannot stand in for the ledger check.
        Path fresh = Files.createDirectories(tmp.resolve("fresh-out"));
        List<String> freshArgs = exportArgs(source, List.of(source.host() + "/app/web:1"), keys[0], fresh, xs);
        for (String content : List.of("{}", "{\"channel\":\"" + CHANNEL + "\"}")) {
            byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
            Files.write(ledger, bytes);
            for (List<String> a : List.of(freshArgs, args)) {
                Airlock.Run r = bounded("export over ledger " + content, () -> Airlock.export(a));
                assertEquals(2, r.code(), "ledger " + content + ", --out " + a.get(a.indexOf("--out") + 1) + "\n" + r);
                assertNamesFileAndMissingField(r, ledger, content, fields);
                assertArrayEquals(bytes, Files.readAllBytes(ledger), "the ledger file is left as it was");
            }
            assertEquals(List.of(report(out.resolve(CHANNEL + "-000001.airlock.tar")), out.resolve(CHANNEL + "-000001.airlock.tar")),
                    listAll(out), "no bundle written");
            assertEquals(List.of(), listAll(fresh), "no bundle written: the channel must not silently restart at 1");
        }
    }

    @Test
    void importerLedgerThatIsJsonButNotALedger_isRefusedWithExit2NamingFileAndField_beforeAnyPush(Registries registries)
            throws Exception {
        TestRegistry source = registries.plain();
        TestRegistry target = registries.plain();
        Image v1 = TestImages.image(true, "amd64", null, Layer.random(411, 50_000));
        TestImages.push(source.client(), source.host(), "app/web", "1", v1);
        Path[] keys = Fixture.keygen(tmp, "exporter");
        Path out = tmp.resolve("out");
        List<String> exportArgs = exportArgs(source, List.of(source.host() + "/app/web:1"), keys[0], out, tmp.resolve("xs"));
        Path one = export(exportArgs).bundle;
        Path is = tmp.resolve("is");
        Airlock.Run first = bounded("first import", () -> Airlock.importer(importArgs(one, keys[1], target, is)));
        assertEquals(0, first.code(), first.toString());
        Path ledger = ledgerIn(is);
        Set<String> fields = topLevelFields(ledger);

        Layer fresh = Layer.random(412, 60_000);
        Image v2 = TestImages.image(true, "amd64", null, fresh);
        TestImages.push(source.client(), source.host(), "app/web", "1", v2);
        Path two = export(exportArgs).bundle;

        for (String content : List.of("{}", "{\"channel\":\"" + CHANNEL + "\"}")) {
            byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
            Files.write(ledger, bytes);
            for (Path bundle : List.of(one, two)) {
                Airlock.Run r = bounded("import over ledger " + content, () -> Airlock.importer(importArgs(bundle, keys[1], target, is)));
                assertEquals(2, r.code(), "ledger " + content + ", " + bundle.getFileName() + "\n" + r);
                assertNamesFileAndMissingField(r, ledger, content, fields);
                assertArrayEquals(bytes, Files.readAllBytes(ledger), "the ledger file is left as it was");
            }
            assertEquals(404, Fixture.status(target, "HEAD", "/v2/app/web/blobs/" + fresh.digest()), "nothing of bundle 2 was pushed");
            assertEquals(v1.manifest().digest().toString(), Fixture.skopeoDigest(target, target.host() + "/app/web:1"), "the tag did not move");
        }
    }

    // ---------------------------------------------------------------- fixtures

    private static Map<String, Image> seedTen(TestRegistry source) {
        Image a = TestImages.image(true, "amd64", null, TEN[0], TEN[1], TEN[2]);
        Image b = TestImages.index(false, List.of(
                TestImages.image(false, "amd64", null, TEN[3], TEN[4]),
                TestImages.image(false, "arm64", "v8", TEN[5], TEN[6])),
                List.of(new String[] {"amd64"}, new String[] {"arm64", "v8"}));
        Image c = TestImages.image(true, "amd64", null, TEN[7], TEN[8], TEN[9]);
        var client = source.client();
        TestImages.push(client, source.host(), "app/a", "1", a);
        TestImages.push(client, source.host(), "lib/b", "2", b);
        TestImages.push(client, source.host(), "tools/c", "3", c);
        Map<String, Image> images = new LinkedHashMap<>();
        images.put(source.host() + "/app/a:1", a);
        images.put(source.host() + "/lib/b:2", b);
        images.put(source.host() + "/tools/c:3", c);
        return images;
    }

    /** For each target repository (the source path, as imported without prefix), the layers it must get. */
    private static Map<String, Set<Digest>> layersByRepository(TestRegistry source, Map<String, Image> images) {
        Map<String, Set<Digest>> out = new LinkedHashMap<>();
        Set<Digest> layers = new LinkedHashSet<>();
        for (Layer l : TEN) {
            layers.add(l.digest());
        }
        images.forEach((ref, image) -> {
            String repo = ref.substring(source.host().length() + 1, ref.lastIndexOf(':'));
            Set<Digest> mine = out.computeIfAbsent(repo, k -> new LinkedHashSet<>());
            collect(image, layers, mine);
        });
        return out;
    }

    private static void collect(Image image, Set<Digest> layers, Set<Digest> into) {
        image.blobs().keySet().stream().filter(layers::contains).forEach(into::add);
        image.children().forEach(c -> collect(c, layers, into));
    }

    private static int countPresent(TestRegistry target, Map<String, Set<Digest>> layersByRepo) throws Exception {
        int n = 0;
        for (Map.Entry<String, Set<Digest>> e : layersByRepo.entrySet()) {
            for (Digest d : e.getValue()) {
                if (Fixture.status(target, "HEAD", "/v2/" + e.getKey() + "/blobs/" + d) == 200) {
                    n++;
                }
            }
        }
        return n;
    }

    private static List<String> exportArgs(TestRegistry source, Iterable<String> images, Path key, Path out, Path state)
            throws IOException {
        return exportArgs(source, images, key, out, state, 4);
    }

    private static List<String> exportArgs(TestRegistry source, Iterable<String> images, Path key, Path out, Path state, int parallel)
            throws IOException {
        List<String> args = new ArrayList<>(List.of("bundle", "--channel", CHANNEL, "--key", key.toString(), "--out", out.toString(),
                "--state", state.toString(), "--parallel", String.valueOf(parallel)));
        for (String i : images) {
            args.addAll(List.of("--image", i));
        }
        args.addAll(source.cliFlags());
        return args;
    }

    private static List<String> importArgs(Path bundle, Path cert, TestRegistry target, Path state, String... extra) throws IOException {
        List<String> args = new ArrayList<>(List.of("import", bundle.toString(), "--trust", cert.toString(), "--registry", target.host(),
                "--state", state.toString()));
        args.addAll(target.cliFlags());
        args.addAll(List.of(extra));
        return args;
    }

    private record Exported(Airlock.Run run, Path bundle) {
    }

    /** Exports in-process, which must succeed; returns the bundle written. */
    private static Exported export(List<String> args) {
        Airlock.Run r = bounded("export", () -> Airlock.export(args));
        assertEquals(0, r.code(), r.toString());
        String line = r.out().lines().filter(l -> l.startsWith("bundle ")).findFirst().orElseThrow(() -> new AssertionError(r.toString()));
        return new Exported(r, Path.of(line.substring("bundle".length()).trim()));
    }

    private static void verify(Path bundle, Path cert) {
        Airlock.Run v = bounded("verify " + bundle.getFileName(),
                () -> Airlock.importer(List.of("verify", bundle.toString(), "--trust", cert.toString())));
        assertEquals(0, v.code(), "a bundle under its final name must be complete: " + bundle + "\n" + v);
    }

    private static void assertAllIdentical(TestRegistry source, TestRegistry target, Map<String, Image> images) throws Exception {
        for (Map.Entry<String, Image> e : images.entrySet()) {
            String expected = e.getValue().manifest().digest().toString();
            String path = e.getKey().substring(source.host().length() + 1);
            assertEquals(expected, Fixture.skopeoDigest(source, e.getKey()), "source " + e.getKey());
            assertEquals(expected, Fixture.skopeoDigest(target, target.host() + "/" + path), "target " + path);
        }
    }

    /**
     * The failure's line on stderr: exactly one, naming what and where. The hint that every exit-1
     * failure adds ("run again with --verbose for the stack trace") is not a second failure line.
     */
    private static String failureLine(Airlock.Run r) {
        List<String> lines = r.err().lines().filter(l -> !l.isBlank()).filter(l -> !l.endsWith("run again with --verbose for the stack trace"))
                .toList();
        assertEquals(1, lines.size(), "one line on stderr:\n" + r.err());
        return lines.get(0);
    }

    private static void assertNamesFileAndMissingField(Airlock.Run r, Path ledger, String content, Set<String> fields) throws IOException {
        String line = failureLine(r);
        assertTrue(line.contains(ledger.toString()), "names the ledger file " + ledger + ": " + line);
        Set<String> present = new LinkedHashSet<>();
        new ObjectMapper().readTree(content).fieldNames().forEachRemaining(present::add);
        List<String> missing = fields.stream().filter(f -> !present.contains(f)).toList();
        assertTrue(missing.stream().anyMatch(f -> Pattern.compile("\\b" + Pattern.quote(f) + "\\b").matcher(line).find()),
                "names a missing field (one of " + missing + "): " + line);
    }

    /** The one ledger file a run left under {@code stateDir} (whatever the lead names it). */
    private static Path ledgerIn(Path stateDir) throws IOException {
        try (Stream<Path> walk = Files.walk(stateDir)) {
            List<Path> json = walk.filter(Files::isRegularFile)
                    .filter(p -> p.getFileName().toString().endsWith(".json") && !p.getFileName().toString().startsWith("."))
                    .toList();
            assertEquals(1, json.size(), "one ledger file under " + stateDir + ": " + json);
            return json.get(0);
        }
    }

    private static Set<String> topLevelFields(Path ledger) throws IOException {
        Set<String> fields = new LinkedHashSet<>();
        new ObjectMapper().readTree(ledger.toFile()).fieldNames().forEachRemaining(fields::add);
        return fields;
    }

    /** Every entry of a directory, dot-files included, sorted. */
    private static List<Path> listAll(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    /** The approver's report written beside a bundle (NAME.report.md for NAME.tar). */
    private static Path report(Path bundle) {
        String name = bundle.getFileName().toString();
        return bundle.resolveSibling(name.substring(0, name.length() - ".tar".length()) + ".report.md");
    }

    private static List<Path> partials(Path dir) throws IOException {
        return listAll(dir).stream().filter(p -> p.getFileName().toString().endsWith(".partial")).toList();
    }

    /**
     * How many 64 KiB chunks of a bundle being written hold a non-zero byte. The writer lays the
     * file out sparse at full size first (headers only), so this grows with the blob bytes written.
     */
    private static int writtenChunks(Path file) {
        int n = 0;
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file)) {
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(64 << 10);
            long pos = 0;
            while (true) {
                buf.clear();
                int r = ch.read(buf, pos);
                if (r <= 0) {
                    return n;
                }
                pos += r;
                byte[] a = buf.array();
                for (int i = 0; i < r; i++) {
                    if (a[i] != 0) {
                        n++;
                        break;
                    }
                }
            }
        } catch (IOException e) {
            return n; // renamed or removed meanwhile
        }
    }

    private static List<Path> finals(Path dir) throws IOException {
        return listAll(dir).stream().filter(p -> p.getFileName().toString().endsWith(".airlock.tar")).toList();
    }

    /** Runs one in-process command with a hard bound: a hang fails the test instead of the suite. */
    private static Airlock.Run bounded(String what, Callable<Airlock.Run> call) {
        ExecutorService ex = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "bounded " + what);
            t.setDaemon(true);
            return t;
        });
        try {
            Future<Airlock.Run> f = ex.submit(call);
            try {
                return f.get(RUN_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                f.cancel(true);
                throw new AssertionError("hung: " + what + " did not end within " + RUN_LIMIT.toSeconds() + " s");
            } catch (ExecutionException e) {
                throw new AssertionError(what + " threw " + e.getCause(), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        } finally {
            ex.shutdownNow();
        }
    }

    /** A program in its own JVM, so that it can be killed with SIGKILL. */
    private static final class Child {
        final Process process;
        final Path out;
        final Path err;
        final String what;

        private Child(Process process, Path out, Path err, String what) {
            this.process = process;
            this.out = out;
            this.err = err;
            this.what = what;
        }

        static Child start(boolean export, List<String> args, Path logs) throws IOException {
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.add("-XX:+UseSerialGC");
            cmd.add("-cp");
            cmd.add(System.getProperty("java.class.path"));
            cmd.add(export ? ExportMain.class.getName() : ImportMain.class.getName());
            cmd.addAll(args);
            cmd.add("--progress=plain");
            Path out = logs.resolveSibling(logs.getFileName() + ".out");
            Path err = logs.resolveSibling(logs.getFileName() + ".err");
            Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            return new Child(p, out, err, (export ? "airlock-export " : "airlock-import ") + args.get(0));
        }

        /** Waits at most {@code limit}; a process still running then is killed and the test fails with "hung". */
        Airlock.Run await(Duration limit) throws Exception {
            if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                fail("hung: " + what + " did not end within " + limit.toSeconds() + " s\nstderr: " + Files.readString(err));
            }
            return new Airlock.Run(process.exitValue(), Files.readString(out), Files.readString(err));
        }
    }
}
