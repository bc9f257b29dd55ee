package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.bundle.BundleManifest;
import dev.airlock.testing.RegistryExtension;
import dev.airlock.testing.RegistryExtension.Registries;
import dev.airlock.testing.TestImages;
import dev.airlock.testing.TestImages.Image;
import dev.airlock.testing.TestImages.Layer;
import dev.airlock.testing.TestRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;
import org.junit.jupiter.api.Test;
import dev.airlock.testing.Tools;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --preset gitlab-secure} on both sides, with a loopback registry standing in for
 * registry.gitlab.com/security-products. The exporter runs in its own JVM where the
 * SECURE_BINARIES_* variables matter (as in a CI job), in-process where flags say it all.
 */
@ExtendWith(RegistryExtension.class)
class GitlabSecureIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Layer BASE = Layer.random(7100, 256 * 1024);

    @TempDir
    Path tmp;

    private Path[] exporterKey;
    private long seed = 7200;

    private Path[] key() {
        if (exporterKey == null) {
            exporterKey = Fixture.keygen(tmp, "secure-mirror");
        }
        return exporterKey;
    }

    /** Pushes an analyzer image PREFIX/security-products/NAME:TAG on the shared base layer; returns it. */
    private Image analyzer(TestRegistry source, String name, String tag) {
        Image image = TestImages.image(seed % 2 == 0, "amd64", null, BASE, Layer.random(seed++, 64 * 1024));
        TestImages.push(source.client(), source.host(), "security-products/" + name, tag, image);
        return image;
    }

    private static String prefix(TestRegistry source) {
        return source.host() + "/security-products";
    }

    private List<String> bundleArgs(String command, TestRegistry source, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of(command, "--preset", "gitlab-secure", "--key", key()[0].toString(),
                "--out", tmp.resolve("out").toString(), "--state", tmp.resolve("export-state").toString()));
        args.addAll(source.cliFlags());
        args.addAll(List.of(extra));
        return args;
    }

    /** The exporter in its own JVM with the SECURE_* variables in {@code env} (and no others). */
    private Airlock.Run exportWith(Map<String, String> env, List<String> args) throws Exception {
        return Airlock.subprocess(true, List.of("-XX:TieredStopAtLevel=1"), env, args);
    }

    private static Path bundlePath(Airlock.Run r) {
        String line = r.out().lines().filter(l -> l.startsWith("bundle ")).findFirst().orElseThrow(() -> new AssertionError(r.toString()));
        return Path.of(line.substring("bundle".length()).trim());
    }

    private Airlock.Run importInto(Path bundle, TestRegistry target, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("import", bundle.toString(), "--preset", "gitlab-secure", "--trust", key()[1].toString(),
                "--registry", target.host() + "/analyzers", "--state", tmp.resolve("import-state").toString()));
        args.addAll(target.cliFlags());
        args.addAll(List.of(extra));
        return Airlock.importer(args);
    }

    private static BundleManifest bundleJson(Path bundle) throws Exception {
        try (TarFile tar = new TarFile(bundle)) {
            TarArchiveEntry e = tar.getEntries().stream().filter(x -> x.getName().equals("airlock/bundle.json")).findFirst().orElseThrow();
            return BundleManifest.parse(tar.getInputStream(e).readAllBytes());
        }
    }

    private static Set<String> blobsOf(Image image) {
        Set<String> all = new HashSet<>();
        image.blobs().keySet().forEach(d -> all.add(d.toString()));
        image.allManifests().forEach(m -> all.add(m.digest().toString()));
        return all;
    }

    private static String lastLine(String text) {
        List<String> lines = text.lines().toList();
        return lines.get(lines.size() - 1);
    }

    @Test
    void doneWhen1_threeAnalyzersAtVersion5_landAtPrefixSlashName_withTheSourcesDigests_andThePrefixLineIsRight(Registries registries)
            throws Exception {
        TestRegistry source = registries.plain();
        TestRegistry target = registries.plain();
        Map<String, Image> images = new LinkedHashMap<>();
        for (String name : List.of("bandit", "gosec", "semgrep")) {
            images.put(name, analyzer(source, name, "5"));
            analyzer(source, name, "2"); // the template's default tag, which must not be taken
        }
        analyzer(source, "brakeman", "5"); // there, but not asked for

        Airlock.Run export = exportWith(Map.of("SECURE_BINARIES_ANALYZERS", "bandit, gosec ,semgrep", "SECURE_BINARIES_ANALYZER_VERSION", "5",
                "SECURE_ANALYZERS_PREFIX", prefix(source)), bundleArgs("bundle", source)).ok();
        assertTrue(export.out().contains("channel  gitlab-secure  sequence 1 (full)"), export.toString());
        Path bundle = bundlePath(export);
        assertEquals("gitlab-secure-000001.airlock.tar", bundle.getFileName().toString());
        assertEquals(List.of(prefix(source) + "/bandit:5", prefix(source) + "/gosec:5", prefix(source) + "/semgrep:5"),
                bundleJson(bundle).images().stream().map(BundleManifest.Image::source).toList());

        Airlock.Run imported = importInto(bundle, target).ok();
        assertEquals("SECURE_ANALYZERS_PREFIX=" + target.host() + "/analyzers", lastLine(imported.out()), imported.toString());
        for (Map.Entry<String, Image> e : images.entrySet()) {
            String expected = e.getValue().manifest().digest().toString();
            assertEquals(expected, Fixture.skopeoDigest(source, prefix(source) + "/" + e.getKey() + ":5"));
            assertEquals(expected, Fixture.skopeoDigest(target, target.host() + "/analyzers/" + e.getKey() + ":5"), e.getKey());
        }
        assertEquals("{\"repositories\":[\"analyzers/bandit\",\"analyzers/gosec\",\"analyzers/semgrep\"]}",
                Fixture.get(target, "/v2/_catalog").trim());
        assertEquals("{\"name\":\"analyzers/gosec\",\"tags\":[\"5\"]}", Fixture.get(target, "/v2/analyzers/gosec/tags/list").trim());
    }

    @Test
    void analyzerSignatures_crossWithThePreset_andLandBesideTheAnalyzer_unlessAttachedNone(Registries registries) throws Exception {
        AttachmentFixtures.assumeAvailable();
        TestRegistry source = registries.plain();
        TestRegistry target = registries.plain();
        Image bandit = analyzer(source, "bandit", "5");
        AttachmentFixtures.Key cosign = AttachmentFixtures.keygen(tmp);
        dev.airlock.digest.Digest signed = bandit.manifest().digest();
        AttachmentFixtures.signCosign(source, "security-products/bandit", signed, cosign);
        Map<String, String> env = Map.of("SECURE_BINARIES_ANALYZERS", "bandit", "SECURE_BINARIES_ANALYZER_VERSION", "5",
                "SECURE_ANALYZERS_PREFIX", prefix(source));

        Path none = bundlePath(exportWith(env, bundleArgs("bundle", source, "--attached", "none")).ok());
        assertEquals(List.of(), bundleJson(none).images().get(0).attached());
        Path bundle = bundlePath(exportWith(env, bundleArgs("bundle", source)).ok());
        assertEquals(1, bundleJson(bundle).images().get(0).attached().size());

        importInto(none, target).ok();
        assertTrue(AttachmentFixtures.attachedTags(target, "analyzers/bandit", signed).isEmpty());
        importInto(bundle, target).ok(); // the delta that carries the signature the first bundle left out
        AttachmentFixtures.verifyCosign(target, "analyzers/bandit", signed, cosign.publicPem());
    }

    @Test
    void platform_withThePreset_cutsAMultiPlatformAnalyzer(Registries registries) throws Exception {
        TestRegistry source = registries.plain();
        Image amd = TestImages.image(true, "amd64", null, BASE, Layer.random(seed++, 32 * 1024));
        Image arm = TestImages.image(true, "arm64", "v8", BASE, Layer.random(seed++, 32 * 1024));
        Image index = TestImages.index(true, List.of(amd, arm), List.of(new String[] {"amd64"}, new String[] {"arm64", "v8"}));
        TestImages.push(source.client(), source.host(), "security-products/semgrep", "5", index);
        Map<String, String> env = Map.of("SECURE_BINARIES_ANALYZERS", "semgrep", "SECURE_BINARIES_ANALYZER_VERSION", "5",
                "SECURE_ANALYZERS_PREFIX", prefix(source));

        Path bundle = bundlePath(exportWith(env, bundleArgs("bundle", source, "--platform", "linux/amd64")).ok());

        BundleManifest m = bundleJson(bundle);
        Set<String> carried = new HashSet<>();
        m.blobs().forEach(b -> carried.add(b.digest()));
        assertTrue(carried.contains(amd.manifest().digest().toString()), carried.toString());
        assertFalse(carried.contains(arm.manifest().digest().toString()), "arm64 left out: " + carried);
        assertEquals(List.of("linux/amd64"), m.images().get(0).platforms().kept());
    }

    @Test
    void missingAnalyzers_areAllNamedInOneLine_beforeAnythingIsWritten_orSkippedAndListed(Registries registries) throws Exception {
        TestRegistry source = registries.plain();
        analyzer(source, "bandit", "2");
        analyzer(source, "semgrep", "5");
        Map<String, String> env = Map.of("SECURE_ANALYZERS_PREFIX", prefix(source)); // the template's full list, each at its version
        List<String> missing = new ArrayList<>(GitlabSecureDefaults.LIST);
        missing.removeAll(List.of("bandit", "semgrep"));
        java.util.function.Function<String, String> tag = GitlabSecureDefaults.TAGS::get;

        Airlock.Run refused = exportWith(env, bundleArgs("plan", source, "--json"));
        assertEquals(2, refused.code(), refused.toString());
        assertEquals("NOT_FOUND", JSON.readTree(refused.out()).at("/error/code").asText(), "with --json, the failure on stdout too");
        String message = refused.err().lines().filter(l -> l.startsWith("airlock-export: ")).findFirst().orElseThrow();
        assertTrue(message.startsWith("airlock-export: not found at the source " + prefix(source) + ": brakeman (" + prefix(source)
                + "/brakeman:4), gosec ("), message);
        for (String m : missing) {
            assertTrue(message.contains(" " + m + " (" + prefix(source) + "/" + m + ":" + tag.apply(m) + ")"), m + " in: " + message);
        }
        assertFalse(message.contains("bandit") || message.contains("semgrep ("), message);
        assertTrue(message.endsWith("nothing was written (fix SECURE_BINARIES_ANALYZERS, or pass --skip-missing to carry the other 2)"),
                message);

        JsonNode plan = JSON.readTree(exportWith(env, bundleArgs("plan", source, "--json", "--skip-missing")).ok().out());
        List<String> skipped = new ArrayList<>();
        plan.path("preset").path("skipped").forEach(s -> skipped.add(s.path("name").asText()));
        assertEquals(missing, skipped);
        assertEquals(List.of(prefix(source) + "/bandit:2", prefix(source) + "/semgrep:5"),
                JSON.convertValue(plan.path("images").findValues("source"), List.class).stream().map(Object::toString).toList());
        assertEquals("gitlab-secure", plan.at("/bundle/channel").asText());
        assertEquals("SECURE_ANALYZERS_PREFIX", plan.path("preset").path("from").path("sourcePrefix").asText());

        // bundle, in-process: the same prefix by flag; refused without --skip-missing, and nothing written
        Airlock.Run bundleRefused = Airlock.export(bundleArgs("bundle", source, "--source-prefix", prefix(source)));
        assertEquals(2, bundleRefused.code(), bundleRefused.toString());
        assertTrue(bundleRefused.err().contains("not found at the source " + prefix(source) + ": brakeman"), bundleRefused.err());
        assertFalse(Files.exists(tmp.resolve("out")) && Files.list(tmp.resolve("out")).findAny().isPresent(), "nothing in out/");
        assertFalse(Files.exists(tmp.resolve("export-state/channels/gitlab-secure.json")), "no ledger");

        Airlock.Run carried = Airlock.export(bundleArgs("bundle", source, "--source-prefix", prefix(source), "--skip-missing")).ok();
        List<String> lines = carried.out().lines().filter(l -> l.startsWith("skipped  ")).toList();
        assertEquals(missing.stream().map(m -> "skipped  " + m + "  " + prefix(source) + "/" + m + ":" + tag.apply(m)
                + " (not found at the source)").toList(), lines);
        assertEquals(List.of("bandit", "semgrep"), bundleJson(bundlePath(carried)).images().stream()
                .map(i -> i.repository().substring("security-products/".length())).toList());
    }

    @Test
    void saveArtifacts_writesOneGzippedDockerArchivePerAnalyzer_nextToTheBundle_thatSkopeoReadsWithTheSourceLayers(Registries registries)
            throws Exception {
        assumeTrue(Tools.has("skopeo"), "needs skopeo (Debian package skopeo) to read the docker archives independently");
        TestRegistry source = registries.plain();
        Map<String, Image> images = new LinkedHashMap<>();
        for (String name : List.of("bandit", "gosec")) {
            images.put(name, analyzer(source, name, "5"));
        }
        Airlock.Run export = exportWith(Map.of("SECURE_BINARIES_ANALYZERS", "bandit,gosec", "SECURE_BINARIES_ANALYZER_VERSION", "5",
                "SECURE_BINARIES_SAVE_ARTIFACTS", "true", "SECURE_ANALYZERS_PREFIX", prefix(source)), bundleArgs("bundle", source)).ok();
        Path out = tmp.resolve("out");
        for (Map.Entry<String, Image> e : images.entrySet()) {
            Path archive = out.resolve("gitlab-secure-000001." + e.getKey() + ".docker.tar.gz");
            assertTrue(export.out().contains("archive  " + archive + "  (docker load -i)"), export.toString());
            // skopeo 1.9.3 cannot read a gzipped docker archive: gunzip it as `docker load` would
            Path plain = tmp.resolve(e.getKey() + ".tar");
            Tools.Result gunzip = Tools.run(List.of("sh", "-c", "gzip -dc '" + archive + "' > '" + plain + "'"), Map.of(), null);
            assertEquals(0, gunzip.exitCode(), gunzip.stderr());
            Tools.Result inspect = Tools.run("skopeo", "inspect", "--config", "docker-archive:" + plain);
            assertEquals(0, inspect.exitCode(), inspect.stderr());
            Tools.Result original = Tools.run("skopeo", "inspect", "--config", "--tls-verify=false",
                    "docker://" + prefix(source) + "/" + e.getKey() + ":5");
            assertEquals(0, original.exitCode(), original.stderr());
            assertEquals(JSON.readTree(original.stdout()).path("rootfs").path("diff_ids"),
                    JSON.readTree(inspect.stdout()).path("rootfs").path("diff_ids"), e.getKey());
            Tools.Result repoTags = Tools.run("tar", "-xOf", plain.toString(), "manifest.json");
            assertEquals("[\"" + prefix(source) + "/" + e.getKey() + ":5\"]",
                    JSON.readTree(repoTags.stdout()).get(0).path("RepoTags").toString());
        }
        try (var files = Files.list(out)) {
            assertEquals(List.of(".report.md", ".docker.tar.gz", ".docker.tar.gz", ".airlock.tar"), files.map(f -> f.getFileName().toString())
                    .map(n -> n.endsWith(".airlock.tar") ? ".airlock.tar" : n.endsWith(".report.md") ? ".report.md" : n.substring(n.indexOf(".docker"))).sorted(java.util.Comparator.reverseOrder()).toList(),
                    "the bundle and one archive per analyzer, nothing partial");
        }
    }

    @Test
    void downloadImagesFalse_writesNothing_andBadValuesAreRefusedNamingTheVariable(Registries registries) throws Exception {
        TestRegistry source = registries.plain();
        Airlock.Run off = exportWith(Map.of("SECURE_BINARIES_DOWNLOAD_IMAGES", "false", "SECURE_ANALYZERS_PREFIX", prefix(source)),
                List.of("bundle", "--preset", "gitlab-secure", "--out", tmp.resolve("out").toString(), "--state",
                        tmp.resolve("export-state").toString()));
        assertEquals(0, off.code(), off.toString());
        assertEquals("nothing to do: SECURE_BINARIES_DOWNLOAD_IMAGES=false; no image pulled, no bundle written\n", off.out());
        assertFalse(Files.exists(tmp.resolve("out")), "no output directory");
        assertFalse(Files.exists(tmp.resolve("export-state")), "no state");

        Map<String, String> bad = new LinkedHashMap<>();
        bad.put("SECURE_BINARIES_DOWNLOAD_IMAGES", "maybe");
        bad.put("SECURE_BINARIES_ANALYZERS", " , ");
        bad.put("SECURE_BINARIES_SAVE_ARTIFACTS", "ja");
        for (Map.Entry<String, String> e : bad.entrySet()) {
            Airlock.Run r = exportWith(Map.of(e.getKey(), e.getValue()), bundleArgs("bundle", source));
            assertEquals(2, r.code(), r.toString());
            assertTrue(r.err().startsWith("airlock-export: " + e.getKey() + "='" + e.getValue() + "'"), r.err());
            assertFalse(Files.exists(tmp.resolve("out")), "no output directory");
        }
    }

    @Test
    void flagsOverConfig_overEnvironment(Registries registries) throws Exception {
        TestRegistry source = registries.plain();
        analyzer(source, "bandit", "5");
        analyzer(source, "gosec", "5");
        Path config = tmp.resolve("export-gitlab-secure.yaml");
        Files.writeString(config, "preset: gitlab-secure\n"
                + "gitlabSecure:\n"
                + "  analyzers: [bandit, gosec]\n"
                + "  analyzerVersion: \"5\"\n"
                + "  sourcePrefix: " + prefix(source) + "\n"
                + "  downloadImages: true\n");
        Map<String, String> env = Map.of("SECURE_BINARIES_ANALYZERS", "kubesec", "SECURE_BINARIES_ANALYZER_VERSION", "9",
                "SECURE_ANALYZERS_PREFIX", "127.0.0.1:9/nowhere", "SECURE_BINARIES_DOWNLOAD_IMAGES", "false");
        List<String> args = new ArrayList<>(List.of("plan", "--json", "--config", config.toString(), "--analyzers", "gosec",
                "--state", tmp.resolve("export-state").toString()));
        args.addAll(source.cliFlags());
        JsonNode plan = JSON.readTree(exportWith(env, args).ok().out());
        assertEquals(prefix(source) + "/gosec:5", plan.path("images").get(0).path("source").asText(), plan.toString());
        assertEquals(1, plan.path("images").size());
        JsonNode from = plan.path("preset").path("from");
        assertEquals("flag", from.path("analyzers").asText());
        assertEquals("config", from.path("analyzerVersion").asText());
        assertEquals("config", from.path("sourcePrefix").asText());
        assertEquals("config", from.path("downloadImages").asText());
    }

    @Test
    void pushImagesFalse_verifiesEveryByte_andStopsBeforeTheRegistry(Registries registries) throws Exception {
        TestRegistry source = registries.plain();
        TestRegistry target = registries.plain();
        analyzer(source, "semgrep", "5");
        Path bundle = bundlePath(Airlock.export(bundleArgs("bundle", source, "--source-prefix", prefix(source), "--analyzers", "semgrep",
                "--analyzer-version", "5")).ok());
        List<String> args = new ArrayList<>(List.of("import", bundle.toString(), "--preset", "gitlab-secure", "--trust", key()[1].toString(),
                "--registry", target.host() + "/analyzers", "--state", tmp.resolve("import-state").toString()));
        args.addAll(target.cliFlags());

        Airlock.Run r = Airlock.subprocess(false, List.of("-XX:TieredStopAtLevel=1"), Map.of("SECURE_BINARIES_PUSH_IMAGES", "false"), args);
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("not pushed: SECURE_BINARIES_PUSH_IMAGES=false; no registry was contacted and the ledger is unchanged"),
                r.out());
        assertEquals("{\"repositories\":[]}", Fixture.get(target, "/v2/_catalog").trim());
        assertFalse(Files.exists(tmp.resolve("import-state/channels/gitlab-secure.json")));

        // it does verify: one flipped byte of a layer is refused (exit 3)
        String layer = Fixture.entryNames(bundle).stream().filter(n -> n.startsWith("blobs/sha256/")).reduce((a, b) -> b).orElseThrow();
        Fixture.flipByte(bundle, layer, 100);
        Airlock.Run damaged = Airlock.subprocess(false, List.of("-XX:TieredStopAtLevel=1"), Map.of("SECURE_BINARIES_PUSH_IMAGES", "false"), args);
        assertEquals(3, damaged.code(), damaged.toString());

        Airlock.Run badValue = Airlock.subprocess(false, List.of("-XX:TieredStopAtLevel=1"), Map.of("SECURE_BINARIES_PUSH_IMAGES", "nope"), args);
        assertEquals(2, badValue.code(), badValue.toString());
        assertTrue(badValue.err().startsWith("airlock-import: SECURE_BINARIES_PUSH_IMAGES='nope' is neither true nor false"), badValue.err());
    }

    @Test
    void doneWhen2_aWeeklyRunCarriesOnlyTheChangedAnalyzer_andTheDailyDatabaseRunsBesideItOnItsOwnChain(Registries registries)
            throws Exception {
        TestRegistry source = registries.plain();
        TestRegistry target = registries.plain();
        Map<String, Image> weekly = new LinkedHashMap<>();
        for (String name : List.of("bandit", "gosec", "semgrep")) {
            weekly.put(name, analyzer(source, name, "5"));
        }
        Image db = analyzer(source, "gemnasium", "6");
        Map<String, String> daily = Map.of("SECURE_BINARIES_ANALYZERS", "gemnasium", "SECURE_ANALYZERS_PREFIX", prefix(source));
        String[] weeklyFlags = {"--source-prefix", prefix(source), "--analyzers", "bandit,gosec,semgrep", "--analyzer-version", "5"};

        Path w1 = bundlePath(Airlock.export(bundleArgs("bundle", source, weeklyFlags)).ok());
        Path d1 = bundlePath(exportWith(daily, bundleArgs("bundle", source, "--channel", "gitlab-secure-db")).ok());
        assertEquals("gitlab-secure-db-000001.airlock.tar", d1.getFileName().toString());
        importInto(w1, target).ok();
        importInto(d1, target).ok();

        // next day: a new database image; next week: only gosec changed
        db = analyzer(source, "gemnasium", "6");
        Path d2 = bundlePath(exportWith(daily, bundleArgs("bundle", source, "--channel", "gitlab-secure-db")).ok());
        Image gosec = TestImages.image(true, "amd64", null, BASE, Layer.random(seed++, 96 * 1024));
        TestImages.push(source.client(), source.host(), "security-products/gosec", "5", gosec);
        weekly.put("gosec", gosec);
        Path w2 = bundlePath(Airlock.export(bundleArgs("bundle", source, weeklyFlags)).ok());

        BundleManifest m = bundleJson(w2);
        assertEquals("gitlab-secure", m.channel());
        assertEquals(2, m.sequence());
        assertEquals(1, m.parent().sequence());
        Set<String> expected = new HashSet<>(blobsOf(gosec));
        expected.remove(BASE.digest().toString());
        expected.add(weekly.get("bandit").manifest().digest().toString()); // unchanged images carry their manifests again
        expected.add(weekly.get("semgrep").manifest().digest().toString());
        assertEquals(expected, m.blobs().stream().map(BundleManifest.Blob::digest).collect(Collectors.toSet()));
        assertTrue(m.requires().contains(BASE.digest().toString()));
        BundleManifest dm = bundleJson(d2);
        assertEquals("gitlab-secure-db", dm.channel());
        assertEquals(2, dm.sequence());

        Airlock.Run r2 = importInto(d2, target).ok();
        assertEquals("SECURE_ANALYZERS_PREFIX=" + target.host() + "/analyzers", lastLine(r2.out()));
        importInto(w2, target).ok();
        for (Map.Entry<String, Image> e : weekly.entrySet()) {
            assertEquals(e.getValue().manifest().digest().toString(),
                    Fixture.skopeoDigest(target, target.host() + "/analyzers/" + e.getKey() + ":5"), e.getKey());
        }
        assertEquals(db.manifest().digest().toString(), Fixture.skopeoDigest(target, target.host() + "/analyzers/gemnasium:6"));
        for (String side : List.of("export-state", "import-state")) {
            for (String channel : List.of("gitlab-secure", "gitlab-secure-db")) {
                assertTrue(Files.exists(tmp.resolve(side).resolve("channels").resolve(channel + ".json")), side + " " + channel);
            }
        }
        // each chain is its own: the daily delta 2 again is a no-op, the weekly 1 again too
        assertTrue(importInto(d2, target).ok().out().startsWith("already applied: "));
    }

    /**
     * The examples as the docs give them, with only SECURE_ANALYZERS_PREFIX pointing at the loopback
     * stand-in for registry.gitlab.com: the weekly run, no version given, carries every analyzer of
     * the template at the version the template pins it to; the daily run carries the analyzers
     * that hold GitLab's advisory database; the old database name fails saying what replaced it.
     */
    @Test
    void docsExamples_asWritten_weeklyTakesEachAnalyzersOwnVersion_dailyTheAdvisoryDatabase_andTheOldNameSaysWhatReplacedIt(
            Registries registries) throws Exception {
        TestRegistry source = registries.plain();
        Map<String, Image> pushed = new LinkedHashMap<>();
        for (Map.Entry<String, String> a : GitlabSecureDefaults.TAGS.entrySet()) {
            pushed.put(a.getKey(), analyzer(source, a.getKey(), a.getValue()));
        }
        Map<String, String> weeklyEnv = Map.of("SECURE_ANALYZERS_PREFIX", prefix(source));
        Path weekly = bundlePath(exportWith(weeklyEnv, bundleArgs("bundle", source)).ok());
        BundleManifest w = bundleJson(weekly);
        assertEquals(GitlabSecureDefaults.TAGS.entrySet().stream().map(a -> prefix(source) + "/" + a.getKey() + ":" + a.getValue()).toList(),
                w.images().stream().map(BundleManifest.Image::source).toList());
        assertEquals(pushed.get("gosec").manifest().digest().toString(),
                w.images().stream().filter(i -> i.repository().endsWith("/gosec")).findFirst().orElseThrow().digest());
        assertEquals("gitlab-secure", w.preset(), "bundle.json names the preset");

        Map<String, String> dailyEnv = Map.of("SECURE_BINARIES_ANALYZERS", "gemnasium,gemnasium-maven,gemnasium-python",
                "SECURE_ANALYZERS_PREFIX", prefix(source));
        Path daily = bundlePath(exportWith(dailyEnv, bundleArgs("bundle", source, "--channel", "gitlab-secure-db")).ok());
        assertEquals(GitlabSecureDefaults.DATABASE.stream().map(n -> prefix(source) + "/" + n + ":6").toList(),
                bundleJson(daily).images().stream().map(BundleManifest.Image::source).toList());

        Airlock.Run old = exportWith(Map.of("SECURE_BINARIES_ANALYZERS", "clair-vulnerabilities-db", "SECURE_ANALYZERS_PREFIX", prefix(source)),
                bundleArgs("bundle", source, "--channel", "gitlab-secure-db"));
        assertEquals(2, old.code(), old.toString());
        assertEquals("airlock-export: not found at the source " + prefix(source) + ": clair-vulnerabilities-db (" + prefix(source)
                + "/clair-vulnerabilities-db:2; no longer in GitLab's Secure-Binaries template (it left with klar, when Container Scanning"
                + " moved to Trivy); GitLab's advisory database now ships inside the Dependency Scanning analyzers:"
                + " gemnasium,gemnasium-maven,gemnasium-python); none of the 1 analyzers is there, nothing to carry (check"
                + " SECURE_ANALYZERS_PREFIX / --source-prefix and SECURE_BINARIES_ANALYZER_VERSION)",
                old.err().lines().filter(l -> l.startsWith("airlock-export: ")).findFirst().orElseThrow());
    }

    /**
     * A bundle made with the preset, imported without it: a warning names the flag; and its delta,
     * imported without it after the first went in with it, is refused naming the rules that chain
     * was imported with. With the flag, the delta follows.
     */
    @Test
    void aPresetBundleImportedWithoutThePreset_isWarnedAbout_andItsDeltaRefusalNamesTheRulesOfItsChain(Registries registries)
            throws Exception {
        TestRegistry source = registries.plain();
        TestRegistry target = registries.plain();
        analyzer(source, "semgrep", "5");
        String[] flags = {"--source-prefix", prefix(source), "--analyzers", "semgrep"};
        Path first = bundlePath(Airlock.export(bundleArgs("bundle", source, flags)).ok());
        assertEquals("gitlab-secure", bundleJson(first).preset());
        importInto(first, target).ok();
        Image changed = analyzer(source, "semgrep", "5");
        Path second = bundlePath(Airlock.export(bundleArgs("bundle", source, flags)).ok());

        List<String> args = new ArrayList<>(List.of("import", second.toString(), "--trust", key()[1].toString(),
                "--registry", target.host() + "/analyzers", "--state", tmp.resolve("import-state").toString()));
        args.addAll(target.cliFlags());
        Airlock.Run without = Airlock.importer(args);
        assertEquals(4, without.code(), without.toString());
        List<String> lines = without.err().lines().filter(l -> l.startsWith("airlock-import: ")).toList();
        assertEquals("airlock-import: warning: bundle 2 of channel gitlab-secure was made with --preset gitlab-secure but is imported"
                + " without it: its images land under their source paths (" + target.host() + "/analyzers/security-products/semgrep, not "
                + target.host() + "/analyzers/semgrep), not at PREFIX/ANALYZER where the offline GitLab's scanners look, and"
                + " SECURE_BINARIES_PUSH_IMAGES is not read; add --preset gitlab-secure (or the rules it stands for: --map "
                + prefix(source) + "=)", lines.get(0), without.toString());
        assertTrue(lines.get(1).contains(": missing sequence 1. "), lines.get(1));
        assertTrue(lines.get(1).endsWith(". Bundle 1 was applied to target " + target.host() + "/analyzers#"
                + new dev.airlock.imports.TargetNaming(target.host() + "/analyzers", List.of(dev.airlock.imports.TargetNaming.Mapping.parse(
                        prefix(source) + "="))).key().split("#")[1] + ", whose --map rules differ: it had --map " + prefix(source) + "=, which"
                + " this import lacks (the rules --preset gitlab-secure gives this bundle: add --preset gitlab-secure). Import with the rules"
                + " that chain was imported with to follow it"), lines.get(1));
        assertEquals("{\"name\":\"analyzers/semgrep\",\"tags\":[\"5\"]}", Fixture.get(target, "/v2/analyzers/semgrep/tags/list").trim());

        Airlock.Run with = importInto(second, target).ok();
        assertFalse(with.err().contains("warning"), with.err());
        assertEquals(changed.manifest().digest().toString(), Fixture.skopeoDigest(target, target.host() + "/analyzers/semgrep:5"));
    }
}
