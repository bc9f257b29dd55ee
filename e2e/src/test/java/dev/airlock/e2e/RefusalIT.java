package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.digest.Digest;
import dev.airlock.testing.RegistryExtension;
import dev.airlock.testing.RegistryExtension.Registries;
import dev.airlock.testing.TestImages;
import dev.airlock.testing.TestImages.Image;
import dev.airlock.testing.TestImages.Layer;
import dev.airlock.testing.TestRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bundles that must be refused: wrong signer, too few signers, any changed byte. Each must exit
 * 3 and leave the target registry without a tag (and without the bad blob).
 */
@ExtendWith(RegistryExtension.class)
class RefusalIT {
    @TempDir
    Path tmp;

    private TestRegistry source;
    private TestRegistry target;
    private Image image;
    private Layer layer;
    private Path bundle;
    private Path[] keys;

    private void exportOneImage(Registries registries, Path... extraKeys) throws Exception {
        source = registries.plain();
        target = registries.plain();
        layer = Layer.random(42, 400_000);
        image = TestImages.image(true, "amd64", null, Layer.random(41, 1000), layer);
        TestImages.push(source.client(), source.host(), "app/web", "1.0", image);
        keys = Fixture.keygen(tmp, "exporter");
        List<String> args = new ArrayList<>(List.of("bundle", "--image", source.host() + "/app/web:1.0", "--channel", "refuse",
                "--key", keys[0].toString(), "--out", tmp.resolve("out").toString(), "--state", tmp.resolve("xs").toString()));
        for (Path k : extraKeys) {
            args.addAll(List.of("--key", k.toString()));
        }
        args.addAll(source.cliFlags());
        Airlock.export(args).ok();
        bundle = tmp.resolve("out").resolve("refuse-000001.airlock.tar");
    }

    private Airlock.Run importWith(String... trustArgs) throws Exception {
        List<String> args = new ArrayList<>(List.of("import", bundle.toString(), "--registry", target.host(),
                "--state", tmp.resolve("is").toString()));
        args.addAll(List.of(trustArgs));
        args.addAll(target.cliFlags());
        return Airlock.importer(args);
    }

    private void assertNoTagAndNoManifest() throws Exception {
        String tags = Fixture.get(target, "/v2/app/web/tags/list");
        assertTrue(!tags.contains("1.0"), "no tag may exist, found: " + tags);
        assertEquals(404, Fixture.status(target, "HEAD", "/v2/app/web/manifests/" + image.manifest().digest()));
    }

    @Test
    void import_refusesBundleSignedByUntrustedKey_exit3_beforeAnyPush(Registries registries) throws Exception {
        exportOneImage(registries);
        Path[] other = Fixture.keygen(tmp, "stranger");
        Airlock.Run r = importWith("--trust", other[1].toString());
        assertEquals(3, r.code(), r.toString());
        assertTrue(r.err().contains("not signed by any trusted key"), r.err());
        assertEquals(1, r.err().lines().count(), "one line: " + r.err());
        assertEquals("{\"repositories\":[]}", Fixture.get(target, "/v2/_catalog").trim(), "nothing reached the registry");
    }

    @Test
    void import_refusesChangedByteInBundleJson_exit3_beforeAnyPush(Registries registries) throws Exception {
        exportOneImage(registries);
        byte[] json = dev.airlock.bundle.UntrustedBundle.open(bundle).untrustedManifestBytes();
        int at = new String(json, StandardCharsets.UTF_8).indexOf("\"created\"") + 15;
        Fixture.flipByte(bundle, "airlock/bundle.json", at);
        Airlock.Run r = importWith("--trust", keys[1].toString());
        assertEquals(3, r.code(), r.toString());
        assertTrue(r.err().contains("changed after it was signed"), r.err());
        assertEquals("{\"repositories\":[]}", Fixture.get(target, "/v2/_catalog").trim());
    }

    @Test
    void import_refusesFlippedManifestByte_exit3_noTag(Registries registries) throws Exception {
        exportOneImage(registries);
        Fixture.flipByte(bundle, "blobs/sha256/" + image.manifest().digest().hex(), 20);
        Airlock.Run r = importWith("--trust", keys[1].toString());
        assertEquals(3, r.code(), r.toString());
        assertTrue(r.err().contains(image.manifest().digest().hex()), r.err());
        assertNoTagAndNoManifest();
    }

    @Test
    void import_refusesFlippedLayerByte_exit3_noTagAndBadBlobNeverCommitted(Registries registries) throws Exception {
        exportOneImage(registries);
        Fixture.flipByte(bundle, "blobs/sha256/" + layer.digest().hex(), layer.size() - 1);
        Airlock.Run r = importWith("--trust", keys[1].toString());
        assertEquals(3, r.code(), r.toString());
        assertTrue(r.err().contains(layer.digest().hex()), r.err());
        assertNoTagAndNoManifest();
        assertEquals(404, Fixture.status(target, "HEAD", "/v2/app/web/blobs/" + layer.digest()));
        // verify (no registry) says the same.
        Airlock.Run v = Airlock.importer(List.of("verify", bundle.toString(), "--trust", keys[1].toString()));
        assertEquals(3, v.code(), v.toString());
    }

    @Test
    void import_withThresholdTwo_refusesOneSignature_andAcceptsTwo(Registries registries) throws Exception {
        Path[] second = Fixture.keygen(tmp, "second");
        exportOneImage(registries);
        Airlock.Run one = importWith("--trust", keys[1].toString(), "--trust", second[1].toString(), "--threshold", "2");
        assertEquals(3, one.code(), one.toString());
        assertTrue(one.err().contains("--threshold requires 2"), one.err());
        assertNoTagAndNoManifest();

        Files.delete(bundle);
        Files.delete(tmp.resolve("xs").resolve("channels").resolve("refuse.json"));
        List<String> args = new ArrayList<>(List.of("bundle", "--image", source.host() + "/app/web:1.0", "--channel", "refuse",
                "--key", keys[0].toString(), "--key", second[0].toString(), "--out", tmp.resolve("out").toString(),
                "--state", tmp.resolve("xs").toString()));
        args.addAll(source.cliFlags());
        Airlock.export(args).ok();
        Airlock.Run two = importWith("--trust", keys[1].toString(), "--trust", second[1].toString(), "--threshold", "2");
        assertEquals(0, two.code(), two.toString());
        assertEquals(image.manifest().digest().toString(), Fixture.skopeoDigest(target, target.host() + "/app/web:1.0"));
    }

    @Test
    void exitCodes_badUsage2_unreachableRegistry5_missingImage2(Registries registries) throws Exception {
        Path[] k = Fixture.keygen(tmp, "exporter");
        Airlock.Run noChannel = Airlock.export(List.of("bundle", "--image", "127.0.0.1:1/x:1", "--key", k[0].toString(),
                "--out", tmp.toString()));
        assertEquals(2, noChannel.code(), noChannel.toString());
        assertTrue(noChannel.err().contains("--channel"), noChannel.err());

        Airlock.Run down = Airlock.export(List.of("bundle", "--image", "127.0.0.1:1/x:1", "--channel", "c", "--key", k[0].toString(),
                "--out", tmp.resolve("o").toString(), "--state", tmp.resolve("s").toString(), "--insecure-registry", "127.0.0.1:1",
                "--retries", "2"));
        assertEquals(5, down.code(), down.toString());
        assertTrue(down.err().contains("cannot reach 127.0.0.1:1"), down.err());

        TestRegistry r = registries.plain();
        Airlock.Run missing = Airlock.export(List.of("bundle", "--image", r.host() + "/no/such:1", "--channel", "c", "--key",
                k[0].toString(), "--out", tmp.resolve("o").toString(), "--state", tmp.resolve("s").toString(),
                "--insecure-registry", r.host()));
        assertEquals(2, missing.code(), missing.toString());
        assertTrue(missing.err().contains("not found"), missing.err());
        try (var files = Files.list(tmp.resolve("o"))) {
            assertEquals(0, files.count(), "no bundle or partial file left behind");
        }

        Airlock.Run notABundle = Airlock.importer(List.of("verify", k[1].toString(), "--trust", k[1].toString()));
        assertEquals(3, notABundle.code(), notABundle.toString());

        // A plain-HTTP registry spoken to as HTTPS: a configuration mistake (2) that says what to do, not an outage (5).
        Airlock.Run plainAsTls = Airlock.export(List.of("bundle", "--image", r.host() + "/no/such:1", "--channel", "c", "--key",
                k[0].toString(), "--out", tmp.resolve("o").toString(), "--state", tmp.resolve("s").toString()));
        assertEquals(2, plainAsTls.code(), plainAsTls.toString());
        assertTrue(plainAsTls.err().contains("--plain-http " + r.host()), plainAsTls.err());
    }

    @Test
    void numbersThatCannotWork_areUsageErrors_beforeAnyRequest() throws Exception {
        Path[] k = Fixture.keygen(tmp, "exporter");
        List<List<String>> bad = List.of(List.of("--retries", "0"), List.of("--retries", "-1"), List.of("--parallel", "0"),
                List.of("--parallel", "65"), List.of("--idle-timeout", "1ms"), List.of("--idle-timeout", "0"));
        for (List<String> flag : bad) {
            List<String> args = new ArrayList<>(List.of("bundle", "--image", "127.0.0.1:1/x:1", "--channel", "c", "--key", k[0].toString(),
                    "--out", tmp.resolve("o").toString(), "--state", tmp.resolve("s").toString(), "--insecure-registry", "127.0.0.1:1"));
            args.addAll(flag);
            Airlock.Run r = Airlock.export(args);
            assertEquals(2, r.code(), flag + ": " + r);
            assertTrue(r.err().contains(flag.get(0)), flag + ": " + r.err());
            assertEquals(1, r.err().lines().filter(l -> !l.startsWith("Try ")).count(), flag + ": " + r.err());
        }
    }

    @Test
    void digestOfPinnedReference_isUsed_andTagless(Registries registries) throws Exception {
        exportOneImage(registries);
        Digest d = image.manifest().digest();
        List<String> args = new ArrayList<>(List.of("bundle", "--image", source.host() + "/app/web@" + d, "--channel", "pinned",
                "--key", keys[0].toString(), "--out", tmp.resolve("out").toString(), "--state", tmp.resolve("xs").toString()));
        args.addAll(source.cliFlags());
        Airlock.export(args).ok();
        bundle = tmp.resolve("out").resolve("pinned-000001.airlock.tar");
        Airlock.Run r = importWith("--trust", keys[1].toString()).ok();
        assertTrue(r.out().contains("0 tag(s) written"), r.out());
        assertEquals(d.toString(), Fixture.skopeoDigest(target, target.host() + "/app/web@" + d));
    }
}
