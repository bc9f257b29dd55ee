package dev.airlock.imports;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.error.AirlockException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The importer's ledger: one chain per target (registry host, prefix, --map rules), earlier
 * one-chain-per-channel ledgers migrated on read, and files that parse but are not ledgers refused.
 * The earlier-format files under {@code src/test/resources} were written by the ImportLedger of
 * commit 06462bc (the last with one chain per channel), not by hand.
 */
class ImportLedgerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path state;

    private static String d(char c) {
        return "sha256:" + String.valueOf(c).repeat(64);
    }

    private static TargetNaming target(String registry, String... maps) {
        return new TargetNaming(registry, List.of(maps).stream().map(TargetNaming.Mapping::parse).toList());
    }

    private static ImportLedger.Applied applied(long sequence, char digest, Long parent, String placedAt, String source) {
        return new ImportLedger.Applied(sequence, d(digest), parent, "2026-11-26T10:00:00Z",
                List.of(new ImportLedger.Placed(placedAt, "1", source, d('a'), List.of(d('b'), d('c')))));
    }

    private Path ledgerFile() {
        return state.resolve("channels").resolve("daily.json");
    }

    private void install(String resource) throws Exception {
        Files.createDirectories(ledgerFile().getParent());
        try (InputStream in = getClass().getResourceAsStream(resource)) {
            Files.write(ledgerFile(), in.readAllBytes());
        }
    }

    private void write(String json) throws Exception {
        Files.createDirectories(ledgerFile().getParent());
        Files.writeString(ledgerFile(), json);
    }

    // --- one chain per target ---

    @Test
    void key_namesHostAndPrefix_andHashesTheMapRules_inAnyOrder() {
        assertEquals("127.0.0.1:5000", target("127.0.0.1:5000").key());
        assertEquals("registry.local:5000/mirror", target("Registry.Local:5000/mirror").key());
        String mapped = target("r.local/prod", "app=apps", "lib=base").key();
        assertTrue(mapped.matches("r\\.local/prod#[0-9a-f]{8}"), mapped);
        assertEquals(mapped, target("r.local/prod", "lib=base/", "app=apps").key(), "rule order and trailing slashes do not matter");
        assertNotEquals(mapped, target("r.local/prod", "app=apps").key());
        assertNotEquals(mapped, target("r.local/prod", "app=apps", "lib=other").key());
    }

    @Test
    void aSecondTarget_hasItsOwnChain_andTheFirstKeepsItsBundles() {
        TargetNaming a = target("127.0.0.1:5000/mirror");
        TargetNaming b = target("127.0.0.1:6000/mirror");
        ImportLedger.load(state, "daily", a).record(applied(1, '1', null, "127.0.0.1:5000/mirror/app/a", "src:4000/app/a:1"));

        ImportLedger inB = ImportLedger.load(state, "daily", b);
        assertTrue(inB.last().isEmpty(), "nothing applied to B yet");
        assertFalse(inB.isApplied(d('1')));
        assertEquals(List.of(), inB.repositoriesWith(d('b')), "B's chain does not offer A's repositories to mount from");
        assertEquals("127.0.0.1:6000/mirror", inB.target());
        inB.record(applied(1, '1', null, "127.0.0.1:6000/mirror/app/a", "src:4000/app/a:1"));
        inB.record(applied(2, '2', 1L, "127.0.0.1:6000/mirror/app/a", "src:4000/app/a:1"));

        ImportLedger inA = ImportLedger.load(state, "daily", a);
        assertEquals(1, inA.last().orElseThrow().sequence(), "A is still at bundle 1");
        assertEquals(List.of("127.0.0.1:5000/mirror/app/a"), inA.repositoriesWith(d('b')));
        assertEquals(2, ImportLedger.load(state, "daily", b).last().orElseThrow().sequence());
        assertEquals(List.of("127.0.0.1:5000/mirror", "127.0.0.1:6000/mirror"), inA.knownTargets());
    }

    @Test
    void anotherPrefixOrMap_onTheSameRegistry_isAnotherTarget_butRuleOrderIsNot() {
        ImportLedger.load(state, "daily", target("r.local/mirror", "app=apps", "lib=base"))
                .record(applied(1, '1', null, "r.local/mirror/apps/a", "src:4000/app/a:1"));
        assertTrue(ImportLedger.load(state, "daily", target("r.local/staging", "app=apps", "lib=base")).last().isEmpty());
        assertTrue(ImportLedger.load(state, "daily", target("r.local/mirror", "app=apps")).last().isEmpty());
        assertTrue(ImportLedger.load(state, "daily", target("r.local/mirror")).last().isEmpty());
        assertTrue(ImportLedger.load(state, "daily", target("r.local", "app=apps", "lib=base")).last().isEmpty());
        assertEquals(1, ImportLedger.load(state, "daily", target("R.LOCAL/mirror", "lib=base", "app=apps")).last().orElseThrow().sequence());
    }

    @Test
    void newFormat_roundTrips_andNamesEachTargetReadably() throws Exception {
        TargetNaming t = target("127.0.0.1:5000/mirror", "app=apps");
        ImportLedger l = ImportLedger.load(state, "daily", t);
        l.record(applied(1, '1', null, "127.0.0.1:5000/mirror/apps/a", "src:4000/app/a:1"));
        l.record(applied(3, '3', 1L, "127.0.0.1:5000/mirror/apps/a", "src:4000/app/a:1"));
        JsonNode file = JSON.readTree(ledgerFile().toFile());
        assertEquals(ImportLedger.FORMAT, file.path("format").asText());
        assertEquals("daily", file.path("channel").asText());
        JsonNode section = file.path("targets").path(0);
        assertEquals(t.key(), section.path("target").asText());
        assertEquals("127.0.0.1:5000", section.path("registry").asText());
        assertEquals("mirror", section.path("prefix").asText());
        assertEquals("app=apps", section.path("map").path(0).asText());
        ImportLedger again = ImportLedger.load(state, "daily", t);
        assertEquals(3, again.last().orElseThrow().sequence());
        assertEquals(1L, again.last().orElseThrow().parent());
        assertTrue(again.isApplied(d('1')));
    }

    // --- migration of the earlier format ---

    @Test
    void earlierLedger_belongsToTheTargetThatPlacesItsImagesThere() throws Exception {
        install("earlier-ledger-prefix.json");
        ImportLedger owner = ImportLedger.load(state, "daily", target("127.0.0.1:5000/mirror"));
        assertEquals(2, owner.last().orElseThrow().sequence());
        assertTrue(owner.isApplied(d('1')) && owner.isApplied(d('2')));
        assertEquals(List.of("127.0.0.1:5000/mirror/app/a", "127.0.0.1:5000/mirror/lib/b"), owner.repositoriesWith(d('b')));
        assertEquals(2, owner.inPlace().size());

        assertTrue(ImportLedger.load(state, "daily", target("127.0.0.1:6000/mirror")).last().isEmpty(), "another registry");
        assertTrue(ImportLedger.load(state, "daily", target("127.0.0.1:5000/staging")).last().isEmpty(), "another prefix");
        assertTrue(ImportLedger.load(state, "daily", target("127.0.0.1:5000/mirror", "app=apps")).last().isEmpty(), "another map");
    }

    @Test
    void earlierLedger_withMapRules_isClaimedOnlyByRulesThatPlaceItsImagesThere() throws Exception {
        install("earlier-ledger-mapped.json");
        assertTrue(ImportLedger.load(state, "daily", target("registry.local:5000/prod")).last().isEmpty());
        assertTrue(ImportLedger.load(state, "daily", target("registry.local:5000", "app=prod/apps")).last().isPresent(),
                "rules that place the images at the same repositories make the same placements");
        assertEquals(3, ImportLedger.load(state, "daily", target("registry.local:5000/prod", "app=apps")).last().orElseThrow().sequence());
    }

    @Test
    void earlierLedger_withNoPlacedImage_goesToTheFirstTargetThatRecords() throws Exception {
        install("earlier-ledger-noimages.json");
        ImportLedger first = ImportLedger.load(state, "daily", target("127.0.0.1:7000"));
        assertEquals(1, first.last().orElseThrow().sequence());
        first.record(new ImportLedger.Applied(2, d('2'), 1L, "2026-11-26T10:00:00Z", List.of()));
        assertTrue(ImportLedger.load(state, "daily", target("127.0.0.1:8000")).last().isEmpty(), "claimed once, by the first");
        assertEquals(2, ImportLedger.load(state, "daily", target("127.0.0.1:7000")).last().orElseThrow().sequence());
    }

    @Test
    void loadingAnEarlierLedger_changesNothing_untilABundleIsRecorded() throws Exception {
        install("earlier-ledger-prefix.json");
        byte[] before = Files.readAllBytes(ledgerFile());
        ImportLedger.load(state, "daily", target("127.0.0.1:5000/mirror"));
        ImportLedger.load(state, "daily", target("127.0.0.1:6000"));
        ImportLedger.loadOnly(state, "daily");
        assertArrayEquals(before, Files.readAllBytes(ledgerFile()));
    }

    @Test
    void anotherTargetRecordingFirst_keepsTheEarlierChainForItsOwner() throws Exception {
        install("earlier-ledger-prefix.json");
        ImportLedger other = ImportLedger.load(state, "daily", target("127.0.0.1:6000/mirror"));
        other.record(applied(1, '1', null, "127.0.0.1:6000/mirror/app/a", "127.0.0.1:4000/app/a:1"));
        JsonNode file = JSON.readTree(ledgerFile().toFile());
        assertEquals(ImportLedger.FORMAT, file.path("format").asText(), "rewritten in the new format");
        assertEquals(2, file.path("unclaimed").path("applied").size(), "the earlier chain is kept, unclaimed");
        assertTrue(other.knownTargets().get(1).startsWith("127.0.0.1:5000 "), other.knownTargets().toString());

        ImportLedger owner = ImportLedger.load(state, "daily", target("127.0.0.1:5000/mirror"));
        assertEquals(2, owner.last().orElseThrow().sequence());
        owner.record(applied(3, '3', 2L, "127.0.0.1:5000/mirror/app/a", "127.0.0.1:4000/app/a:1"));
        file = JSON.readTree(ledgerFile().toFile());
        assertTrue(file.path("unclaimed").isMissingNode() || file.path("unclaimed").isNull(), file.toString());
        assertEquals(2, file.path("targets").size());
        assertEquals(3, file.path("targets").path(1).path("applied").size(), "the owner's section holds 1, 2 and 3");
        assertEquals(1, ImportLedger.load(state, "daily", target("127.0.0.1:6000/mirror")).last().orElseThrow().sequence());
    }

    // --- choosing the target of a receipt ---

    @Test
    void loadOnly_takesTheOnlyTarget_andNamesThemAllWhenThereAreSeveral() {
        assertEquals(AirlockException.Kind.USAGE, assertThrows(AirlockException.class, () -> ImportLedger.loadOnly(state, "daily")).kind());
        TargetNaming a = target("127.0.0.1:5000/mirror");
        ImportLedger.load(state, "daily", a).record(applied(1, '1', null, "127.0.0.1:5000/mirror/app/a", "src:4000/app/a:1"));
        assertEquals(a.key(), ImportLedger.loadOnly(state, "daily").target());
        ImportLedger.load(state, "daily", target("127.0.0.1:6000", "app=x"))
                .record(applied(1, '1', null, "127.0.0.1:6000/x/a", "src:4000/app/a:1"));
        AirlockException e = assertThrows(AirlockException.class, () -> ImportLedger.loadOnly(state, "daily"));
        assertEquals(AirlockException.Kind.USAGE, e.kind());
        assertTrue(e.getMessage().contains("127.0.0.1:5000/mirror") && e.getMessage().contains(target("127.0.0.1:6000", "app=x").key())
                && e.getMessage().contains("--registry"), e.getMessage());
    }

    @Test
    void loadOnly_readsAnEarlierLedgerAsItsOnlyChain() throws Exception {
        install("earlier-ledger-prefix.json");
        ImportLedger only = ImportLedger.loadOnly(state, "daily");
        assertEquals(2, only.last().orElseThrow().sequence());
        assertTrue(only.target().startsWith("127.0.0.1:5000 "), only.target());
        assertThrows(IllegalStateException.class, () -> only.record(applied(3, '3', 2L, "127.0.0.1:5000/mirror/app/a", "s:1/app/a:1")));
    }

    // --- files that parse but are not ledgers ---

    private static final String APPLIED_OK = "{\"sequence\":1,\"digest\":\"" + "sha256:" + "1".repeat(64) + "\",\"parent\":null,"
            + "\"appliedAt\":\"2026-11-26T10:00:00Z\",\"images\":[]}";

    private static String v2(String targets) {
        return "{\"format\":\"airlock-import-ledger/v2\",\"channel\":\"daily\",\"targets\":" + targets + "}";
    }

    private static String section(String extra) {
        return "{\"target\":\"127.0.0.1:5000/mirror\",\"registry\":\"127.0.0.1:5000\",\"prefix\":\"mirror\",\"map\":[]" + extra + "}";
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "empty object                | {}                                                              | channel is missing",
        "a list                      | []                                                              | not a JSON object",
        "empty file                  | ``                                                              | it is empty",
        "not JSON                    | {\"channel\":                                                   | is not valid JSON",
        "trailing garbage            | {\"channel\":\"daily\",\"applied\":[]} x                        | is not valid JSON",
        "another channel             | {\"channel\":\"weekly\",\"applied\":[]}                         | channel is 'weekly'",
        "no format, no applied       | {\"channel\":\"daily\"}                                         | format is missing",
        "unknown format              | {\"format\":\"airlock-import-ledger/v9\",\"channel\":\"daily\",\"targets\":[]} | format is 'airlock-import-ledger/v9'",
        "earlier: applied null       | {\"channel\":\"daily\",\"applied\":null}                        | applied is missing",
        "earlier: applied an object  | {\"channel\":\"daily\",\"applied\":{}}                          | applied is an object, not a list",
        "earlier: entry not object   | {\"channel\":\"daily\",\"applied\":[1]}                         | applied[0] is the number 1, not an object",
        "earlier: no digest          | {\"channel\":\"daily\",\"applied\":[{\"sequence\":1,\"appliedAt\":\"t\",\"images\":[]}]} | applied[0].digest is missing",
        "earlier: sequence a string  | {\"channel\":\"daily\",\"applied\":[{\"sequence\":\"1\"}]}      | applied[0].sequence is the string '1', not a whole number",
        "earlier: sequence 0         | {\"channel\":\"daily\",\"applied\":[{\"sequence\":0}]}          | applied[0].sequence is 0, less than 1",
        "earlier: sequence 1.5       | {\"channel\":\"daily\",\"applied\":[{\"sequence\":1.5}]}        | applied[0].sequence is the number 1.5, not a whole number",
        "earlier: bad digest         | {\"channel\":\"daily\",\"applied\":[{\"sequence\":1,\"digest\":\"sha256:xyz\"}]} | applied[0].digest is not a digest",
        "targets missing             | {\"format\":\"airlock-import-ledger/v2\",\"channel\":\"daily\"} | targets is missing",
        "section without applied     | " + "{\"format\":\"airlock-import-ledger/v2\",\"channel\":\"daily\",\"targets\":[{\"target\":\"127.0.0.1:5000/mirror\",\"registry\":\"127.0.0.1:5000\",\"prefix\":\"mirror\",\"map\":[]}]} | targets[0].applied is missing",
        "section without registry    | " + "{\"format\":\"airlock-import-ledger/v2\",\"channel\":\"daily\",\"targets\":[{\"target\":\"x\",\"applied\":[]}]} | targets[0].registry is missing",
        "section key does not match  | " + "{\"format\":\"airlock-import-ledger/v2\",\"channel\":\"daily\",\"targets\":[{\"target\":\"127.0.0.1:5000\",\"registry\":\"127.0.0.1:5000\",\"prefix\":\"mirror\",\"map\":[],\"applied\":[]}]} | targets[0].target is '127.0.0.1:5000', but its registry, prefix and map make '127.0.0.1:5000/mirror'",
        "section with a bad map rule | " + "{\"format\":\"airlock-import-ledger/v2\",\"channel\":\"daily\",\"targets\":[{\"target\":\"r\",\"registry\":\"r\",\"prefix\":\"\",\"map\":[\"nonsense\"],\"applied\":[]}]} | do not make a target",
    })
    void notALedger_isRefusedAsUsage_namingTheFileAndTheField(String name, String json, String expected) throws Exception {
        write(json == null ? "" : json);
        AirlockException e = assertThrows(AirlockException.class, () -> ImportLedger.load(state, "daily", target("127.0.0.1:5000/mirror")));
        assertEquals(AirlockException.Kind.USAGE, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains(ledgerFile().toString()), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        AirlockException forReceipt = assertThrows(AirlockException.class, () -> ImportLedger.loadOnly(state, "daily"));
        assertEquals(AirlockException.Kind.USAGE, forReceipt.kind(), "a receipt reads the same check");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "out of order        | [APPLIED2, APPLIED1]        | targets[0].applied[1].sequence is 1 after 2",
        "a sequence twice    | [APPLIED1, APPLIED1]        | targets[0].applied[1].sequence is 1 after 1",
        "parent not before   | [APPLIED1P1]                | targets[0].applied[0].parent is 1, not before its bundle's sequence 1",
        "images not a list   | [APPLIED1IMG]               | targets[0].applied[0].images is the string 'x', not a list",
        "placed w/o digest   | [APPLIED1NODIGEST]          | targets[0].applied[0].images[0].digest is missing",
        "placed target bare  | [APPLIED1BARE]              | targets[0].applied[0].images[0].target is 'app', not HOST/REPOSITORY",
        "blob not a digest   | [APPLIED1BLOB]              | targets[0].applied[0].images[0].blobs[0] is not a digest",
        "appliedAt a number  | [APPLIED1AT]                | targets[0].applied[0].appliedAt is the number 5, not a string",
    })
    void aChainThatIsNotAChain_isRefusedAsUsage(String name, String applied, String expected) throws Exception {
        String placed = "{\"target\":\"127.0.0.1:5000/mirror/app/a\",\"tag\":\"1\",\"source\":\"s:1/app/a:1\",\"digest\":\"" + d('a')
                + "\",\"blobs\":[\"" + d('b') + "\"]}";
        String list = applied
                .replace("APPLIED1P1", APPLIED_OK.replace("\"parent\":null", "\"parent\":1"))
                .replace("APPLIED1IMG", APPLIED_OK.replace("\"images\":[]", "\"images\":\"x\""))
                .replace("APPLIED1NODIGEST", APPLIED_OK.replace("\"images\":[]", "\"images\":[" + placed.replace(",\"digest\":\"" + d('a') + "\"", "") + "]"))
                .replace("APPLIED1BARE", APPLIED_OK.replace("\"images\":[]", "\"images\":[" + placed.replace("127.0.0.1:5000/mirror/app/a", "app") + "]"))
                .replace("APPLIED1BLOB", APPLIED_OK.replace("\"images\":[]", "\"images\":[" + placed.replace("[\"" + d('b') + "\"]", "[\"b\"]") + "]"))
                .replace("APPLIED1AT", APPLIED_OK.replace("\"2026-11-26T10:00:00Z\"", "5"))
                .replace("APPLIED1", APPLIED_OK)
                .replace("APPLIED2", APPLIED_OK.replace("\"sequence\":1", "\"sequence\":2").replace("1".repeat(64), "2".repeat(64)));
        write(v2("[" + section(",\"applied\":" + list) + "]"));
        AirlockException e = assertThrows(AirlockException.class, () -> ImportLedger.load(state, "daily", target("127.0.0.1:5000/mirror")));
        assertEquals(AirlockException.Kind.USAGE, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains(ledgerFile().toString()) && e.getMessage().contains(expected), e.getMessage());
    }

    private static String v3(String folded, String applied) {
        return "{\"format\":\"airlock-import-ledger/v3\",\"channel\":\"daily\",\"targets\":["
                + section((folded == null ? "" : ",\"folded\":" + folded) + ",\"applied\":" + applied) + "]}";
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "folded missing        | NONE         | targets[0].folded is missing",
        "folded an object      | {}           | targets[0].folded is an object, not a list",
        "folded entry a number | [1]          | targets[0].folded[0] is the number 1, not an object",
        "folded w/o digest     | [NODIGEST]   | targets[0].folded[0].digest is missing",
        "folded target bare    | [BARE]       | targets[0].folded[0].target is 'app', not HOST/REPOSITORY",
        "folded blob bad       | [BLOB]       | targets[0].folded[0].blobs[0] is not a digest",
    })
    void aFoldedListThatIsNotOne_isRefusedAsUsage_namingTheField(String name, String folded, String expected) throws Exception {
        String placed = "{\"target\":\"127.0.0.1:5000/mirror/app/a\",\"tag\":\"1\",\"source\":\"s:1/app/a:1\",\"digest\":\"" + d('a')
                + "\",\"blobs\":[\"" + d('b') + "\"]}";
        String list = folded
                .replace("NODIGEST", placed.replace(",\"digest\":\"" + d('a') + "\"", ""))
                .replace("BARE", placed.replace("127.0.0.1:5000/mirror/app/a", "app"))
                .replace("BLOB", placed.replace("[\"" + d('b') + "\"]", "[\"b\"]"));
        write(v3(list.equals("NONE") ? null : list, "[" + APPLIED_OK + "]"));
        AirlockException e = assertThrows(AirlockException.class, () -> ImportLedger.load(state, "daily", target("127.0.0.1:5000/mirror")));
        assertEquals(AirlockException.Kind.USAGE, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains(ledgerFile().toString()) && e.getMessage().contains(expected), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }

    @Test
    void aBundleWithoutImages_isAFoldedOneInV3_butAMistakeInV2() throws Exception {
        String header = APPLIED_OK.replace(",\"images\":[]", "");
        String placed = "{\"target\":\"127.0.0.1:5000/mirror/app/a\",\"tag\":\"1\",\"source\":\"s:1/app/a:1\",\"digest\":\"" + d('a')
                + "\",\"blobs\":[\"" + d('b') + "\"]}";
        write(v3("[" + placed + "]", "[" + header + "]"));
        ImportLedger l = ImportLedger.load(state, "daily", target("127.0.0.1:5000/mirror"));
        assertTrue(l.isApplied(d('1')));
        assertEquals(List.of("127.0.0.1:5000/mirror/app/a"), l.repositoriesWith(d('b')), "the folded placement counts");
        assertEquals(1, l.inPlace().size());

        write(v2("[" + section(",\"applied\":[" + header + "]") + "]"));
        AirlockException e = assertThrows(AirlockException.class, () -> ImportLedger.load(state, "daily", target("127.0.0.1:5000/mirror")));
        assertTrue(e.getMessage().contains("targets[0].applied[0].images is missing"), e.getMessage());
    }

    @Test
    void aLedgerOfANewerAirlock_isRefused_sayingSo() throws Exception {
        write("{\"format\":\"airlock-import-ledger/v4\",\"channel\":\"daily\",\"targets\":[]}");
        AirlockException e = assertThrows(AirlockException.class, () -> ImportLedger.load(state, "daily", target("127.0.0.1:5000/mirror")));
        assertEquals(AirlockException.Kind.USAGE, e.kind());
        assertTrue(e.getMessage().contains("format is 'airlock-import-ledger/v4'; this airlock reads airlock-import-ledger/v3 and earlier "
                + "(written by a newer airlock?)"), e.getMessage());
    }

    @Test
    void aTargetListedTwice_isRefused() throws Exception {
        String s = section(",\"applied\":[" + APPLIED_OK + "]");
        write(v2("[" + s + "," + s + "]"));
        AirlockException e = assertThrows(AirlockException.class, () -> ImportLedger.load(state, "daily", target("127.0.0.1:6000")));
        assertEquals(AirlockException.Kind.USAGE, e.kind());
        assertTrue(e.getMessage().contains("targets[1].target '127.0.0.1:5000/mirror' appears twice"), e.getMessage());
    }

    @Test
    void aValidHandWrittenLedger_isRead() throws Exception {
        write(v2("[" + section(",\"applied\":[" + APPLIED_OK + "]") + "]"));
        assertEquals(1, ImportLedger.load(state, "daily", target("127.0.0.1:5000/mirror")).last().orElseThrow().sequence());
    }

    // --- local failures ---

    @Test
    void aLedgerThatCannotBeWritten_isALocalFailure_namingTheFile() throws Exception {
        // "channels" is a file, so the ledger's directory cannot be made: a real failure that root meets too.
        Files.writeString(state.resolve("channels"), "not a directory");
        ImportLedger l = ImportLedger.load(state, "daily", target("127.0.0.1:5000/mirror"));
        AirlockException e = assertThrows(AirlockException.class,
                () -> l.record(applied(1, '1', null, "127.0.0.1:5000/mirror/app/a", "src:4000/app/a:1")));
        assertEquals(AirlockException.Kind.LOCAL, e.kind(), e.getMessage());
        assertTrue(e.getMessage().startsWith("cannot write importer ledger " + ledgerFile()), e.getMessage());
    }

    @Test
    void aDirectoryUnderTheOldTemporaryName_isLeftAlone_andTheRecordIsWritten() throws Exception {
        TargetNaming t = target("127.0.0.1:5000/mirror");
        ImportLedger.load(state, "daily", t).record(applied(1, '1', null, "127.0.0.1:5000/mirror/app/a", "src:4000/app/a:1"));
        // Issue 17, C2/M6: the temporary file is a new random name, so nothing named .daily.json.partial is in its way,
        // nor ever removed (it used to be a failure when non-empty, and silently deleted when empty).
        Path inTheWay = Files.createDirectories(state.resolve("channels").resolve(".daily.json.partial").resolve("x"));
        ImportLedger l = ImportLedger.load(state, "daily", t);
        l.record(applied(2, '2', 1L, "127.0.0.1:5000/mirror/app/a", "s:1/app/a:1"));
        assertTrue(Files.isDirectory(inTheWay), "the directory in the old temporary name's place was removed");
        assertTrue(Files.readString(ledgerFile()).contains("s:1/app/a:1"), "the second record was written");
    }

    @Test
    void aLedgerThatCannotBeRead_isALocalFailure_namingTheFile() throws Exception {
        Files.createDirectories(ledgerFile());
        AirlockException e = assertThrows(AirlockException.class, () -> ImportLedger.load(state, "daily", target("127.0.0.1:5000")));
        assertEquals(AirlockException.Kind.LOCAL, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("cannot read importer ledger " + ledgerFile()), e.getMessage());
    }
}
