package dev.airlock.imports.inbox;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.crypto.TrustPolicy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Red-team pass Q, Q2: the real signature names the sha256 of the list it signs, so a stranger who
 * can read the inbox learns it as soon as the real .asc arrives. Signatures he makes after the real
 * list arrived (each of 64 signatures claiming the trusted key, naming that sha256), read while the
 * real list is still settling, were checked against the real list before the real signature (the
 * list looks at the signatures naming its sha256 in hash order, not oldest first): copies that arrive
 * after the real pair delayed it by a check each.
 */
class SignedPairSearchLateNamingTest {
    private static final String SET = "daily-000001.airlock.volumes.json";

    @Test
    void signaturesNamingTheRealListSentAfterIt_doNotDelayTheRealPair() {
        Map<String, InboxScan.Stamp> stamps = new HashMap<>();
        Map<String, Boolean> settled = new HashMap<>();
        Map<String, Long> arrived = new HashMap<>();
        List<String> lists = new ArrayList<>();
        List<String> ascs = new ArrayList<>();
        stamps.put("real.asc", new InboxScan.Stamp("real.asc", 100, 100, "real.asc"));
        arrived.put("real.asc", 100L);
        settled.put("real.asc", true);
        ascs.add("real.asc");
        stamps.put("real.list", new InboxScan.Stamp("real.list", 100, 101, "real.list"));
        arrived.put("real.list", 101L);
        settled.put("real.list", false); // still settling
        lists.add("real.list");
        for (int i = 0; i < 600; i++) { // his, after the real list
            String f = "f" + i + ".asc";
            stamps.put(f, new InboxScan.Stamp(f, 100, 200 + i, f));
            arrived.put(f, 200L + i);
            settled.put(f, true);
            ascs.add(f);
        }
        int[] checked = {0};
        SignedPairSearch.Checks checks = new SignedPairSearch.Checks() {
            @Override
            public String listSha(String listName, String file) {
                return "sha-of-" + file;
            }

            @Override
            public TrustPolicy.Claims claims(String asc) {
                return new TrustPolicy.Claims(asc.equals("real.asc") ? 1 : 64, Set.of("sha-of-real.list"));
            }

            @Override
            public String fileSha(String asc) {
                return "bytes-of-" + asc;
            }

            @Override
            public boolean verifies(String list, String asc) {
                checked[0]++;
                return asc.equals("real.asc");
            }
        };
        SignedPairSearch search = new SignedPairSearch();
        search.search(List.of(new SignedPairSearch.SetFiles(SET, lists, ascs)), stamps, settled, arrived::get, checks);
        settled.put("real.list", true); // settled now
        int scans = 0;
        SignedPairSearch.Outcome o;
        do {
            search.search(List.of(new SignedPairSearch.SetFiles(SET, lists, ascs)), stamps, settled, arrived::get, checks);
            o = search.outcome(SET);
            scans++;
        } while (!o.found() && scans < 100);
        assertTrue(o.found() && scans == 1 && checked[0] == 1, "the real pair found after " + scans + " scans and " + checked[0]
                + " checks, the stranger's signatures sent after the real list checked first");
    }
}
