package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.testing.FaultProxy;
import dev.airlock.testing.RegistryExtension;
import dev.airlock.testing.RegistryExtension.Registries;
import dev.airlock.testing.TestImages;
import dev.airlock.testing.TestImages.Layer;
import dev.airlock.testing.TestRegistry;
import dev.airlock.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failures that say everything at once (issue 12, items 5 and 6): every image that cannot be had
 * named in one run, a missing repository told from a missing tag, a {@code --map} rule that places
 * nothing warned about (refused with {@code --strict-map}), {@code bundle --if-changed} on an
 * unchanged channel, and {@code -q}.
 */
@ExtendWith(RegistryExtension.class)
class CompleteFailuresIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private TestRegistry source;
    private Path[] keys;

    private void seed(Registries registries) throws Exception {
        source = registries.plain();
        TestImages.push(source.client(), source.host(), "app/web", "1.0", TestImages.image(true, "amd64", null, Layer.random(1, 2000)));
        TestImages.push(source.client(), source.host(), "app/web", "2.0", TestImages.image(true, "amd64", null, Layer.random(2, 2000)));
        TestImages.push(source.client(), source.host(), "app/api", "1", TestImages.image(false, "amd64", null, Layer.random(3, 2000)));
        keys = Fixture.keygen(tmp, "exporter");
    }

    private List<String> bundleArgs(TestRegistry via, String... images) throws Exception {
        List<String> args = new ArrayList<>(List.of("bundle", "--channel", "c", "--key", keys[0].toString(), "--out", out().toString(),
                "--state", tmp.resolve("xs").toString()));
        for (String i : images) {
            args.addAll(List.of("--image", via.host() + "/" + i));
        }
        args.addAll(via.cliFlags());
        return args;
    }

    private Path out() {
        return tmp.resolve("out");
    }

    private long filesIn(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> !p.getFileName().toString().endsWith(".report.md")).count(); // a bundle's report aside
        }
    }

    @Test
    void bundleAndPlan_nameEveryUnresolvableImageInOneLine_repositoryToldFromTag_exit2_nothingWritten(Registries registries)
            throws Exception {
        seed(registries);
        String h = source.host();
        List<String> args = bundleArgs(source, "app/web:1.0", "no/such:1", "app/web:9", "app/api:1", "app/web:2.0");

        Airlock.Run bundle = Airlock.export(args);
        assertEquals(2, bundle.code(), bundle.toString());
        assertEquals("airlock-export: cannot resolve 2 of 5 images: " + h + "/no/such:1 (repository not found), " + h
                + "/app/web:9 (tag 9 not found in app/web; it has 1.0, 2.0)", bundle.err().strip());
        assertEquals(0, filesIn(out()), "no bundle, no partial file");
        assertFalse(Files.exists(tmp.resolve("xs").resolve("channels").resolve("c.json")), "no ledger entry");

        List<String> planArgs = new ArrayList<>(args);
        planArgs.set(0, "plan");
        Airlock.Run plan = Airlock.export(planArgs);
        assertEquals(2, plan.code(), plan.toString());
        assertEquals(bundle.err().replace("airlock-export: ", ""), plan.err().replace("airlock-export: ", ""), "plan says the same");

        // A digest that is not there, in a repository that is.
        String absent = "sha256:" + "0".repeat(64);
        Airlock.Run byDigest = Airlock.export(bundleArgs(source, "app/api@" + absent));
        assertEquals(2, byDigest.code(), byDigest.toString());
        assertEquals("airlock-export: cannot resolve 1 of 1 image: " + h + "/app/api@" + absent + " (manifest " + absent
                + " not found in app/api; it has 1)", byDigest.err().strip());
    }

    @Test
    void aRegistryAnswering404WithoutACode_isToldApartByItsTagList(Registries registries) throws Exception {
        seed(registries);
        try (FaultProxy proxy = FaultProxy.start(source)) {
            FaultProxy.Rule bare = proxy.on("GET", "/v2/.+/manifests/(9|1)$").respond(404);
            TestRegistry via = source.through(proxy);
            Airlock.Run r = Airlock.export(bundleArgs(via, "no/such:1", "app/web:9"));
            assertEquals(2, r.code(), r.toString());
            assertEquals("airlock-export: cannot resolve 2 of 2 images: " + via.host() + "/no/such:1 (repository not found), "
                    + via.host() + "/app/web:9 (tag 9 not found in app/web; it has 1.0, 2.0)", r.err().strip());
            assertEquals(2, bare.applied(), "both manifests were answered by the bare 404:\n" + proxy.describe());
        }
    }

    @Test
    void import_warnsAboutAMapRuleThatPlacesNothing_andStrictMapRefusesBeforeAnyPush(Registries registries) throws Exception {
        seed(registries);
        Airlock.export(bundleArgs(source, "app/web:1.0")).ok();
        Path bundle = out().resolve("c-000001.airlock.tar");
        TestRegistry target = registries.plain();
        List<String> args = new ArrayList<>(List.of("import", bundle.toString(), "--trust", keys[1].toString(), "--registry",
                target.host(), "--state", tmp.resolve("is").toString(), "--map", "ap/web=apps/web", "--map", "app/web=web"));
        args.addAll(target.cliFlags());
        String rule = "--map ap/web=apps/web matched no image of bundle 1 of channel c (its repositories: " + source.host() + "/app/web)";

        // The typo only leaves ap/web unused here (app/web=web still applies), so the image would land; strict refuses.
        List<String> strict = new ArrayList<>(args);
        strict.add("--strict-map");
        Airlock.Run refused = Airlock.importer(strict);
        assertEquals(2, refused.code(), refused.toString());
        assertEquals("airlock-import: " + rule + "; nothing was pushed (--strict-map)", refused.err().strip());
        assertEquals("{\"repositories\":[]}", Fixture.get(target, "/v2/_catalog").trim(), "nothing reached the registry");

        Airlock.Run warned = Airlock.importer(args);
        assertEquals(0, warned.code(), warned.toString());
        assertEquals("airlock-import: warning: " + rule + "; its images land unmapped (--strict-map refuses such a bundle)",
                warned.err().strip());
        assertTrue(Fixture.get(target, "/v2/web/tags/list").contains("1.0"), "the rule that matched still applied");

        // Every rule used: no warning at all.
        List<String> clean = new ArrayList<>(List.of("import", bundle.toString(), "--trust", keys[1].toString(), "--registry",
                target.host() + "/other", "--state", tmp.resolve("is").toString(), "--map", "app=apps", "--strict-map"));
        clean.addAll(target.cliFlags());
        Airlock.Run quiet = Airlock.importer(clean);
        assertEquals(0, quiet.code(), quiet.toString());
        assertEquals("", quiet.err());
    }

    @Test
    void bundleIfChanged_writesNothingOnAnUnchangedChannel_andTheNextChangeTakesTheNextSequence(Registries registries)
            throws Exception {
        seed(registries);
        List<String> args = bundleArgs(source, "app/web:1.0", "app/api:1");
        args.add("--if-changed");
        Airlock.export(args).ok(); // nothing before: written
        Path ledger = tmp.resolve("xs").resolve("channels").resolve("c.json");
        byte[] ledgerBefore = Files.readAllBytes(ledger);
        assertEquals(1, filesIn(out()));

        Airlock.Run same = Airlock.export(args);
        assertEquals(0, same.code(), same.toString());
        String digest = JSON.readTree(ledgerBefore).path("bundles").get(0).path("digest").asText();
        assertEquals("nothing new on channel c since bundle 1 (c-000001.airlock.tar, " + digest + "): its 2 image(s) have the same"
                + " digests; nothing written (--if-changed)", same.out().strip());
        assertEquals("", same.err());
        assertEquals(1, filesIn(out()), "no bundle written");
        assertArrayEquals(ledgerBefore, Files.readAllBytes(ledger), "the ledger is untouched: no entry, no sequence used");

        List<String> json = new ArrayList<>(args);
        json.add("--json");
        JsonNode r = JSON.readTree(Airlock.export(json).ok().out());
        assertFalse(r.path("changed").asBoolean(true), r.toString());
        assertTrue(r.path("bundle").isNull(), r.toString());
        assertEquals(1, r.path("last").path("sequence").asLong(), r.toString());
        assertEquals(digest, r.path("last").path("digest").asText(), r.toString());

        // -q: nothing at all on success.
        List<String> q = new ArrayList<>(args);
        q.add("-q");
        Airlock.Run quiet = Airlock.export(q);
        assertEquals(0, quiet.code(), quiet.toString());
        assertEquals("", quiet.out() + quiet.err());

        // A tag moved: the next bundle is 2 (no sequence was spent on the unchanged runs).
        TestImages.push(source.client(), source.host(), "app/api", "1", TestImages.image(false, "amd64", null, Layer.random(4, 2000)));
        JsonNode written = JSON.readTree(Airlock.export(json).ok().out());
        assertTrue(written.path("changed").asBoolean(false), written.toString());
        assertEquals(2, written.at("/bundle/sequence").asLong(), written.toString());
        assertEquals(out().resolve("c-000002.airlock.tar").toString(), written.path("bundle").path("path").asText());

        // An image dropped from the list is a change too.
        List<String> droppedArgs = bundleArgs(source, "app/web:1.0");
        droppedArgs.add("--if-changed");
        Airlock.Run dropped = Airlock.export(droppedArgs);
        assertEquals(0, dropped.code(), dropped.toString());
        assertTrue(dropped.out().startsWith("bundle   " + out().resolve("c-000003.airlock.tar")), dropped.out());
        assertTrue(Files.exists(out().resolve("c-000003.airlock.tar")));
        assertTrue(Airlock.export(droppedArgs).ok().out().startsWith("nothing new on channel c since bundle 3 "));

        List<String> full = new ArrayList<>(args);
        full.add("--full");
        Airlock.Run both = Airlock.export(full);
        assertEquals(2, both.code(), both.toString());
        assertEquals("airlock-export: --if-changed compares with the channel's last bundle; it does not combine with --full",
                both.err().strip());
    }

    @Test
    void bundleIfChanged_withPush_neitherWritesNorConnectsWhenNothingChanged(Registries registries) throws Exception {
        Assumptions.assumeTrue(Tools.has("ssh-keygen"), "needs ssh-keygen (openssh-client) to make the push identity");
        seed(registries);
        Path id = tmp.resolve("id");
        Tools.run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", id.toString()).ok();
        Path knownHosts = Files.writeString(tmp.resolve("known_hosts"), "");
        List<String> args = bundleArgs(source, "app/web:1.0");
        args.add("--if-changed");
        Airlock.export(args).ok();
        // Port 1 on loopback: nothing listens, so any attempt to push fails (exit 5).
        args.addAll(List.of("--push", "sftp://airlock@127.0.0.1:1/srv/inbox", "--identity", id.toString(), "--known-hosts",
                knownHosts.toString(), "--retries", "1"));
        Airlock.Run r = Airlock.export(args);
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().startsWith("nothing new on channel c since bundle 1 "), r.out());
        assertEquals(1, filesIn(out()));
    }

    /**
     * Paths issue 8's CrashAndDiskIT does not cover: volumes onto a full medium, a docker archive
     * written onto a full disk, and the first bundle of a channel whose state disk is full. Each is
     * exit 1 naming the path, never 5.
     */
    @Test
    void fullDisks_onVolumesDockerArchiveAndState_areExit1NamingThePath_never5(Registries registries) throws Exception {
        seed(registries);
        TestImages.push(source.client(), source.host(), "app/big", "1",
                TestImages.image(true, "amd64", null, Layer.random(5, 3 << 20)));
        Path small = tmp.resolve("small");
        try (Tmpfs fs = Tmpfs.mount(small, "2m")) {
            System.setProperty("airlock.test.skipSpaceCheck", "true"); // let the disk really fill while writing
            Airlock.Run volumes;
            try {
                List<String> args = new ArrayList<>(List.of("bundle", "--channel", "v", "--key", keys[0].toString(), "--out",
                        small.toString(), "--state", tmp.resolve("xs").toString(), "--image", source.host() + "/app/big:1",
                        "--max-volume-size", "1MiB"));
                args.addAll(source.cliFlags());
                volumes = Airlock.export(args);
            } finally {
                System.clearProperty("airlock.test.skipSpaceCheck");
            }
            assertEquals(1, volumes.code(), volumes.toString());
            assertTrue(volumes.err().contains(small.toString()) && volumes.err().contains("No space left on device"), volumes.err());
            assertEquals(1, volumes.err().lines().count(), volumes.err());
            assertEquals(0, filesIn(small), "nothing left on the medium");

            Airlock.Run noRoom = Airlock.export(List.of("bundle", "--channel", "v", "--key", keys[0].toString(), "--out",
                    small.toString(), "--state", tmp.resolve("xs").toString(), "--image", source.host() + "/app/big:1",
                    "--insecure-registry", source.host()));
            assertEquals(1, noRoom.code(), noRoom.toString());
            assertTrue(noRoom.err().contains(small.toString()), noRoom.err());

            Airlock.export(bundleArgs(source, "app/big:1")).ok();
            // An uncompressed archive's size is known before its first byte: refused up front. A .gz one's is not: the disk fills.
            Path archive = small.resolve("big.tar");
            Airlock.Run load = Airlock.importer(List.of("load", out().resolve("c-000001.airlock.tar").toString(), "--trust",
                    keys[1].toString(), "--docker-archive", archive.toString()));
            assertEquals(1, load.code(), load.toString());
            assertTrue(load.err().contains(small.toString()) && load.err().contains("free"), load.err());
            assertEquals(0, filesIn(small), "nothing written");
            Airlock.Run loadGz = Airlock.importer(List.of("load", out().resolve("c-000001.airlock.tar").toString(), "--trust",
                    keys[1].toString(), "--docker-archive", small.resolve("big.tar.gz").toString()));
            assertEquals(1, loadGz.code(), loadGz.toString());
            assertTrue(loadGz.err().contains(small.toString()) && loadGz.err().contains("No space left on device"), loadGz.err());
            assertEquals(0, filesIn(small), "no partial archive left");

            Path filler = fs.fill();
            Airlock.Run state = Airlock.export(List.of("bundle", "--channel", "s", "--key", keys[0].toString(), "--out",
                    tmp.resolve("out2").toString(), "--state", small.resolve("state").toString(), "--image",
                    source.host() + "/app/web:1.0", "--insecure-registry", source.host()));
            assertEquals(1, state.code(), state.toString());
            assertTrue(state.err().contains(small.resolve("state").toString()), state.err());
            Files.delete(filler);
        }
    }

    @Test
    void quiet_printsNothingOnSuccess_butErrorsStillShow_andProgressIsOnlyOfferedWhereBytesMove(Registries registries)
            throws Exception {
        seed(registries);
        List<String> args = bundleArgs(source, "app/web:1.0");
        args.add("-q");
        Airlock.Run ok = Airlock.export(args);
        assertEquals(0, ok.code(), ok.toString());
        assertEquals("", ok.out() + ok.err(), "a quiet success prints nothing");
        args.add("--json");
        assertEquals(2, JSON.readTree(Airlock.export(args).ok().out()).at("/bundle/sequence").asLong(), "--json output is still printed");

        List<String> failing = bundleArgs(source, "app/web:9");
        failing.add("-q");
        Airlock.Run failed = Airlock.export(failing);
        assertEquals(2, failed.code(), failed.toString());
        assertTrue(failed.err().startsWith("airlock-export: cannot resolve 1 of 1 image: "), failed.err());

        Airlock.Run plan = Airlock.export(List.of("plan", "--progress=plain", "--channel", "c", "--image", "x/y:1"));
        assertEquals(2, plan.code(), plan.toString());
        assertTrue(plan.err().contains("Unknown option: '--progress=plain'"), plan.err());
        Airlock.Run keygenHelp = Airlock.export(List.of("keygen", "--help"));
        assertFalse(keygenHelp.out().contains("--progress"), keygenHelp.out());
        Airlock.Run importHelp = Airlock.importer(List.of("import", "--help"));
        assertTrue(importHelp.out().contains("--progress") && importHelp.out().contains("--quiet"), importHelp.out());
    }
}
