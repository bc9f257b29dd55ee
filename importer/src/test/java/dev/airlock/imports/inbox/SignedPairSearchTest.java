package dev.airlock.imports.inbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The search for a set's signed list among a stranger's copies (red-team pass N, N2): every pair is
 * checked at most once, a scan spends at most its budget, the search goes on where it stopped, and
 * copies delivered after the real pair never delay it. The file checks stand in for reading and
 * verifying (the watch tests run the real ones): a list "reads as the set's" unless named {@code junk},
 * a signature claims one trusted key, and only {@code real.list} with {@code real.asc} verifies.
 */
class SignedPairSearchTest {
    private static final String SET = "daily-000001.airlock.volumes.json";

    private final Map<String, InboxScan.Stamp> stamps = new HashMap<>();
    private final Map<String, Boolean> settled = new HashMap<>();
    private final Map<String, Long> arrived = new HashMap<>();
    private final List<String> lists = new ArrayList<>();
    private final List<String> ascs = new ArrayList<>();
    private final Set<String> pairsChecked = new HashSet<>();
    private int verifications;
    private int scanVerifications;

    private void add(String name, boolean list, long when) {
        stamps.put(name, new InboxScan.Stamp(name, 100, when, name));
        settled.put(name, true);
        arrived.put(name, when);
        (list ? lists : ascs).add(name);
    }

    /** Signatures that name the sha256 they sign (as airlock's exporter's do): by file, what they name. */
    private final Map<String, String> naming = new HashMap<>();

    private final SignedPairSearch.Checks checks = new SignedPairSearch.Checks() {
        @Override
        public String listSha(String listName, String file) {
            return file.startsWith("junk") ? null : "sha-of-" + file;
        }

        @Override
        public dev.airlock.crypto.TrustPolicy.Claims claims(String asc) {
            return new dev.airlock.crypto.TrustPolicy.Claims(1, naming.containsKey(asc) ? Set.of(naming.get(asc)) : Set.of());
        }

        @Override
        public boolean verifies(String list, String asc) {
            assertTrue(pairsChecked.add(list + "|" + asc), "checked twice: " + list + " with " + asc);
            verifications++;
            scanVerifications++;
            return list.equals("real.list") && asc.equals("real.asc");
        }
    };

    private SignedPairSearch.Outcome scan(SignedPairSearch search) {
        scanVerifications = 0;
        search.search(List.of(new SignedPairSearch.SetFiles(SET, List.copyOf(lists), List.copyOf(ascs))), stamps, settled, arrived::get,
                checks);
        // each check costs its claims plus reading two files of 100 bytes (one unit each)
        assertTrue(scanVerifications * 3 <= SignedPairSearch.BUDGET + 3, "a scan checked " + scanVerifications + " pairs");
        return search.outcome(SET);
    }

    @Test
    void sixtyStrangersListsAndSignatures_sentFirst_everyPairCheckedOnceOverScans_thenTheRealPairFound() {
        for (int i = 0; i < 60; i++) {
            add("a" + i + ".list", true, i);
            add("a" + i + ".asc", false, i);
        }
        add("real.list", true, 100);
        add("real.asc", false, 101);
        SignedPairSearch search = new SignedPairSearch();
        SignedPairSearch.Outcome o = scan(search);
        int scans = 1;
        assertFalse(o.found());
        assertTrue(o.unchecked() > 0 && search.searching());
        for (; !o.found() && scans < 100; scans++) {
            o = scan(search);
        }
        assertTrue(o.found(), "never found after " + scans + " scans");
        assertEquals("real.list", o.list());
        // every pair but those of the real signature, the last delivered, with the lists after the real one in the order it takes them
        assertTrue(verifications > 60 * 61 && verifications <= 61 * 61, "every pair at most once: " + verifications);
        assertTrue(scans >= 61 * 61 * 3 / SignedPairSearch.BUDGET, "the budget was overspent: " + scans + " scans");
        verifications = 0;
        assertTrue(scan(search).found()); // found again without checking anything
        assertEquals(0, verifications);
    }

    /**
     * Red-team pass O, O2: with n lists and n signatures of a stranger's sent first, every pair cost a
     * check, n² in all. A signature that names the sha256 it signs is checked against that list only:
     * the real pair is found after reading each file once, whatever the stranger's signatures name.
     */
    @Test
    void aNamingSignature_isCheckedAgainstItsListOnly_theStrangersSquareOfPairsWaits() {
        for (int i = 0; i < 1000; i++) {
            add("a" + i + ".list", true, i);
            add("a" + i + ".asc", false, i);
            if (i % 2 == 0) {
                naming.put("a" + i + ".asc", "sha-of-a" + i + ".list"); // half of his name his own lists: one check each
            }
        }
        add("real.list", true, 5000);
        add("real.asc", false, 5001);
        naming.put("real.asc", "sha-of-real.list");
        SignedPairSearch search = new SignedPairSearch();
        SignedPairSearch.Outcome o = scan(search);
        int scans = 1;
        for (; !o.found() && scans < 100; scans++) {
            o = scan(search);
        }
        assertTrue(o.found());
        assertEquals("real.list", o.list());
        assertTrue(scans <= 2 * 3 * 1000 / SignedPairSearch.BUDGET + 2, "found after " + scans + " scans");
        assertTrue(pairsChecked.contains("real.list|real.asc"));
    }

    @Test
    void copiesDeliveredAfterTheRealPair_doNotDelayIt() {
        add("real.list", true, 10);
        add("real.asc", false, 11);
        for (int i = 0; i < 2000; i++) {
            add("b" + i + ".list", true, 20 + i);
            add("b" + i + ".asc", false, 20 + i);
        }
        SignedPairSearch.Outcome o = scan(new SignedPairSearch());
        assertTrue(o.found(), "the real pair, delivered first, waited on newer copies");
        assertEquals(1, verifications);
    }

    @Test
    void filesThatCannotBeOfThePair_areReadOnce_andNeverPaired() {
        for (int i = 0; i < 500; i++) {
            add("junk" + i + ".list", true, i);
        }
        add("real.list", true, 1000);
        add("real.asc", false, 1001);
        SignedPairSearch search = new SignedPairSearch();
        SignedPairSearch.Outcome o = scan(search);
        assertTrue(o.found(), o.toString());
        assertEquals(1, verifications);
    }

    @Test
    void noPairVerifies_theSearchEnds_andSaysNothingIsLeft() {
        for (int i = 0; i < 5; i++) {
            add("a" + i + ".list", true, i);
            add("a" + i + ".asc", false, i);
        }
        SignedPairSearch search = new SignedPairSearch();
        SignedPairSearch.Outcome o = scan(search);
        assertFalse(o.found());
        assertEquals(0, o.unchecked());
        assertFalse(search.searching());
        assertEquals(25, verifications);
        scan(search);
        assertEquals(25, verifications, "checked again");
    }

    @Test
    void aFileRenamedOrGone_isForgotten_andANewFileIsCheckedAgainstTheRest() {
        add("a.list", true, 1);
        add("a.asc", false, 2);
        SignedPairSearch search = new SignedPairSearch();
        assertFalse(scan(search).found());
        add("real.asc", false, 3);
        add("real.list", true, 4);
        SignedPairSearch.Outcome o = scan(search);
        assertTrue(o.found());
        assertEquals(4, verifications); // a-a, then real.asc with a.list, then real.list with a.asc and real.asc
    }
}
