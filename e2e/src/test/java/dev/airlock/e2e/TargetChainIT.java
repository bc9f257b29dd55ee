package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.testing.RegistryExtension;
import dev.airlock.testing.RegistryExtension.Registries;
import dev.airlock.testing.TestRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The importer's chain belongs to a target (registry host, prefix, --map rules), not to a channel
 * alone: one state directory feeds several registries, each with its own chain, against real
 * registries. Also: ledgers that parse but are not ledgers are refused on both sides.
 */
@ExtendWith(RegistryExtension.class)
class TargetChainIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private Path importState() {
        return tmp.resolve("import-state");
    }

    private Path importLedger() {
        return importState().resolve("channels").resolve("daily.json");
    }

    /** Imports into {@code registry} named as {@code registryArg} (HOST[/PREFIX]), with the one import state. */
    private Airlock.Run importTo(ChainFixture c, Path bundle, TestRegistry registry, String registryArg, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("import", bundle.toString(), "--trust", c.exporterKey[1].toString(),
                "--registry", registryArg, "--state", importState().toString()));
        args.addAll(registry.cliFlags());
        args.addAll(List.of(extra));
        return Airlock.importer(args);
    }

    /** The digest skopeo sees at {@code registry} for a source image, under {@code prefix}, its path rewritten by {@code map}. */
    private static String digestAt(ChainFixture c, TestRegistry registry, String prefix, UnaryOperator<String> map, String sourceRef)
            throws Exception {
        String path = map.apply(sourceRef.substring(c.source.host().length() + 1));
        return Fixture.skopeoDigest(registry, registry.host() + "/" + prefix + "/" + path);
    }

    /** Every current image is at {@code registry}, byte-identical to the source. */
    private static void assertIdentical(ChainFixture c, TestRegistry registry, String prefix, UnaryOperator<String> map) throws Exception {
        for (Map.Entry<String, dev.airlock.testing.TestImages.Image> e : c.current.entrySet()) {
            assertEquals(e.getValue().manifest().digest().toString(), digestAt(c, registry, prefix, map, e.getKey()),
                    e.getKey() + " at " + registry.host() + "/" + prefix);
        }
    }

    private static void assertLanded(Airlock.Run r) {
        r.ok();
        assertTrue(r.out().startsWith("imported "), r.out());
        assertFalse(r.out().contains("already applied"), r.out());
    }

    @Test
    void sameBundle_landsInTwoRegistries_thenDeltasIntoEach_andAGapIsRefusedPerTarget(Registries registries) throws Exception {
        ChainFixture c = new ChainFixture(registries.plain(), registries.plain(), tmp).seedThree();
        TestRegistry a = c.target;
        TestRegistry b = registries.plain();
        Path one = c.export();
        assertLanded(c.importInto(one, a, importState()));
        assertLanded(c.importInto(one, b, importState()));
        assertIdentical(c, a, "mirror", p -> p);
        assertIdentical(c, b, "mirror", p -> p);

        String img = c.images.get(0);
        String first = c.current.get(img).manifest().digest().toString();
        c.changeA(50_000);
        Path two = c.export();
        c.changeA(60_000);
        Path three = c.export();

        Airlock.Run gapA = c.importInto(three, a, importState());
        assertEquals(4, gapA.code(), gapA.toString());
        assertTrue(gapA.err().contains("missing sequence 2") && gapA.err().contains(a.host() + "/mirror"), gapA.err());
        assertLanded(c.importInto(two, a, importState()));
        // A is at 2 now; B is still at 1, and its own chain still has the gap.
        Airlock.Run gapB = c.importInto(three, b, importState());
        assertEquals(4, gapB.code(), gapB.toString());
        assertTrue(gapB.err().contains("missing sequence 2") && gapB.err().contains(b.host() + "/mirror"), gapB.err());
        assertEquals(first, digestAt(c, b, "mirror", p -> p, img), "no tag moved in B");

        assertLanded(c.importInto(two, b, importState()));
        assertLanded(c.importInto(three, a, importState()));
        assertLanded(c.importInto(three, b, importState()));
        assertIdentical(c, a, "mirror", p -> p);
        assertIdentical(c, b, "mirror", p -> p);
        Airlock.Run again = c.importInto(two, b, importState()).ok();
        assertTrue(again.out().contains("already applied") && again.out().contains(b.host() + "/mirror"), again.out());

        JsonNode ledger = JSON.readTree(importLedger().toFile());
        assertEquals(2, ledger.path("targets").size(), ledger.toString());
        for (JsonNode t : ledger.path("targets")) {
            assertEquals(3, t.path("applied").size(), t.path("target").asText());
        }

        // A receipt needs to know which target it reports on once there are two.
        Path receipt = tmp.resolve("stick").resolve("daily.receipt.json");
        List<String> receiptArgs = List.of("receipt", "--channel", "daily", "--state", importState().toString(),
                "--key", c.importerKey[0].toString(), "--out", receipt.toString());
        Airlock.Run which = Airlock.importer(receiptArgs);
        assertEquals(2, which.code(), which.toString());
        assertTrue(which.err().contains(a.host() + "/mirror") && which.err().contains(b.host() + "/mirror")
                && which.err().contains("--registry"), which.err());
        assertFalse(Files.exists(receipt));
        List<String> forB = new ArrayList<>(receiptArgs);
        forB.addAll(List.of("--registry", b.host() + "/mirror"));
        Airlock.importer(forB).ok();
        JsonNode r = JSON.readTree(receipt.toFile());
        assertEquals(3, r.path("sequence").asLong());
        assertEquals(c.current.size(), r.path("images").size());
        for (JsonNode i : r.path("images")) {
            assertTrue(i.path("target").asText().startsWith(b.host() + "/mirror/"), i.toString());
        }
    }

    @Test
    void anotherPrefixOrMap_onTheSameRegistry_isAnotherTarget(Registries registries) throws Exception {
        ChainFixture c = new ChainFixture(registries.plain(), registries.plain(), tmp).seedThree();
        TestRegistry t = c.target;
        Path one = c.export();
        assertLanded(importTo(c, one, t, t.host() + "/mirror"));
        assertLanded(importTo(c, one, t, t.host() + "/staging"));
        assertLanded(importTo(c, one, t, t.host() + "/mirror", "--map", "app=apps"));
        UnaryOperator<String> apps = p -> p.startsWith("app/") ? "apps/" + p.substring(4) : p;
        assertIdentical(c, t, "mirror", p -> p);
        assertIdentical(c, t, "staging", p -> p);
        assertIdentical(c, t, "mirror", apps);
        Airlock.Run same = importTo(c, one, t, t.host() + "/mirror").ok();
        assertTrue(same.out().contains("already applied"), same.out());

        String img = c.images.get(0);
        String before = c.current.get(img).manifest().digest().toString();
        c.changeA(40_000);
        Path two = c.export();
        assertLanded(importTo(c, two, t, t.host() + "/mirror", "--map", "app=apps"));
        assertEquals(c.current.get(img).manifest().digest().toString(), digestAt(c, t, "mirror", apps, img));
        assertEquals(before, digestAt(c, t, "staging", p -> p, img), "the staging target's chain and tags are its own");
        assertEquals(before, digestAt(c, t, "mirror", p -> p, img));

        Airlock.Run fresh = importTo(c, two, t, t.host() + "/fresh");
        assertEquals(4, fresh.code(), fresh.toString());
        assertTrue(fresh.err().contains("no bundle of this channel has been applied to target " + t.host() + "/fresh"), fresh.err());
        assertEquals(404, Fixture.status(t, "GET", "/v2/fresh/app/a/tags/list"), "nothing written for the refused target");
    }

    @Test
    void ledgerOfAnEarlierAirlock_staysWithItsRegistry_whileANewRegistryStartsItsOwnChain(Registries registries) throws Exception {
        ChainFixture c = new ChainFixture(registries.plain(), registries.plain(), tmp).seedThree();
        TestRegistry a = c.target;
        Path one = c.export();
        assertLanded(c.importInto(one, a, importState()));
        // Rewrite the ledger as the earlier importer wrote it: {"channel", "applied"}, one chain per channel.
        JsonNode now = JSON.readTree(importLedger().toFile());
        ObjectNode earlier = JSON.createObjectNode();
        earlier.put("channel", "daily");
        earlier.set("applied", now.path("targets").path(0).path("applied"));
        Files.write(importLedger(), JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(earlier));

        TestRegistry b = registries.plain();
        assertLanded(c.importInto(one, b, importState()));
        c.changeA(30_000);
        Path two = c.export();
        assertLanded(c.importInto(two, a, importState()));
        assertIdentical(c, a, "mirror", p -> p);

        JsonNode migrated = JSON.readTree(importLedger().toFile());
        assertEquals("airlock-import-ledger/v3", migrated.path("format").asText());
        assertFalse(migrated.has("unclaimed") && !migrated.get("unclaimed").isNull(), "claimed by its registry: " + migrated);
        assertEquals(2, migrated.path("targets").size());
        for (JsonNode t : migrated.path("targets")) {
            int expected = t.path("registry").asText().equals(a.host()) ? 2 : 1;
            assertEquals(expected, t.path("applied").size(), t.toString());
        }
    }

    @Test
    void ledgersThatAreNotLedgers_areRefusedWithExit2_onBothSides_namingTheFile(Registries registries) throws Exception {
        ChainFixture c = new ChainFixture(registries.plain(), registries.plain(), tmp).seedThree();
        Path one = c.export();
        Files.createDirectories(importLedger().getParent());
        Files.writeString(importLedger(), "{}");
        Airlock.Run imp = c.importBundle(one);
        assertEquals(2, imp.code(), imp.toString());
        assertTrue(imp.err().contains(importLedger().toString()) && imp.err().contains("channel is missing"), imp.err());
        assertFalse(imp.err().contains("NullPointerException"), imp.err());
        assertEquals("{\"repositories\":[]}", Fixture.get(c.target, "/v2/_catalog").trim(), "nothing was written");

        Path exportLedger = tmp.resolve("export-state").resolve("channels").resolve("daily.json");
        Files.writeString(exportLedger, "{\"channel\":\"daily\",\"receipts\":[]}");
        List<String> before;
        try (var files = Files.list(tmp.resolve("out"))) {
            before = files.map(Path::toString).sorted().toList();
        }
        Airlock.Run exp = Airlock.export(c.exportArgs("bundle"));
        assertEquals(2, exp.code(), exp.toString());
        assertTrue(exp.err().contains(exportLedger.toString()) && exp.err().contains("bundles is missing"), exp.err());
        try (var files = Files.list(tmp.resolve("out"))) {
            assertEquals(before, files.map(Path::toString).sorted().toList(), "no bundle written, none replaced");
        }
    }
}
