package dev.airlock.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.error.AirlockException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The exporter's ledger refuses a file that parses but is not a ledger, instead of reading it as an
 * empty channel (which restarted the chain at sequence 1), and reports a failed write as local.
 * {@code ledger-with-receipt.json} was written by the ExportLedger of commit 06462bc, not by hand.
 */
class ExportLedgerTest {
    @TempDir
    Path state;

    private static String d(char c) {
        return "sha256:" + String.valueOf(c).repeat(64);
    }

    private Path ledgerFile() {
        return state.resolve("channels").resolve("daily.json");
    }

    private void write(String json) throws Exception {
        Files.createDirectories(ledgerFile().getParent());
        Files.writeString(ledgerFile(), json);
    }

    private static ExportLedger.Entry entry(long sequence, char digest, Long parent) {
        return new ExportLedger.Entry(sequence, d(digest), parent, "daily-00000" + sequence + ".airlock.tar", "2026-11-26T10:00:00Z",
                List.of(new ExportLedger.ImageRecord("src:4000/app/a:1", d('a'), List.of(d('b')))), List.of(d('b')));
    }

    @Test
    void aLedgerWrittenBeforeTheseChecks_stillLoads() throws Exception {
        Files.createDirectories(ledgerFile().getParent());
        try (InputStream in = getClass().getResourceAsStream("ledger-with-receipt.json")) {
            Files.write(ledgerFile(), in.readAllBytes());
        }
        ExportLedger l = ExportLedger.load(state, "daily");
        assertEquals(3, l.nextSequence());
        assertEquals(1, l.head().orElseThrow().sequence(), "re-baselined by the receipt");
        assertEquals(Set.of(d('b'), d('c')), l.presentAt(1));
        assertEquals(1L, l.find(2).orElseThrow().parent());
    }

    @Test
    void pendingAndCommit_roundTripThroughTheChecks() {
        ExportLedger l = ExportLedger.load(state, "daily");
        l.markPending(entry(1, '1', null), state.resolve("gone.partial"));
        l.commitPending();
        l.markPending(entry(2, '2', 1L), state.resolve("gone2.partial"));
        // A run that finds the pending bundle under its final name (its partial is gone) commits it.
        ExportLedger again = ExportLedger.load(state, "daily");
        assertEquals(2, again.head().orElseThrow().sequence());
        assertEquals(3, again.nextSequence());
    }

    @Test
    void pendingVolumeSet_whoseListWasNeverRenamed_isDropped_withEveryFileOfTheSet() throws Exception {
        Path out = Files.createDirectories(state.resolve("out"));
        Path listTmp = Files.writeString(out.resolve(".daily-000001.airlock.volumes.json.partial"), "{}");
        Path renamed = Files.writeString(out.resolve("daily-000001.airlock.tar.000"), "volume 0, already renamed");
        Path notYet = Files.writeString(out.resolve(".daily-000001.airlock.tar.001.partial"), "volume 1, not yet");
        Path asc = out.resolve("daily-000001.airlock.volumes.json.asc");
        Path other = Files.writeString(out.resolve("daily-000000.airlock.tar.000"), "not this set's");
        ExportLedger l = ExportLedger.load(state, "daily");
        l.markPending(entry(1, '1', null), listTmp, List.of(renamed, out.resolve("daily-000001.airlock.tar.001"), asc));

        ExportLedger again = ExportLedger.load(state, "daily");
        assertEquals(1, again.nextSequence(), "the set never became complete: sequence 1 is written again");
        assertFalse(Files.exists(listTmp));
        assertFalse(Files.exists(renamed), "a renamed volume of an incomplete set is removed");
        assertFalse(Files.exists(notYet));
        assertTrue(Files.exists(other), "only the set's own files");
    }

    @Test
    void pendingVolumeSet_whoseListWasRenamed_isCommitted() throws Exception {
        Path out = Files.createDirectories(state.resolve("out"));
        Path volume = Files.writeString(out.resolve("daily-000001.airlock.tar.000"), "v");
        ExportLedger l = ExportLedger.load(state, "daily");
        l.markPending(entry(1, '1', null), out.resolve(".daily-000001.airlock.volumes.json.partial"), List.of(volume));
        ExportLedger again = ExportLedger.load(state, "daily");
        assertEquals(2, again.nextSequence());
        assertTrue(Files.exists(volume));
    }

    private static final String ENTRY = "{\"sequence\":1,\"digest\":\"sha256:" + "1".repeat(64) + "\",\"parent\":null,"
            + "\"file\":\"daily-000001.airlock.tar\",\"created\":\"t\",\"images\":[],\"carried\":[]}";

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "empty object        | {}                                                                  | channel is missing",
        "not an object       | 42                                                                  | it is the number 42, not a JSON object",
        "empty file          | ``                                                                  | it is empty",
        "not JSON            | {bundles                                                            | is not valid JSON",
        "another channel     | {\"channel\":\"weekly\",\"bundles\":[],\"receipts\":[]}             | channel is 'weekly'",
        "no bundles          | {\"channel\":\"daily\",\"receipts\":[]}                             | bundles is missing",
        "bundles null        | {\"channel\":\"daily\",\"bundles\":null,\"receipts\":[]}            | bundles is missing",
        "no receipts         | {\"channel\":\"daily\",\"bundles\":[]}                              | receipts is missing",
        "entry w/o digest    | {\"channel\":\"daily\",\"bundles\":[{\"sequence\":1}],\"receipts\":[]} | bundles[0].digest is missing",
        "sequence a string   | {\"channel\":\"daily\",\"bundles\":[{\"sequence\":\"one\"}],\"receipts\":[]} | bundles[0].sequence is the string 'one', not a whole number",
        "out of order        | {\"channel\":\"daily\",\"bundles\":[ENTRY2,ENTRY],\"receipts\":[]}  | bundles[1].sequence is 1 after 2",
        "a sequence twice    | {\"channel\":\"daily\",\"bundles\":[ENTRY,ENTRY],\"receipts\":[]}   | bundles[1].sequence is 1 after 1",
        "head not a bundle   | {\"channel\":\"daily\",\"bundles\":[ENTRY],\"head\":2,\"receipts\":[]} | head is 2, a bundle the list of bundles does not hold",
        "head a string       | {\"channel\":\"daily\",\"bundles\":[ENTRY],\"head\":\"1\",\"receipts\":[]} | head is the string '1', not a whole number",
        "parent not before   | {\"channel\":\"daily\",\"bundles\":[ENTRYP],\"receipts\":[]}        | bundles[0].parent is 1, not before",
        "carried not digests | {\"channel\":\"daily\",\"bundles\":[ENTRYC],\"receipts\":[]}        | bundles[0].carried[0] is not a digest",
        "image w/o blobs     | {\"channel\":\"daily\",\"bundles\":[ENTRYI],\"receipts\":[]}        | bundles[0].images[0].blobs is missing",
        "receipt w/o digest  | {\"channel\":\"daily\",\"bundles\":[ENTRY],\"receipts\":[{\"sequence\":1,\"blobs\":[]}]} | receipts[0].digest is missing",
        "pending w/o entry   | {\"channel\":\"daily\",\"bundles\":[],\"receipts\":[],\"pending\":{\"partialPath\":\"x\"}} | pending.entry is missing",
        "pending entry bad   | {\"channel\":\"daily\",\"bundles\":[],\"receipts\":[],\"pending\":{\"entry\":{\"sequence\":1},\"partialPath\":\"x\"}} | pending.entry.digest is missing",
    })
    void notALedger_isRefusedAsUsage_namingTheFileAndTheField(String name, String json, String expected) throws Exception {
        String text = json == null ? "" : json
                .replace("ENTRY2", ENTRY.replace("\"sequence\":1", "\"sequence\":2").replace("1".repeat(64), "2".repeat(64)))
                .replace("ENTRYP", ENTRY.replace("\"parent\":null", "\"parent\":1"))
                .replace("ENTRYC", ENTRY.replace("\"carried\":[]", "\"carried\":[\"b\"]"))
                .replace("ENTRYI", ENTRY.replace("\"images\":[]", "\"images\":[{\"source\":\"s:1/a:1\",\"digest\":\"" + d('a') + "\"}]"))
                .replace("ENTRY", ENTRY);
        write(text);
        byte[] before = Files.readAllBytes(ledgerFile());
        AirlockException e = assertThrows(AirlockException.class, () -> ExportLedger.load(state, "daily"));
        assertEquals(AirlockException.Kind.USAGE, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("exporter ledger " + ledgerFile()), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(ledgerFile()), "a refused ledger is left as it was");
    }

    @Test
    void aLedgerThatCannotBeWritten_isALocalFailure_namingTheFile() throws Exception {
        // "channels" is a file, so the ledger's directory cannot be made: a real failure that root meets too.
        Files.writeString(state.resolve("channels"), "not a directory");
        ExportLedger l = ExportLedger.load(state, "daily");
        AirlockException e = assertThrows(AirlockException.class, () -> l.markPending(entry(1, '1', null), state.resolve("x.partial")));
        assertEquals(AirlockException.Kind.LOCAL, e.kind(), e.getMessage());
        assertTrue(e.getMessage().startsWith("cannot write exporter ledger " + ledgerFile()), e.getMessage());
        assertFalse(Files.isDirectory(state.resolve("channels")));
    }

    @Test
    void aLedgerThatCannotBeRead_isALocalFailure_namingTheFile() throws Exception {
        Files.createDirectories(ledgerFile());
        AirlockException e = assertThrows(AirlockException.class, () -> ExportLedger.load(state, "daily"));
        assertEquals(AirlockException.Kind.LOCAL, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("cannot read exporter ledger " + ledgerFile()), e.getMessage());
    }
}
