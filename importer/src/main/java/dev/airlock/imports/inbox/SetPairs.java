package dev.airlock.imports.inbox;

import dev.airlock.crypto.TrustPolicy;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.List;
import java.util.Set;

/**
 * The first step of a set's search for its signed pair ({@link SignedPairSearch}): each file read and
 * pre-checked once, and each signature that names the sha256 it signs checked against the lists of
 * that sha256 only, as either arrives. A stranger's lists and signatures cost one read each here, and
 * a check only where his signature names his own list: the real pair of a set written by airlock is
 * found after work that grows with the copies sent before it, not with their square.
 */
final class SetPairs {
    private SetPairs() {
    }

    /** Whether the file of {@code stamp} was read and pre-checked (and can be of the pair). */
    static boolean prechecked(SignedPairSearch.Progress p, InboxScan.Stamp stamp) {
        return p.shas.containsKey(stamp) || p.claims.containsKey(stamp);
    }

    /**
     * Reads and pre-checks {@code file} unless done before, then checks it against the files of the
     * other kind its sha256 pairs it with, within {@code left} units; returns what is left. A naming
     * signature all of whose pairs are checked is done: lists that come later are checked against it
     * as they are read.
     */
    static long precheck(SignedPairSearch.Progress p, String file, boolean list, InboxScan.Stamp stamp, long left,
            SignedPairSearch.Checks checks) {
        if (!prechecked(p, stamp)) {
            boolean readable = read(p, file, list, stamp, checks); // busy (SignedPairSearch.Unread): charged nothing, looked at again
            left -= SignedPairSearch.reading(stamp);
            if (!readable) {
                p.useless.add(stamp);
                return left;
            }
        }
        if (list) {
            String sha = p.shas.get(stamp);
            if (!stamp.equals(p.listsBySha.get(sha))) {
                return left; // a copy of the bytes of a list read before: its pairs are that one's
            }
            for (InboxScan.Stamp asc : oldestFirst(p, p.naming.getOrDefault(sha, Map.of()).values())) {
                left = tryPair(p, stamp, asc, left, checks);
                if (left <= 0 || p.found != null) {
                    return left;
                }
            }
            return left;
        }
        for (String sha : p.named.getOrDefault(stamp, Set.of())) {
            InboxScan.Stamp l = p.listsBySha.get(sha);
            if (l != null) {
                left = tryPair(p, l, stamp, left, checks);
                if (left <= 0 || p.found != null) {
                    return left;
                }
            }
        }
        if (p.named.containsKey(stamp)) {
            p.done.add(stamp);
        }
        return left;
    }

    /**
     * {@code ascs} oldest delivery first: the real signature came before any a stranger made naming
     * the sha256 it names, which he can read off it; in hash order, his were checked first (red-team pass Q, Q2).
     */
    private static List<InboxScan.Stamp> oldestFirst(SignedPairSearch.Progress p, java.util.Collection<InboxScan.Stamp> ascs) {
        List<InboxScan.Stamp> out = new java.util.ArrayList<>(ascs);
        out.sort(java.util.Comparator.comparingLong((InboxScan.Stamp st) -> p.arrivals.getOrDefault(st, Long.MAX_VALUE))
                .thenComparing(InboxScan.Stamp::name));
        return out;
    }

    /**
     * Whether the list of {@code stamp} has pairs with signatures naming its sha256 not yet checked: it
     * is not done until they are, however little the other search has to check it against (counted
     * done there, the signatures its budget had not reached were never checked against it, red-team pass Q, Q2).
     */
    static boolean namedLeft(SignedPairSearch.Progress p, InboxScan.Stamp stamp) {
        String sha = p.shas.get(stamp);
        if (sha == null || !stamp.equals(p.listsBySha.get(sha))) {
            return false;
        }
        for (InboxScan.Stamp asc : p.naming.getOrDefault(sha, Map.of()).values()) {
            if (!p.tried.contains(List.of(sha, p.ascShas.get(asc)))) {
                return true;
            }
        }
        return false;
    }

    /** Reads what the pre-check needs of {@code file}; false when it cannot be of the pair. */
    private static boolean read(SignedPairSearch.Progress p, String file, boolean list, InboxScan.Stamp stamp, SignedPairSearch.Checks checks) {
        if (list) {
            String sha = checks.listSha(p.listName, file);
            if (sha == null) {
                return false;
            }
            p.shas.put(stamp, sha);
            p.listsBySha.putIfAbsent(sha, stamp);
            return true;
        }
        TrustPolicy.Claims c = checks.claims(file);
        if (c.signatures() == 0 || c.named().size() > 1) {
            return false; // signatures naming two sha256s: no list is of both, so none may be checked against all of them
        }
        String bytes = checks.fileSha(file);
        p.ascShas.put(stamp, bytes != null ? bytes : "stamp:" + stamp);
        p.claims.put(stamp, c.signatures());
        if (!c.named().isEmpty()) {
            p.named.put(stamp, c.named());
            c.named().forEach(sha -> p.naming.computeIfAbsent(sha, k -> new HashMap<>()).putIfAbsent(p.ascShas.get(stamp), stamp));
        }
        return true;
    }

    /**
     * Checks the list {@code list} against the naming signature {@code asc} once, by their bytes (a
     * list's and a signature's copies of the same bytes are the same pair: a stranger's n copies of
     * each cost one check, not n², red-team pass P, P1); the pair is remembered either way.
     */
    private static long tryPair(SignedPairSearch.Progress p, InboxScan.Stamp list, InboxScan.Stamp asc, long left,
            SignedPairSearch.Checks checks) {
        List<String> bytes = List.of(p.shas.get(list), p.ascShas.get(asc));
        if (left <= 0 || p.tried.contains(bytes)) {
            return left;
        }
        boolean verifies;
        try {
            verifies = checks.verifies(p.names.get(list), p.names.get(asc));
        } catch (SignedPairSearch.Unread e) {
            return left; // busy, charged nothing: neither found nor tried; a later scan checks it (red-team pass Y, R1)
        }
        left -= p.claims.get(asc) + SignedPairSearch.reading(list) + SignedPairSearch.reading(asc);
        if (verifies) {
            p.found = new InboxScan.Stamp[] {list, asc}; // not remembered as tried: should one of the two go, a copy of its bytes is the pair
        } else {
            p.tried.add(bytes);
        }
        return left;
    }

    /**
     * After a file of the pair found went (a copy that took its name, or a stranger's copy of the real
     * bytes deleted): the files of the same bytes as the pair's are looked at again, so that the copy
     * of those bytes still here is paired (each pair is remembered by its bytes, and those were found).
     */
    static void foundGone(SignedPairSearch.Progress p, InboxScan.Stamp[] found) {
        String list = p.shas.get(found[0]);
        String asc = p.ascShas.get(found[1]);
        p.done.removeIf(st -> list != null && list.equals(p.shas.get(st)) || asc != null && asc.equals(p.ascShas.get(st)));
    }

    /** Forgets what was read of files no longer here (gone, or renamed: a new stamp). */
    static void forgetGone(SignedPairSearch.Progress p, Set<InboxScan.Stamp> here) {
        p.shas.keySet().retainAll(here);
        p.named.keySet().retainAll(here);
        p.ascShas.keySet().retainAll(here);
        Set<String> listBytes = new HashSet<>(p.shas.values());
        Set<String> ascBytes = new HashSet<>(p.ascShas.values());
        p.tried.removeIf(pair -> !listBytes.contains(pair.get(0)) || !ascBytes.contains(pair.get(1)));
        // one list a sha256 and one signature a sha256 named and its bytes, kept while here (the others are copies of their bytes)
        p.listsBySha.values().retainAll(p.shas.keySet());
        p.shas.forEach((st, sha) -> p.listsBySha.putIfAbsent(sha, st));
        p.naming.values().forEach(byBytes -> byBytes.values().retainAll(p.named.keySet()));
        p.naming.values().removeIf(Map::isEmpty);
        p.named.forEach((st, shas) -> shas.forEach(sha -> p.naming.computeIfAbsent(sha, k -> new HashMap<>()).putIfAbsent(p.ascShas.get(st), st)));
    }
}
