package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.digest.Digest;
import dev.airlock.oci.Descriptor;
import dev.airlock.testing.RegistryExtension;
import dev.airlock.testing.RegistryExtension.Registries;
import dev.airlock.testing.TestImages;
import dev.airlock.testing.TestImages.Image;
import dev.airlock.testing.TestImages.Layer;
import dev.airlock.testing.Tools;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Only the platforms a site runs (issue 20), end to end between two of Debian's docker-registry
 * 2.8: an OCI index and a Docker manifest list, each of linux/amd64 and linux/arm64/v8, filtered
 * with {@code --platform}; checked at the target with skopeo.
 */
@ExtendWith(RegistryExtension.class)
class PlatformsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] REPOS = {"multi/oci", "multi/docker"};

    @TempDir
    Path tmp;

    private ChainFixture c;
    /** Per repository (REPOS order): the source index, its amd64 child, its arm64 child. */
    private final List<Image> indexes = new ArrayList<>();
    private Image single;

    @BeforeEach
    void seed(Registries r) throws Exception {
        Assumptions.assumeTrue(Tools.has("skopeo"), "needs skopeo to pull from the target by platform");
        c = new ChainFixture(r.plain(), r.plain(), tmp);
        long seed = 2000;
        for (int i = 0; i < REPOS.length; i++) {
            boolean oci = i == 0;
            Image idx = TestImages.index(oci, List.of(
                    TestImages.image(oci, "amd64", null, ChainFixture.BASE, Layer.random(seed++, 300_000)),
                    TestImages.image(oci, "arm64", "v8", ChainFixture.BASE, Layer.random(seed++, 310_000))),
                    List.of(new String[] {"amd64"}, new String[] {"arm64", "v8"}));
            c.put(REPOS[i], "1", idx);
            indexes.add(idx);
        }
        // a single-platform image of another platform than the one chosen: carried as it is
        single = TestImages.image(true, "arm64", "v8", ChainFixture.BASE, Layer.random(seed++, 100_000));
        c.put("single/arm", "1", single);
    }

    private Image amd64(int i) {
        return indexes.get(i).children().get(0);
    }

    private Image arm64(int i) {
        return indexes.get(i).children().get(1);
    }

    /** The arm64 child's own manifest, config and top layer: what no amd64-only bundle may hold. */
    private Set<String> arm64Only(int i) {
        Set<String> out = new HashSet<>();
        out.add(arm64(i).manifest().digest().toString());
        arm64(i).manifest().blobs().stream().map(Descriptor::digest).map(Digest::toString).forEach(out::add);
        out.remove(ChainFixture.BASE.digest().toString());
        return out;
    }

    private static JsonNode bundleJson(Path bundle) throws Exception {
        try (InputStream in = Files.newInputStream(bundle); TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            TarArchiveEntry e = tar.getNextEntry();
            return JSON.readTree(tar.readNBytes((int) e.getSize()));
        }
    }

    private static Set<String> blobEntries(Path bundle) throws Exception {
        Set<String> out = new HashSet<>();
        for (String n : Fixture.entryNames(bundle)) {
            if (n.startsWith("blobs/sha256/")) {
                out.add("sha256:" + n.substring("blobs/sha256/".length()));
            }
        }
        return out;
    }

    private static byte[] rawAt(String host, String repoTag) throws Exception {
        Path out = Files.createTempFile("raw", ".json");
        Tools.Result r = Tools.run(List.of("sh", "-c", "skopeo inspect --raw --tls-verify=false 'docker://" + host + "/" + repoTag + "' > " + out),
                java.util.Map.of(), null);
        assertEquals(0, r.exitCode(), r.stderr());
        byte[] raw = Files.readAllBytes(out);
        Files.delete(out);
        return raw;
    }

    private static boolean inspects(String host, String ref) throws Exception {
        return Tools.run("skopeo", "inspect", "--raw", "--tls-verify=false", "docker://" + host + "/" + ref).exitCode() == 0;
    }

    private Tools.Result pull(String repoTag, String arch) throws Exception {
        return Tools.run("skopeo", "copy", "--src-tls-verify=false", "--override-os", "linux", "--override-arch", arch,
                "docker://" + c.target.host() + "/" + repoTag, "dir:" + Files.createTempDirectory(tmp, "pull-" + arch));
    }

    @Test
    void rewrite_amd64Only_ociIndexAndDockerList_noArm64Blob_targetIndexListsSourceAmd64_skopeoPullsAmd64NotArm64() throws Exception {
        Airlock.Run plan = Airlock.export(c.exportArgs("plan", "--platform", "linux/amd64")).ok();
        Path bundle = c.export("--platform", "linux/amd64");
        Set<String> entries = blobEntries(bundle);
        JsonNode json = bundleJson(bundle);
        String report = Files.readString(bundle.resolveSibling(bundle.getFileName().toString().replace(".tar", ".report.md")));
        Airlock.Run listed = Airlock.importer(List.of("list", bundle.toString(), "--trust", c.exporterKey[1].toString())).ok();
        Airlock.Run imported = c.importBundle(bundle).ok();
        for (int i = 0; i < REPOS.length; i++) {
            for (String d : arm64Only(i)) {
                assertFalse(entries.contains(d), REPOS[i] + ": the bundle holds arm64's " + d);
            }
            String source = indexes.get(i).manifest().digest().toString();
            JsonNode cut = json.path("images").get(i).path("platforms");
            assertEquals("rewrite", cut.path("index").asText(), json.toPrettyString());
            assertEquals(source, cut.path("sourceIndex").asText());
            assertEquals("[\"linux/amd64\"]", cut.path("kept").toString());

            byte[] raw = rawAt(c.target.host(), "mirror/" + REPOS[i] + ":1");
            JsonNode landed = JSON.readTree(raw);
            assertEquals(1, landed.path("manifests").size(), landed.toPrettyString());
            assertEquals(amd64(i).manifest().digest().toString(), landed.path("manifests").get(0).path("digest").asText());
            assertEquals(source, landed.path("annotations").path("dev.airlock.source-index").asText());
            String rewritten = Digest.sha256Of(raw).toString();
            assertNotEquals(source, rewritten);
            assertEquals(json.path("images").get(i).path("digest").asText(), rewritten);
            String stated = "index rewritten: " + source + " → " + rewritten + ", 1 of 2 platforms (linux/amd64)";
            assertTrue(plan.out().contains(stated), "plan: " + plan.out());
            assertTrue(report.contains(stated), "report: " + report);
            assertTrue(listed.out().contains(stated), "list: " + listed.out());
            assertTrue(imported.out().contains(stated), "import: " + imported.out());

            Tools.Result amd = pull("mirror/" + REPOS[i] + ":1", "amd64");
            assertEquals(0, amd.exitCode(), amd.stderr());
            Tools.Result arm = pull("mirror/" + REPOS[i] + ":1", "arm64");
            assertNotEquals(0, arm.exitCode(), "skopeo pulled arm64 from an amd64-only index: " + arm.stdout());
        }
        String ledger = Files.readString(tmp.resolve("import-state").resolve("channels").resolve("daily.json"));
        assertEquals(single.manifest().digest().toString(), c.targetDigest(c.source.host() + "/single/arm:1"));
        assertTrue(json.path("images").get(2).path("platforms").isMissingNode(), json.toPrettyString());
        JsonNode placed = JSON.readTree(ledger).findValue("images");
        assertEquals("[\"linux/amd64\"]", placed.get(0).path("platforms").toString(), ledger);
    }

    @Test
    void configPlatformsAndPlatformIndex_areReadFromTheConfigFile() throws Exception {
        Path config = Files.writeString(tmp.resolve("export.yaml"), "platforms:\n  - linux/arm64/v8\nplatformIndex: sparse\n");
        Airlock.Run plan = Airlock.export(c.exportArgs("plan", "--config", config.toString())).ok();
        for (int i = 0; i < REPOS.length; i++) {
            assertTrue(plan.out().contains("index sparse: " + indexes.get(i).manifest().digest() + " unchanged, 1 of 2 platforms (linux/arm64/v8)"),
                    plan.out());
        }
    }

    @Test
    void sparse_intoDockerRegistry_refusedByName_exit2_nothingTagged() throws Exception {
        Path bundle = c.export("--platform", "linux/amd64", "--platform-index", "sparse");
        assertEquals(indexes.get(0).manifest().digest().toString(), bundleJson(bundle).path("images").get(0).path("digest").asText());
        Airlock.Run r = c.importBundle(bundle);
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("requires every child of an index"), r.err());
        assertTrue(r.err().contains("--platform-index rewrite"), r.err());
        for (String repo : REPOS) {
            assertEquals(404, Fixture.status(c.target, "GET", "/v2/mirror/" + repo + "/manifests/1"), repo + " got tagged");
        }
    }

    @Test
    void sparse_intoRegistryThatAcceptsIt_indexDigestIsTheSources() throws Exception {
        Path bundle = c.export("--platform", "linux/amd64", "--platform-index", "sparse");
        try (PermissiveIndexProxy proxy = new PermissiveIndexProxy(c.target.host())) {
            List<String> args = new ArrayList<>(List.of("import", bundle.toString(), "--trust", c.exporterKey[1].toString(),
                    "--registry", proxy.host() + "/mirror", "--state", tmp.resolve("import-state").toString()));
            args.addAll(PermissiveIndexProxy.cliFlags(proxy));
            Airlock.Run r = Airlock.importer(args).ok();
            for (int i = 0; i < REPOS.length; i++) {
                String source = indexes.get(i).manifest().digest().toString();
                assertEquals(source, Digest.sha256Of(rawAt(proxy.host(), "mirror/" + REPOS[i] + ":1")).toString());
                assertTrue(r.out().contains("index sparse: " + source), r.out());
                // the carried child is really in the registry behind; the other is not
                assertTrue(inspects(c.target.host(), "mirror/" + REPOS[i] + "@" + amd64(i).manifest().digest()));
                assertFalse(inspects(c.target.host(), "mirror/" + REPOS[i] + "@" + arm64(i).manifest().digest()));
            }
        }
    }

    @Test
    void addingAPlatform_nextDeltaCarriesOnlyThatPlatformsBlobs_andSaysTheSetChanged() throws Exception {
        Path first = c.export("--platform", "linux/amd64");
        c.importBundle(first).ok();
        Airlock.Run plan = Airlock.export(c.exportArgs("plan", "--platform", "linux/amd64", "--platform", "linux/arm64")).ok();
        assertTrue(plan.out().contains("platforms changed: linux/amd64, linux/arm64"), plan.out());
        Airlock.Run written = Airlock.export(c.exportArgs("bundle", "--platform", "linux/amd64", "--platform", "linux/arm64")).ok();
        assertTrue(written.out().contains("platforms changed: linux/amd64, linux/arm64 (the channel's last bundle, 1, carried linux/amd64)"),
                written.out());
        Path second = Path.of(written.out().lines().filter(l -> l.startsWith("bundle ")).findFirst().orElseThrow().substring(6).trim());
        JsonNode json = bundleJson(second);
        Set<String> configsAndLayers = new HashSet<>();
        for (JsonNode b : json.path("blobs")) {
            String type = b.path("mediaType").asText();
            if (!dev.airlock.oci.MediaTypes.isManifest(type)) {
                configsAndLayers.add(b.path("digest").asText());
            }
        }
        Set<String> expected = new HashSet<>();
        for (int i = 0; i < REPOS.length; i++) {
            arm64(i).manifest().blobs().stream().map(d -> d.digest().toString()).forEach(expected::add);
        }
        expected.remove(ChainFixture.BASE.digest().toString());
        assertEquals(expected, configsAndLayers, json.toPrettyString());
        c.importBundle(second).ok();
        c.assertAllIdentical(); // every platform chosen: the source index lands unchanged
    }

    @Test
    void ifChanged_sparseIndexKeepsItsDigest_yetANewPlatformSetAloneWritesABundle() throws Exception {
        c.export("--platform", "linux/amd64", "--platform-index", "sparse");
        Airlock.Run same = Airlock.export(c.exportArgs("bundle", "--if-changed", "--platform", "linux/amd64", "--platform-index", "sparse")).ok();
        assertTrue(same.out().startsWith("nothing new on channel daily"), same.out());
        Airlock.Run more = Airlock.export(c.exportArgs("bundle", "--if-changed", "--platform", "linux/amd64", "--platform", "linux/arm64",
                "--platform-index", "sparse")).ok();
        assertTrue(more.out().contains("platforms changed: linux/amd64, linux/arm64"), more.out());
        assertTrue(more.out().contains("sequence 2"), more.out());
    }

    @Test
    void imagesWithNoneOfTheChosenPlatforms_allNamedInOneRun_exit2() throws Exception {
        Airlock.Run r = Airlock.export(c.exportArgs("bundle", "--platform", "linux/s390x"));
        assertEquals(2, r.code(), r.toString());
        for (String repo : REPOS) {
            assertTrue(r.err().contains(repo + ":1 (has linux/amd64, linux/arm64/v8)"), r.err());
        }
    }
}
