package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.io.ChannelLock;
import dev.airlock.testing.RegistryExtension;
import dev.airlock.testing.RegistryExtension.Registries;
import dev.airlock.testing.TestImages;
import dev.airlock.testing.TestImages.Layer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The delta chain across image changes, gaps, replays, lost bundles and crashes, against real registries. */
@ExtendWith(RegistryExtension.class)
class DeltaChainIT {
    @TempDir
    Path tmp;

    private ChainFixture channel(Registries r) throws Exception {
        return new ChainFixture(r.plain(), r.plain(), tmp).seedThree();
    }

    private static long configSize(TestImages.Image image) {
        return image.blobs().values().stream().filter(b -> b instanceof byte[]).mapToLong(b -> ((byte[]) b).length).sum();
    }

    @Test
    void oneChangedLayer_givesASmallDelta_planPredictsIt_andImportIsByteIdentical(Registries registries) throws Exception {
        ChainFixture c = channel(registries);
        Path full = c.export();
        assertTrue(full.getFileName().toString().endsWith("-000001.airlock.tar"));
        c.importBundle(full).ok();
        c.assertAllIdentical();

        Layer fresh = c.changeA(700_000);
        String a = c.images.get(0);
        Airlock.Run plan = Airlock.export(c.exportArgs("plan", "--json")).ok();
        JsonNode p = new ObjectMapper().readTree(plan.out());
        assertEquals(2, p.at("/bundle/sequence").asLong());
        assertEquals(c.dir.resolve("out").resolve("daily-000002.airlock.tar").toString(), p.at("/bundle/path").asText());
        assertEquals(1, p.at("/bundle/parent/sequence").asLong());
        for (JsonNode i : p.path("images")) {
            assertEquals(i.path("source").asText().equals(a) ? "changed" : "unchanged", i.path("change").asText(), i.toString());
        }
        assertFalse(Files.exists(c.dir.resolve("out").resolve("daily-000002.airlock.tar")), "plan writes nothing");

        Path delta = c.export();
        long newBlobs = fresh.size() + configSize(c.current.get(a));
        long size = Files.size(delta);
        assertTrue(size <= newBlobs + newBlobs / 100 + 64 * 1024, "delta is " + size + " bytes for " + newBlobs + " new bytes");
        assertEquals(p.at("/bundle/size").asLong(), size, "plan predicts the exact size");
        assertTrue(p.at("/blobs/requiredBytes").asLong() > ChainFixture.BASE.size(), plan.out());

        Airlock.Run r = c.importBundle(delta).ok();
        assertTrue(r.out().contains("1 tag(s) written"), r.out());
        c.assertAllIdentical();
    }

    @Test
    void nothingNew_givesABundleUnder1MiB_andItsImportChangesNothing(Registries registries) throws Exception {
        ChainFixture c = channel(registries);
        c.importBundle(c.export()).ok();
        Path same = c.export();
        assertTrue(Files.size(same) < (1 << 20), "size " + Files.size(same));
        Airlock.Run r = c.importBundle(same).ok();
        assertTrue(r.out().contains("0 pushed"), r.out());
        assertTrue(r.out().contains("0 tag(s) written"), r.out());
        c.assertAllIdentical();
    }

    @Test
    void gap_isRefusedWithExit4NamingTheMissingSequence_untilFilledInOrder(Registries registries) throws Exception {
        ChainFixture c = channel(registries);
        c.importBundle(c.export()).ok();
        String a = c.images.get(0);
        String before = c.targetDigest(a);
        c.changeA(50_000);
        Path two = c.export();
        c.changeA(60_000);
        Path three = c.export();

        Airlock.Run gap = c.importBundle(three);
        assertEquals(4, gap.code(), gap.toString());
        assertTrue(gap.err().contains("missing sequence 2"), gap.err());
        assertTrue(gap.err().contains("--full") && gap.err().contains("--since 1"), gap.err());
        assertEquals(before, c.targetDigest(a), "no tag moved");

        c.importBundle(two).ok();
        c.importBundle(three).ok();
        c.assertAllIdentical();
        Airlock.Run again = c.importBundle(two).ok();
        assertTrue(again.out().contains("already applied"), again.out());
    }

    @Test
    void olderDifferentBundle_isARefusedReplay(Registries registries) throws Exception {
        ChainFixture c = channel(registries);
        c.importBundle(c.export()).ok();
        c.changeA(40_000);
        Path two = c.export();
        Path full = c.export("--full");
        c.importBundle(full).ok();
        Airlock.Run replay = c.importBundle(two);
        assertEquals(4, replay.code(), replay.toString());
        assertTrue(replay.err().contains("replay"), replay.err());
        c.assertAllIdentical();
    }

    @Test
    void lostBundle_healedByFull(Registries registries) throws Exception {
        ChainFixture c = channel(registries);
        c.importBundle(c.export()).ok();
        c.changeA(40_000);
        c.export(); // bundle 2: lost on the way
        c.changeA(45_000);
        assertEquals(4, c.importBundle(c.export()).code());
        c.importBundle(c.export("--full")).ok();
        c.assertAllIdentical();
        c.changeA(46_000);
        c.importBundle(c.export()).ok();
        c.assertAllIdentical();
    }

    @Test
    void lostBundle_healedBySince(Registries registries) throws Exception {
        ChainFixture c = channel(registries);
        c.importBundle(c.export()).ok();
        c.changeA(40_000);
        c.put("tools/c", "3", TestImages.image(true, "amd64", null, ChainFixture.BASE, Layer.random(77, 90_000)));
        c.export(); // bundle 2: lost; it carried tools/c's new layer
        c.changeA(45_000);
        Path catchUp = c.export("--since", "1");
        c.importBundle(catchUp).ok();
        c.assertAllIdentical();
        c.changeA(47_000);
        c.importBundle(c.export()).ok();
        c.assertAllIdentical();
    }

    @Test
    void lostBundle_healedByReceipt(Registries registries) throws Exception {
        ChainFixture c = channel(registries);
        c.importBundle(c.export()).ok();
        c.put("tools/c", "3", TestImages.image(true, "amd64", null, ChainFixture.BASE, Layer.random(78, 90_000)));
        c.export(); // bundle 2: lost
        Path receipt = tmp.resolve("stick").resolve("daily.receipt.json");
        Airlock.importer(List.of("receipt", "--channel", "daily", "--state", tmp.resolve("import-state").toString(),
                "--key", c.importerKey[0].toString(), "--out", receipt.toString())).ok();
        Airlock.Run applied = Airlock.export(List.of("receipt", receipt.toString(), "--trust", c.importerKey[1].toString(),
                "--state", tmp.resolve("export-state").toString())).ok();
        assertTrue(applied.out().contains("re-baselined at sequence 1"), applied.out());

        // A receipt signed by someone else is refused.
        Airlock.Run wrong = Airlock.export(List.of("receipt", receipt.toString(), "--trust", c.exporterKey[1].toString(),
                "--state", tmp.resolve("export-state").toString()));
        assertEquals(3, wrong.code(), wrong.toString());

        Path three = c.export();
        JsonNode m;
        try (var b = dev.airlock.bundle.UntrustedBundle.open(three)) {
            m = new ObjectMapper().readTree(b.untrustedManifestBytes());
        }
        assertEquals(1, m.path("parent").path("sequence").asLong(), "the next bundle follows the receipt");
        c.importBundle(three).ok();
        c.assertAllIdentical();
    }

    @Test
    void exporterCrash_betweenBundleAndLedger_stillGivesACorrectChain(Registries registries) throws Exception {
        ChainFixture c = channel(registries);
        c.importBundle(c.export()).ok();

        // Crash after the rename: bundle 2 exists under its final name, the ledger never committed it.
        c.changeA(30_000);
        Airlock.Run crashed = Airlock.subprocess(true, List.of("-Dairlock.test.crashAt=after-rename"), c.exportArgs("bundle"));
        assertEquals(99, crashed.code(), crashed.toString());
        Path two = c.dir.resolve("out").resolve("daily-000002.airlock.tar");
        assertTrue(Files.exists(two));

        // Crash before the rename: nothing under a final name, the next run reuses the sequence.
        c.changeA(31_000);
        Airlock.Run crashed2 = Airlock.subprocess(true, List.of("-Dairlock.test.crashAt=before-rename"), c.exportArgs("bundle"));
        assertEquals(99, crashed2.code(), crashed2.toString());
        assertFalse(Files.exists(c.dir.resolve("out").resolve("daily-000003.airlock.tar")));

        Path three = c.export();
        assertEquals("daily-000003.airlock.tar", three.getFileName().toString());
        try (var files = Files.list(c.dir.resolve("out"))) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().endsWith(".partial")), "no partial file left");
        }
        c.importBundle(two).ok();
        c.importBundle(three).ok();
        c.assertAllIdentical();
    }

    @Test
    void newTag_andRemovedImage_areReported_andImported(Registries registries) throws Exception {
        ChainFixture c = channel(registries);
        c.importBundle(c.export()).ok();
        String b = c.images.remove(1);
        c.current.remove(b);
        c.put("app/a", "1.1", TestImages.image(true, "amd64", null, ChainFixture.BASE, Layer.random(501, 20_000)));
        Airlock.Run plan = Airlock.export(c.exportArgs("plan")).ok();
        assertTrue(plan.out().contains("removed   " + b), plan.out());
        assertTrue(plan.out().contains("new       " + c.source.host() + "/app/a:1.1"), plan.out());
        c.importBundle(c.export()).ok();
        c.assertAllIdentical();
    }

    @Test
    void deltaIntoARegistryThatLacksEarlierBlobs_isRefusedWithExit4_beforeAnyWrite(Registries registries) throws Exception {
        ChainFixture c = channel(registries);
        c.importBundle(c.export()).ok();
        c.changeA(20_000);
        Path two = c.export();
        // The importer's ledger says bundle 1 is in this target (the chain is fine), but the registry was
        // rebuilt empty on the same host, so it lacks what bundle 2 leaves to bundle 1.
        Fixture.wipe(c.target);
        Airlock.Run r = c.importBundle(two);
        assertEquals(4, r.code(), r.toString());
        assertTrue(r.err().contains(ChainFixture.BASE.digest().toString()), r.err());
        assertEquals("{\"repositories\":[]}", Fixture.get(c.target, "/v2/_catalog").trim(), "nothing was written");
    }

    @Test
    void wipedRegistry_isRefilledWithReapply_inChainOrder(Registries registries) throws Exception {
        ChainFixture c = channel(registries);
        Path one = c.export();
        c.importBundle(one).ok();
        c.changeA(30_000);
        Path two = c.export();
        c.importBundle(two).ok();
        Fixture.wipe(c.target);
        Airlock.Run noop = c.importBundle(one);
        assertTrue(noop.out().contains("already applied"), noop.out());
        assertEquals("{\"repositories\":[]}", Fixture.get(c.target, "/v2/_catalog").trim());
        c.importInto(one, c.target, tmp.resolve("import-state"), "--reapply").ok();
        c.importInto(two, c.target, tmp.resolve("import-state"), "--reapply").ok();
        c.assertAllIdentical();
    }

    @Test
    void resetExporterState_neverOverwritesABundleInTheOutputDirectory(Registries registries) throws Exception {
        ChainFixture c = channel(registries);
        Path one = c.export();
        byte[] before = Files.readAllBytes(one);
        Files.delete(tmp.resolve("export-state").resolve("channels").resolve("daily.json"));
        Airlock.Run r = Airlock.export(c.exportArgs("bundle"));
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("already exists"), r.err());
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(one)), "the old bundle is untouched");
    }

    @Test
    void twoExportersOnOneState_theSecondIsToldWhy(Registries registries) throws Exception {
        ChainFixture c = channel(registries);
        try (ChannelLock held = ChannelLock.acquire(tmp.resolve("export-state"), "daily", "test")) {
            Airlock.Run r = Airlock.export(c.exportArgs("bundle"));
            assertEquals(2, r.code(), r.toString());
            assertTrue(r.err().contains("another airlock-export is working on channel 'daily'"), r.err());
        }
    }

}
