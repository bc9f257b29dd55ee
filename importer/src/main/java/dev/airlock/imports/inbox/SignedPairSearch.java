package dev.airlock.imports.inbox;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToLongFunction;
import dev.airlock.crypto.TrustPolicy;

/**
 * Which of a volume set's list files and signature files belong together, when copies lie beside
 * their names ({@link SignedCopies}): the pair whose signature verifies the list against the
 * trusted keys. A stranger can send any number of copies under a set's predictable names, each
 * named by its own bytes, so by name they can sort before the real one; looked at by name up to a
 * fixed count, four such copies kept the real list from ever being checked (red-team pass N, N2).
 *
 * <p>So every copy is looked at, oldest first (by the time it was delivered, which a sender cannot
 * set), within {@link #BUDGET} units of work a scan, over every set at once: a copy is read and
 * pre-checked once (a list that reads as this set's, and its sha256; a signature naming enough
 * trusted keys, and the sha256 it says it signs, no cryptography). A signature that names what it
 * signs (airlock's exporter's do: {@link dev.airlock.crypto.BundleSigner#signPacketNaming}) is
 * checked against the lists of that sha256 only, first, in every set ({@link SetPairs}): work that
 * grows with a stranger's copies, not with their square (red-team pass O, O2). Then, with what is left
 * of the budget, each other list is checked against each signature that names nothing (an earlier
 * exporter's, or a stranger's) that came before it.
 * What was checked is remembered by stamp, so each pair is checked once, and the next scan goes on
 * where this one stopped. Copies that arrive after the real pair never delay it, and a flood of
 * copies costs the watcher a bounded amount of work a scan, not memory beyond a stamp per copy.
 */
final class SignedPairSearch {
    /**
     * Units of work one scan spends: reading a file costs one per {@link #UNIT_BYTES} begun, and a
     * signature check one per trusted signature in it besides reading both files.
     */
    static final int BUDGET = 1024;
    static final long UNIT_BYTES = 64 * 1024;
    /** Files remembered of the searches of sets the last scan did not hold (a crowded inbox's other turns). */
    static final int REMEMBERED_ABSENT = 4 * InboxScan.MAX_FILES;

    /** What a set's search needs of its files: bounded reads, and the signature check (cached by the caller). */
    interface Checks {
        /** The sha256 (hex) of {@code file} when it reads as the list of the set {@code listName}, else null. */
        String listSha(String listName, String file);

        /** What the signatures in {@code asc} claim ({@link TrustPolicy.Claims#NONE}: it cannot verify). */
        TrustPolicy.Claims claims(String asc);

        /** The sha256 (hex) of the signature file {@code asc}'s bytes, or null when it cannot be read (it is then its own). */
        default String fileSha(String asc) {
            return null;
        }

        /** Whether the signature {@code asc} verifies the list {@code list} against the trusted keys. */
        boolean verifies(String list, String asc);
    }

    /**
     * Thrown by {@link Checks} when a file could not be read because other users' opens left waiting
     * are at their bound (busy): no fact about the file, so nothing is remembered of it (nor of the
     * pair) and a later scan looks at it again; the other files and pairs are looked at meanwhile (a
     * stranger's, sent first and unread, must not keep the receivers' real pair from being found). Remembered as a file that cannot be of
     * the pair, a user's real list and signature read so were never paired once the stranger let go
     * (red-team pass Y, R1).
     */
    static final class Unread extends RuntimeException {
        Unread() {
            super(null, null, false, false);
        }
    }

    /** One set's files to search: its list's name, and the list files and signature files under and beside its names. */
    record SetFiles(String listName, List<String> lists, List<String> ascs) {
    }

    /**
     * A set's search after this scan: {@code list} and {@code asc} the pair that verifies, or null;
     * {@code unchecked} settled files not yet looked at (the search goes on in the next scan), and the
     * delivery time of the oldest of them.
     */
    record Outcome(String list, String asc, int unchecked, long oldestUnchecked, String listSha, String ascSha) {
        Outcome(String list, String asc, int unchecked, long oldestUnchecked) {
            this(list, asc, unchecked, oldestUnchecked, null, null);
        }

        boolean found() {
            return list != null;
        }
    }

    /** One file of a set to look at. */
    private record Item(Progress set, String file, boolean list, InboxScan.Stamp stamp, long arrived) {
    }

    /**
     * A set's search so far, by stamp: {@code done} files checked against each other done file of the
     * other kind (none verified), {@code useless} files that cannot be of the pair, {@code claims} each
     * done signature's count; {@code current} the file being checked when the last budget ran out, and
     * the partners {@code checked} against it.
     */
    static final class Progress {
        final String listName;
        final Set<InboxScan.Stamp> done = new HashSet<>();
        final Set<InboxScan.Stamp> useless = new HashSet<>();
        final Map<InboxScan.Stamp, Integer> claims = new HashMap<>();
        /**
         * Pre-checked lists' sha256s, and the signatures that name what they sign; by sha256, one list of
         * those bytes, and one signature of each bytes naming it (copies of the same bytes pair alike).
         */
        final Map<InboxScan.Stamp, String> shas = new HashMap<>();
        final Map<InboxScan.Stamp, Set<String>> named = new HashMap<>();
        final Map<String, InboxScan.Stamp> listsBySha = new HashMap<>();
        final Map<String, Map<String, InboxScan.Stamp>> naming = new HashMap<>();
        /** Each pre-checked signature's bytes' sha256 (or its stamp when unread). */
        final Map<InboxScan.Stamp, String> ascShas = new HashMap<>();
        /** The pairs of a naming signature and a list of the sha256 it names, checked, by their bytes' sha256 (list, then signature). */
        final Set<List<String>> tried = new HashSet<>();
        final Map<InboxScan.Stamp, String> names = new HashMap<>();
        final Map<InboxScan.Stamp, Long> arrivals = new HashMap<>();
        InboxScan.Stamp current;
        final Set<InboxScan.Stamp> checked = new HashSet<>();
        InboxScan.Stamp[] found;
        /** The round of scans that last held this set, and whether its search had settled files left then. */
        long round;
        boolean pending;

        Progress(String listName) {
            this.listName = listName;
        }
    }

    private final Map<String, Progress> progress = new HashMap<>();
    private final Map<String, Outcome> outcomes = new HashMap<>();
    /** Rounds of scans so far: in a crowded inbox a round is the scans that take every bundle once, else one scan. */
    private long round;

    /**
     * Searches {@code sets} (settled files only; the others wait for a later scan) within one scan's
     * budget, oldest file first over all of them, and keeps each set's outcome for {@link #outcome}.
     * A set this scan does not hold keeps its search until a whole round of scans has not held it
     * ({@code roundEnds}: this scan ends one): a crowded inbox takes its bundles in turns, and a search
     * forgotten at every turn that did not hold its set started over at each, never finding a pair that
     * needed more than one scan's budget (red-team pass O).
     */
    void search(List<SetFiles> sets, Map<String, InboxScan.Stamp> stamps, Map<String, Boolean> settled, ToLongFunction<String> arrival,
            Checks checks, boolean roundEnds) {
        Map<String, Progress> now = new HashMap<>();
        List<Item> items = new ArrayList<>();
        for (SetFiles s : sets) {
            Progress p = progress.computeIfAbsent(s.listName(), Progress::new);
            p.round = round;
            now.put(s.listName(), p);
            items.addAll(unchecked(p, s, stamps, settled, arrival));
        }
        if (roundEnds) {
            progress.values().removeIf(p -> p.round != round);
            round++;
        }
        trimAbsent(now.keySet());
        items.sort(Comparator.comparingLong(Item::arrived).thenComparing(Item::file));
        // Half the budget at least for each kind of work, what one leaves going to the other: reading each file and checking
        // the pairs signatures name (work that grows with the copies), and checking every other pair, oldest first (with the
        // square of a stranger's copies: it must not hold up the first, nor the first an earlier exporter's pair sent before).
        try {
            long left = named(items, BUDGET / 2, checks);
            left = unnamed(items, BUDGET - BUDGET / 2 + left, checks);
            named(items, left, checks);
        } catch (Unread e) {
            // busy: what is left is looked at by the next scan
        }
        outcomes(now, items);
    }

    /** Each file read once and the pairs naming signatures name checked, oldest first, within {@code left}; returns what is left. */
    private static long named(List<Item> items, long left, Checks checks) {
        for (Item i : items) {
            if (left > 0 && i.set().found == null) {
                try {
                    left = SetPairs.precheck(i.set(), i.file(), i.list(), i.stamp(), left, checks);
                } catch (Unread e) {
                    // busy: looked at again by the next scan, and charged nothing (no byte was read): the others go on. Charged,
                    // a stranger's busy files sent first under the set's names spent every scan's budget before the real pair's
                }
            }
        }
        return Math.max(0, left);
    }

    /** Each other pair of files read, oldest first, within {@code left}; returns what is left. */
    private static long unnamed(List<Item> items, long left, Checks checks) {
        for (Item i : items) {
            Progress p = i.set();
            if (left > 0 && p.found == null && !p.done.contains(i.stamp()) && !p.useless.contains(i.stamp())
                    && SetPairs.prechecked(p, i.stamp()) && !p.named.containsKey(i.stamp()) // a naming signature: its lists only
                    && !(i.list() && SetPairs.namedLeft(p, i.stamp()))) { // done here, the named pairs left were never checked (Q2)
                left = check(i, left, checks);
            }
        }
        return Math.max(0, left);
    }

    /**
     * Forgets the searches of sets this scan does not hold while they remember more than
     * {@link #REMEMBERED_ABSENT} files, those with nothing left to check first, then those held
     * longest ago: a round of scans over an inbox of a million copies must not be held in memory.
     */
    private void trimAbsent(Set<String> present) {
        List<Progress> absent = new ArrayList<>();
        long held = 0;
        for (Progress p : progress.values()) {
            if (!present.contains(p.listName)) {
                absent.add(p);
                held += p.names.size();
            }
        }
        if (held <= REMEMBERED_ABSENT) {
            return;
        }
        absent.sort(Comparator.comparing((Progress p) -> p.pending).thenComparingLong(p -> p.round));
        for (Progress p : absent) {
            if (held <= REMEMBERED_ABSENT) {
                break;
            }
            progress.remove(p.listName);
            held -= p.names.size();
        }
    }

    /** {@link #search(List, Map, Map, ToLongFunction, Checks, boolean)} by a scan that holds every bundle. */
    void search(List<SetFiles> sets, Map<String, InboxScan.Stamp> stamps, Map<String, Boolean> settled, ToLongFunction<String> arrival,
            Checks checks) {
        search(sets, stamps, settled, arrival, checks, true);
    }

    /**
     * Whether a set's search has settled files left to look at after this scan, or had when a scan
     * last held it (a crowded inbox's next scan may hold it again: it comes as soon).
     */
    boolean searching() {
        return progress.values().stream().anyMatch(p -> p.pending);
    }

    /**
     * Forgets the search of the set of {@code listName}: a file of the pair it found no longer holds the
     * bytes it was found with (rewritten in place, its size and modification time kept: its stamp did not
     * change). What was read of its files, and when they came, is read again (red-team pass Q, Q1b).
     */
    void forget(String listName) {
        progress.remove(listName);
        outcomes.remove(listName);
    }

    /** This scan's outcome for the set of {@code listName}, or null when it was not searched. */
    Outcome outcome(String listName) {
        return outcomes.get(listName);
    }

    /** {@code s}'s settled files not yet done or useless, with what is remembered of files gone (or renamed) forgotten. */
    private static List<Item> unchecked(Progress p, SetFiles s, Map<String, InboxScan.Stamp> stamps, Map<String, Boolean> settled,
            ToLongFunction<String> arrival) {
        Map<InboxScan.Stamp, String> here = new HashMap<>();
        s.lists().forEach(f -> here.put(stamps.get(f), f));
        s.ascs().forEach(f -> here.put(stamps.get(f), f));
        p.names.clear();
        p.names.putAll(here);
        p.done.retainAll(here.keySet());
        p.useless.retainAll(here.keySet());
        p.claims.keySet().retainAll(here.keySet());
        p.arrivals.keySet().retainAll(here.keySet());
        if (p.found != null && !(here.containsKey(p.found[0]) && here.containsKey(p.found[1]))) {
            SetPairs.foundGone(p, p.found); // before what was read of the gone file is forgotten
            p.found = null;
        }
        SetPairs.forgetGone(p, here.keySet());
        List<Item> out = new ArrayList<>();
        for (boolean list : new boolean[] {true, false}) {
            for (String f : p.found != null ? List.<String>of() : list ? s.lists() : s.ascs()) {
                InboxScan.Stamp st = stamps.get(f);
                if (settled.get(f) && !p.done.contains(st) && !p.useless.contains(st)) {
                    out.add(new Item(p, f, list, st, p.arrivals.computeIfAbsent(st, k -> arrival.applyAsLong(f)))); // one stat a file
                }
            }
        }
        return out;
    }

    /**
     * Checks the pre-checked {@code i} against each done file of the other kind (a list against the
     * signatures that name nothing, such a signature against the lists), within {@code left} units;
     * returns what is left. Stopped by the budget, it remembers which partners it has checked.
     */
    private static long check(Item i, long left, Checks checks) {
        Progress p = i.set();
        if (p.current == null || !p.current.equals(i.stamp())) {
            p.current = i.stamp();
            p.checked.clear();
        }
        boolean unread = false;
        for (InboxScan.Stamp q : new ArrayList<>(p.done)) {
            boolean qIsList = p.shas.containsKey(q);
            if (qIsList == i.list() || p.named.containsKey(q) || p.checked.contains(q)) {
                continue;
            }
            if (left <= 0) {
                return left;
            }
            InboxScan.Stamp list = i.list() ? i.stamp() : q;
            InboxScan.Stamp asc = i.list() ? q : i.stamp();
            try {
                if (checks.verifies(p.names.get(list), p.names.get(asc))) {
                    p.found = new InboxScan.Stamp[] {list, asc};
                    return left - (p.claims.get(asc) + reading(list) + reading(asc));
                }
            } catch (Unread e) {
                unread = true; // busy, charged nothing: this pair is checked again by a later scan, the others now
                continue;
            }
            left -= p.claims.get(asc) + reading(list) + reading(asc);
            p.checked.add(q);
        }
        if (unread) {
            return left; // not done: the pairs not read are checked again
        }
        p.done.add(i.stamp());
        p.current = null;
        p.checked.clear();
        return left;
    }

    /** What reading the file of {@code stamp} costs. */
    static long reading(InboxScan.Stamp stamp) {
        return 1 + stamp.size() / UNIT_BYTES;
    }

    /** Each set's outcome: the pair found, or how many of its settled files are still to look at. */
    private void outcomes(Map<String, Progress> sets, List<Item> items) {
        Map<Progress, int[]> unchecked = new HashMap<>();
        Map<Progress, Long> oldest = new HashMap<>();
        for (Item i : items) {
            Progress p = i.set();
            if (p.found == null && !p.done.contains(i.stamp()) && !p.useless.contains(i.stamp())) {
                unchecked.computeIfAbsent(p, k -> new int[1])[0]++;
                oldest.merge(p, i.arrived(), Math::min);
            }
        }
        outcomes.clear();
        for (Progress p : sets.values()) {
            p.pending = p.found == null && unchecked.containsKey(p);
            outcomes.put(p.listName, p.found != null ? new Outcome(p.names.get(p.found[0]), p.names.get(p.found[1]), 0, Long.MAX_VALUE,
                    p.shas.get(p.found[0]), p.ascShas.get(p.found[1]))
                    : new Outcome(null, null, unchecked.getOrDefault(p, new int[1])[0], oldest.getOrDefault(p, Long.MAX_VALUE)));
        }
    }
}
