package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.bundle.UntrustedBundle;
import dev.airlock.digest.Digest;
import dev.airlock.oci.RawManifest;
import dev.airlock.testing.RegistryExtension;
import dev.airlock.testing.RegistryExtension.Registries;
import dev.airlock.testing.TestImages;
import dev.airlock.testing.TestImages.Image;
import dev.airlock.testing.TestImages.Layer;
import dev.airlock.testing.TestRegistry;
import dev.airlock.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The spine: registry → signed bundle → registry, byte for byte, checked with skopeo and gpg. */
@ExtendWith(RegistryExtension.class)
class SpineIT {
    @TempDir
    Path tmp;

    private static final Layer SHARED = Layer.random(1, 300_000);

    /** Three images sharing one layer: a multi-arch OCI index, a Docker manifest list and an odd single image. */
    private static Map<String, Image> seed(TestRegistry source) {
        Image multi = TestImages.index(true, List.of(
                TestImages.image(true, "amd64", null, SHARED, Layer.random(2, 120_000)),
                TestImages.image(true, "arm64", "v8", SHARED, Layer.random(3, 110_000))),
                List.of(new String[] {"amd64"}, new String[] {"arm64", "v8"}));
        Image list = TestImages.index(false, List.of(
                TestImages.image(false, "amd64", null, SHARED, Layer.random(4, 90_000)),
                TestImages.image(false, "arm", "v7", Layer.random(5, 80_000))),
                List.of(new String[] {"amd64"}, new String[] {"arm", "v7"}));
        Image odd = TestImages.oddlyFormatted(Layer.random(6, 70_000));
        var client = source.client();
        TestImages.push(client, source.host(), "app/multi", "1.0", multi);
        TestImages.push(client, source.host(), "library/dlist", "2", list);
        TestImages.push(client, source.host(), "tools/odd", "latest", odd);
        return Map.of(source.host() + "/app/multi:1.0", multi, source.host() + "/library/dlist:2", list,
                source.host() + "/tools/odd:latest", odd);
    }

    private List<String> exportArgs(TestRegistry source, Path key, Path out, String... images) throws Exception {
        List<String> args = new ArrayList<>(List.of("bundle", "--channel", "spine", "--key", key.toString(),
                "--out", out.toString(), "--state", tmp.resolve("export-state").toString()));
        for (String i : images) {
            args.addAll(List.of("--image", i));
        }
        args.addAll(source.cliFlags());
        return args;
    }

    private List<String> importArgs(Path bundle, Path cert, TestRegistry target, String registryArg, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("import", bundle.toString(), "--trust", cert.toString(),
                "--registry", registryArg, "--state", tmp.resolve("import-state").toString()));
        args.addAll(target.cliFlags());
        args.addAll(List.of(extra));
        return args;
    }

    @Test
    void multiArchOci_dockerList_andSingleImage_landByteIdentical_withSharedLayerCarriedOnce(Registries registries) throws Exception {
        TestRegistry source = registries.plain();
        TestRegistry target = registries.tls();
        Map<String, Image> images = seed(source);
        Path[] keys = Fixture.keygen(tmp, "exporter");
        Path out = tmp.resolve("out");

        Airlock.Run export = Airlock.export(exportArgs(source, keys[0], out, images.keySet().toArray(String[]::new))).ok();
        Path bundle = out.resolve("spine-000001.airlock.tar");
        assertTrue(Files.isRegularFile(bundle), export.toString());
        try (Stream<Path> files = Files.list(out)) {
            assertEquals(List.of(bundle.resolveSibling("spine-000001.airlock.report.md"), bundle), files.sorted().toList(),
                    "only the finished bundle and its report are left in the output directory");
        }

        // The shared layer is carried once, and bundle.json lists every blob once.
        List<String> names = Fixture.entryNames(bundle);
        assertEquals(1, names.stream().filter(n -> n.equals("blobs/sha256/" + SHARED.digest().hex())).count());
        assertEquals(names.size(), names.stream().distinct().count());
        JsonNode manifest;
        try (UntrustedBundle b = UntrustedBundle.open(bundle)) {
            manifest = new ObjectMapper().readTree(b.untrustedManifestBytes());
        }
        assertEquals(names.size() - 4, manifest.path("blobs").size(), "one entry per declared blob, plus the 4 fixed files");
        assertEquals(List.of("airlock/bundle.json", "airlock/bundle.json.asc", "oci-layout", "index.json"), names.subList(0, 4));

        Airlock.Run imported = Airlock.importer(importArgs(bundle, keys[1], target, target.host() + "/mirror",
                "--map", source.host() + "/library=lib")).ok();

        Map<String, String> targets = Map.of(
                source.host() + "/app/multi:1.0", target.host() + "/mirror/app/multi:1.0",
                source.host() + "/library/dlist:2", target.host() + "/mirror/lib/dlist:2",
                source.host() + "/tools/odd:latest", target.host() + "/mirror/tools/odd:latest");
        for (Map.Entry<String, String> e : targets.entrySet()) {
            Image image = images.get(e.getKey());
            String expected = image.manifest().digest().toString();
            assertEquals(expected, Fixture.skopeoDigest(source, e.getKey()), "source " + e.getKey());
            assertEquals(expected, Fixture.skopeoDigest(target, e.getValue()), "target " + e.getValue() + "\n" + imported);
            String repo = e.getValue().substring(0, e.getValue().lastIndexOf(':'));
            for (RawManifest child : image.allManifests()) {
                assertEquals(child.digest().toString(), Fixture.skopeoDigest(target, repo + "@" + child.digest()));
            }
        }
    }

    @Test
    void gpgVerifyAcceptsTheSignature_sha256sumChecksBlobs_andSkopeoReadsTheUnpackedBundle(Registries registries) throws Exception {
        TestRegistry source = registries.plain();
        Image image = TestImages.image(true, "amd64", null, Layer.random(10, 50_000));
        TestImages.push(source.client(), source.host(), "app/web", "1.0", image);
        Path[] keys = Fixture.keygen(tmp, "exporter");
        Path out = tmp.resolve("out");
        String ref = source.host() + "/app/web:1.0";
        Airlock.export(exportArgs(source, keys[0], out, ref)).ok();
        Path unpacked = Files.createDirectories(tmp.resolve("unpacked"));
        Tools.run(List.of("tar", "-xf", out.resolve("spine-000001.airlock.tar").toString()), Map.of(), unpacked).ok();

        Path gnupg = Files.createDirectories(tmp.resolve("gnupg"));
        Files.setPosixFilePermissions(gnupg, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        Map<String, String> env = Map.of("GNUPGHOME", gnupg.toString());
        Tools.run(List.of("gpg", "--batch", "--import", keys[1].toString()), env, null).ok();
        Tools.Result verify = Tools.run(List.of("gpg", "--batch", "--verify", "airlock/bundle.json.asc", "airlock/bundle.json"), env, unpacked);
        assertEquals(0, verify.exitCode(), verify.stderr());
        assertTrue(verify.stderr().contains("Good signature"), verify.stderr());

        Files.writeString(unpacked.resolve("airlock/bundle.json"), " ", java.nio.file.StandardOpenOption.APPEND);
        Tools.Result tampered = Tools.run(List.of("gpg", "--batch", "--verify", "airlock/bundle.json.asc", "airlock/bundle.json"), env, unpacked);
        assertFalse(tampered.exitCode() == 0, "gpg must refuse a changed bundle.json");

        Tools.Result sums = Tools.run(List.of("sh", "-c", "cd blobs/sha256 && for f in *; do echo \"$f  $f\"; done | sha256sum -c"), Map.of(), unpacked);
        assertEquals(0, sums.exitCode(), sums.stdout() + sums.stderr());

        Path copied = tmp.resolve("copied");
        Tools.Result copy = Tools.run(List.of("skopeo", "copy", "oci:" + unpacked + ":" + ref, "dir:" + copied), Map.of(), null);
        assertEquals(0, copy.exitCode(), copy.stderr());
        assertEquals(image.manifest().digest(), Digest.sha256Of(Files.readAllBytes(copied.resolve("manifest.json"))));
    }

    @Test
    void importingTheSameBundleAgain_changesNothing_andExitsZero(Registries registries) throws Exception {
        TestRegistry source = registries.plain();
        TestRegistry target = registries.plain();
        Image image = TestImages.image(false, "amd64", null, SHARED);
        TestImages.push(source.client(), source.host(), "app/web", "1.0", image);
        Path[] keys = Fixture.keygen(tmp, "exporter");
        Path out = tmp.resolve("out");
        Airlock.export(exportArgs(source, keys[0], out, source.host() + "/app/web:1.0")).ok();
        Path bundle = out.resolve("spine-000001.airlock.tar");
        Airlock.Run first = Airlock.importer(importArgs(bundle, keys[1], target, target.host(), "--json")).ok();
        JsonNode result = new ObjectMapper().readTree(first.out());
        assertEquals(2, result.at("/blobs/pushed").asInt(), first.out());
        assertEquals(1, result.path("tagsWritten").asInt(), first.out());
        assertEquals(image.manifest().digest().toString(), result.path("images").get(0).path("digest").asText(), first.out());
        assertTrue(result.at("/bundle/digest").asText().startsWith("sha256:"), first.out());
        Airlock.Run second = Airlock.importer(importArgs(bundle, keys[1], target, target.host())).ok();
        assertTrue(second.out().contains("already applied"), second.out());
        // With a fresh importer ledger the registry itself shows everything in place: nothing is written.
        List<String> fresh = new ArrayList<>(importArgs(bundle, keys[1], target, target.host()));
        fresh.set(fresh.indexOf(tmp.resolve("import-state").toString()), tmp.resolve("other-state").toString());
        Airlock.Run third = Airlock.importer(fresh).ok();
        assertTrue(third.out().contains("0 pushed"), third.out());
        assertTrue(third.out().contains("0 tag(s) written"), third.out());
        assertEquals(image.manifest().digest().toString(), Fixture.skopeoDigest(target, target.host() + "/app/web:1.0"));
    }

    @Test
    void configYaml_holdsTheSettings_andFlagsWin(Registries registries) throws Exception {
        TestRegistry source = registries.plain();
        Image image = TestImages.image(true, "amd64", null, Layer.random(11, 20_000));
        TestImages.push(source.client(), source.host(), "app/cfg", "1", image);
        Path[] keys = Fixture.keygen(tmp, "exporter");
        Path config = tmp.resolve("export.yaml");
        Files.writeString(config, "images:\n  - " + source.host() + "/app/cfg:1\nchannel: from-config\nkey: exporter.key.asc\n"
                + "out: out\nstate: state\ninsecureRegistries: [\"" + source.host() + "\"]\n");
        Airlock.Run r = Airlock.export(List.of("bundle", "--config", config.toString(), "--channel", "from-flag")).ok();
        assertTrue(Files.isRegularFile(tmp.resolve("out").resolve("from-flag-000001.airlock.tar")), r.toString());

        Files.writeString(config, "images: []\nchanel: typo\n");
        Airlock.Run bad = Airlock.export(List.of("bundle", "--config", config.toString()));
        assertEquals(2, bad.code(), bad.toString());
        assertTrue(bad.err().contains("unknown setting 'chanel'"), bad.err());
    }
}
