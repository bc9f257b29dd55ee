package dev.airlock.imports.inbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Red-team pass P, P1 (its fix): a naming signature is checked once against each list bytes it
 * names, so the pair found must not be remembered as checked: when the copy of the list it was found
 * with goes (a stranger's copy of the real bytes, deleted; or a copy that took its name), the other
 * copy of the same bytes is the pair, found again, not never.
 */
class SignedPairSearchFoundCopyGoneTest {
    private static final String SET = "daily-000001.airlock.volumes.json";

    private final Map<String, InboxScan.Stamp> stamps = new HashMap<>();
    private final Map<String, Boolean> settled = new HashMap<>();
    private final Map<String, Long> arrived = new HashMap<>();
    private final List<String> lists = new ArrayList<>();
    private final List<String> ascs = new ArrayList<>();

    private final SignedPairSearch.Checks checks = new SignedPairSearch.Checks() {
        @Override
        public String listSha(String listName, String file) {
            return "sha-of-the-real-list"; // both lists here are of the real list's bytes
        }

        @Override
        public dev.airlock.crypto.TrustPolicy.Claims claims(String asc) {
            return new dev.airlock.crypto.TrustPolicy.Claims(1, Set.of("sha-of-the-real-list"));
        }

        @Override
        public boolean verifies(String list, String asc) {
            return asc.equals("real.asc");
        }
    };

    private void add(String name, boolean list, long when) {
        stamps.put(name, new InboxScan.Stamp(name, 100, when, name));
        settled.put(name, true);
        arrived.put(name, when);
        (list ? lists : ascs).add(name);
    }

    private SignedPairSearch.Outcome scan(SignedPairSearch search) {
        search.search(List.of(new SignedPairSearch.SetFiles(SET, List.copyOf(lists), List.copyOf(ascs))), stamps, settled, arrived::get,
                checks);
        return search.outcome(SET);
    }

    @Test
    void theCopyThePairWasFoundWithGoes_theOtherCopyOfItsBytesIsFound() {
        add("copy.list", true, 1);
        add("real.list", true, 2);
        add("real.asc", false, 3);
        SignedPairSearch search = new SignedPairSearch();
        SignedPairSearch.Outcome o = scan(search);
        assertTrue(o.found());
        assertEquals("copy.list", o.list());
        lists.remove("copy.list");
        stamps.remove("copy.list");
        for (int i = 0; i < 5 && !o.found() || i == 0; i++) {
            o = scan(search);
        }
        assertTrue(o.found(), "the real list, of the same bytes, is never paired again: " + o);
        assertEquals("real.list", o.list());
    }
}
