package dev.airlock.imports.inbox;

import dev.airlock.crypto.TrustPolicy;
import java.util.HashSet;
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
            left -= SignedPairSearch.reading(stamp);
            if (!read(p, file, list, stamp, checks)) {
                p.useless.add(stamp);
                return left;
            }
        }
        if (list) {
            for (InboxScan.Stamp asc : List.copyOf(p.naming.getOrDefault(p.shas.get(stamp), Set.of()))) {
                left = tryPair(p, stamp, asc, left, checks);
                if (left <= 0 || p.found != null) {
                    return left;
                }
            }
            return left;
        }
        for (String sha : p.named.getOrDefault(stamp, Set.of())) {
            for (InboxScan.Stamp l : List.copyOf(p.listsBySha.getOrDefault(sha, Set.of()))) {
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

    /** Reads what the pre-check needs of {@code file}; false when it cannot be of the pair. */
    private static boolean read(SignedPairSearch.Progress p, String file, boolean list, InboxScan.Stamp stamp, SignedPairSearch.Checks checks) {
        if (list) {
            String sha = checks.listSha(p.listName, file);
            if (sha == null) {
                return false;
            }
            p.shas.put(stamp, sha);
            p.listsBySha.computeIfAbsent(sha, k -> new HashSet<>()).add(stamp);
            return true;
        }
        TrustPolicy.Claims c = checks.claims(file);
        if (c.signatures() == 0) {
            return false;
        }
        p.claims.put(stamp, c.signatures());
        if (!c.named().isEmpty()) {
            p.named.put(stamp, c.named());
            c.named().forEach(sha -> p.naming.computeIfAbsent(sha, k -> new HashSet<>()).add(stamp));
        }
        return true;
    }

    /** Checks the list {@code list} against the naming signature {@code asc} once; the pair is remembered either way. */
    private static long tryPair(SignedPairSearch.Progress p, InboxScan.Stamp list, InboxScan.Stamp asc, long left,
            SignedPairSearch.Checks checks) {
        if (left <= 0 || !p.tried.add(List.of(list, asc))) {
            return left;
        }
        left -= p.claims.get(asc) + SignedPairSearch.reading(list) + SignedPairSearch.reading(asc);
        if (checks.verifies(p.names.get(list), p.names.get(asc))) {
            p.found = new InboxScan.Stamp[] {list, asc};
        }
        return left;
    }

    /** Forgets what was read of files no longer here (gone, or renamed: a new stamp). */
    static void forgetGone(SignedPairSearch.Progress p, Set<InboxScan.Stamp> here) {
        p.shas.keySet().retainAll(here);
        p.named.keySet().retainAll(here);
        p.tried.removeIf(pair -> !here.contains(pair.get(0)) || !here.contains(pair.get(1)));
        p.listsBySha.clear();
        p.shas.forEach((st, sha) -> p.listsBySha.computeIfAbsent(sha, k -> new HashSet<>()).add(st));
        p.naming.clear();
        p.named.forEach((st, shas) -> shas.forEach(sha -> p.naming.computeIfAbsent(sha, k -> new HashSet<>()).add(st)));
    }
}
