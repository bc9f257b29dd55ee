package dev.airlock.imports.inbox;

import dev.airlock.bundle.VolumeList;
import dev.airlock.error.AirlockException;
import dev.airlock.io.BoundedFiles;
import dev.airlock.report.ReportFile;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Lists the inbox and says, for each bundle lying there, whether it may be touched yet.
 *
 * <p>What counts: a single-file bundle {@code NAME.tar}, and a volume set by its list
 * {@code NAME.volumes.json} (with {@code NAME.volumes.json.asc} and every volume the list names,
 * each of the listed size; until then the set is incomplete and waits: senders write the list
 * last). Never touched: a dot name or a {@code .part} name (a file still being written), a
 * symbolic link, a directory ({@code done/}, {@code rejected/}), and a file whose size or
 * modification time changed within the settle time. The list is read here only for the names and
 * sizes of the volumes; the import checks its signature and every byte. A bundle's report
 * {@code NAME.report.md} is not a bundle: it moves with its bundle, and alone it is left where it is.
 * Copies kept beside a set's names ({@code NAME.conflict-SHA16}) and a list no signature verifies
 * are sorted out by the set's signed list ({@link SignedCopies}).
 */
final class InboxScan {
    private static final Pattern VOLUME = Pattern.compile("(.+\\.tar)\\.(\\d{3,})");
    /**
     * A single-file bundle kept beside a taken name by the delivery rule ({@link dev.airlock.io.NoReplaceDelivery}):
     * {@code NAME.tar.conflict-SHA16}, {@code -2}, … Taken as a bundle of its own, as {@code NAME.tar} is: bundle
     * names are predictable, and a stranger's forged file sent first under the next bundle's name (held for good by
     * an unsigned bundle.json that claims a parent that never comes) otherwise kept the real one out until an admin
     * acted (red-team pass L). The import checks both as it checks anything in the inbox.
     */
    private static final Pattern CONFLICT = Pattern.compile(".+\\.tar\\.conflict-[0-9a-f]{16}(-\\d{1,9})?");

    /** A file as seen: a rename over it, a write or a truncation changes this. */
    record Stamp(String name, long size, long modifiedMillis, Object fileKey) {
    }

    /** When a file was first seen with its current stamp (monotonic clock). */
    private record Sighting(Stamp stamp, long sinceNanos) {
    }

    enum State { READY, SETTLING, INCOMPLETE }

    /**
     * One bundle in the inbox. {@code key} is the file given to the importer (the bundle file or the
     * volume list) and names the bundle in messages; {@code files} is the bundle's own files, each
     * with its stamp in {@code stamps}; {@code strays} (a set's settled volumes that its list does not
     * name: a stranger's) are moved with it and are no part of it: not waited for, not compared.
     */
    record Candidate(String key, Path open, List<Path> files, List<Stamp> stamps, State state, String note, long arrivedMillis,
            List<Path> strays, Arrangement arrangement) {
        Candidate(String key, Path open, List<Path> files, List<Stamp> stamps, State state, String note, long arrivedMillis) {
            this(key, open, files, stamps, state, note, arrivedMillis, List.of());
        }

        Candidate(String key, Path open, List<Path> files, List<Stamp> stamps, State state, String note, long arrivedMillis,
                List<Path> strays) {
            this(key, open, files, stamps, state, note, arrivedMillis, strays, Arrangement.NONE);
        }

        boolean isSet() {
            return key.endsWith(VolumeList.SUFFIX);
        }

        /** Everything that goes to done/ or rejected/ with the bundle. */
        List<Path> moved() {
            if (strays.isEmpty()) {
                return files;
            }
            List<Path> all = new ArrayList<>(files);
            all.addAll(strays);
            return List.copyOf(all);
        }
    }

    /**
     * What must happen before a ready set is imported ({@link SquatterMoves}): {@code squats} go to
     * {@code rejected/}, then each of {@code promote} (a copy its signed list chose, kept beside a
     * name) takes the name it was kept beside ({@link SignedCopies}).
     */
    record Arrangement(List<SignedCopies.Squat> squats, List<Path> promote) {
        static final Arrangement NONE = new Arrangement(List.of(), List.of());

        boolean isEmpty() {
            return squats.isEmpty() && promote.isEmpty();
        }
    }

    /**
     * What one listing found: the bundles, the names skipped as not bundles, and when to look again
     * (nanos, or MAX_VALUE); {@code more}: past the bound, bundles this round of scans has not
     * looked at yet, which the next scan takes (a caller that stops at a scan with nothing to do
     * would never see them).
     */
    record Result(List<Candidate> candidates, List<String> ignored, List<String> growing, long nextDueNanos, boolean more) {
    }

    private final Path inbox;
    /** Whose files are the receivers' deliveries (red-team pass S, S1). */
    private final Receivers receivers;
    private final long settleNanos;
    private final Map<String, Sighting> seen = new HashMap<>();
    /** Since when each report that holds its bundle has been seen still being written (monotonic clock). */
    private final Map<String, Long> reportsChanging = new HashMap<>();
    /** Each volume list read so far, by name, with the stamp it had: read again only when that changes. */
    private final Map<String, ReadList> lists = new HashMap<>();
    /** Directory listings made so far: the work a scan costs grows with these times the files there. */
    private long listings;
    /** Which copies beside a set's names are its own, by its signed list. */
    private final SignedCopies signed;

    /**
     * What the completeness check needs of a list: {@link VolumeList#parse} has checked that volume
     * {@code i} of {@code count} is named {@link VolumeList#volumeName} and is {@code volumeSize}
     * bytes but the last, which is {@code lastSize}. A few numbers, however many volumes it lists.
     */
    private record Shape(String bundle, int count, long volumeSize, long lastSize) {
        long size(int i) {
            return i == count - 1 ? lastSize : volumeSize;
        }
    }

    /** {@link #shape}'s answer for a list not read because other users' opens left waiting are at their bound: the set waits. */
    private static final Shape UNREAD = new Shape("", 0, 0, 0);

    /** A list as read at {@code stamp}; {@code shape} is null for one that cannot be read (the import says why). */
    private record ReadList(Stamp stamp, Shape shape) {
    }

    /**
     * Files one scan holds: bundle-like names past this wait for a later pass (the smallest names
     * first), so that a flood of files cannot exhaust the watcher (red-team pass H).
     */
    static final int MAX_FILES = 20_000;
    /** How a set's note begins while its signed list is being looked for among copies beside its names. */
    static final String SEARCHING = "looking for the signed list of";
    /** How soon the next scan comes while a set's signed list is still being looked for among its copies. */
    private static final long SEARCH_PAUSE_NANOS = 100_000_000L;
    /** Files that cannot be a bundle are named one by one up to this many a scan, then counted. */
    static final int STRAYS_NAMED = 20;

    /** Files that can belong to one set beside its list: its volumes, its signature and its report. */
    private static final int MAX_BELONGING = VolumeList.MAX_VOLUMES + 2;

    private final int maxFiles;
    /** The last bundle a scan that hit the bound took; the next scan goes on after it. */
    private String resumeAfter;
    /** How many bundles the last listing found. */
    private int total;
    /** Bundles looked at since the round of scans began (the first that did not take them all), and whether some are still to come. */
    private long lookedInRound;
    private boolean more;
    /** Where the last scan began, and what it found looked at before it: what {@link #again} goes back to. */
    private String lastFrom;
    private long lastRoundBefore;
    /** Whether the next scan takes again what the last one took ({@link #again}): it ends no round of scans of its own. */
    private boolean repeated;

    InboxScan(Path inbox, java.time.Duration settle) {
        this(inbox, settle, MAX_FILES);
    }

    InboxScan(Path inbox, java.time.Duration settle, int maxFiles) {
        this(inbox, settle, maxFiles, null);
    }

    /** {@code trust}: the watcher's trusted keys, which tell a set's signed list from a stranger's copy; null: none (as inspect). */
    InboxScan(Path inbox, java.time.Duration settle, int maxFiles, dev.airlock.crypto.TrustPolicy trust) {
        this.inbox = inbox;
        this.receivers = Receivers.of(inbox);
        this.settleNanos = settle.toNanos();
        this.maxFiles = maxFiles;
        this.signed = new SignedCopies(inbox, trust, java.time.Duration.ofNanos(Math.max(10 * settleNanos, 5_000_000_000L)));
    }

    /**
     * Whether a copy of {@code name} kept beside it by the delivery rule ({@code NAME.conflict-SHA16})
     * is taken as that name's own candidate, its signature deciding: a single-file bundle, or a
     * volume set's list, signature or volume. (A report's copy is not: it is never imported.)
     */
    static boolean takesCopiesOf(String name) {
        // Asked of the very patterns the scan takes copies by, so that what serve tells a sender and what watch does agree.
        String copy = name + ".conflict-0000000000000000";
        return CONFLICT.matcher(copy).matches() || SignedCopies.isCopy(copy);
    }

    /** Whether a file of this name can be a bundle, part of a volume set, or a bundle's report: only those are looked at. */
    private static boolean mayMatter(String name) {
        return isKey(name) || name.endsWith(VolumeList.SUFFIX + ".asc")
                || name.endsWith(ReportFile.SUFFIX) || VOLUME.matcher(name).matches() || SignedCopies.isCopy(name);
    }

    Result scan() {
        long nowNanos = System.nanoTime();
        long nowMillis = System.currentTimeMillis();
        TreeMap<String, BasicFileAttributes> files = new TreeMap<>();
        List<String> ignored = new ArrayList<>();
        list(files, ignored);
        seen.keySet().retainAll(files.keySet());
        lists.keySet().retainAll(files.keySet());
        Sightings now = sight(files, nowNanos, nowMillis);

        List<Candidate> out = new ArrayList<>();
        Map<String, TreeSet<String>> volumesByBundle = new TreeMap<>();
        for (String name : files.keySet()) {
            Matcher m = VOLUME.matcher(name);
            if (m.matches()) {
                volumesByBundle.computeIfAbsent(m.group(1), k -> new TreeSet<>()).add(name);
            }
        }
        java.util.NavigableMap<String, TreeSet<String>> copies = copies(files.keySet());
        boolean searching = searchPairs(files, now, copies);
        for (String name : files.keySet()) {
            if (name.endsWith(VolumeList.SUFFIX)) {
                out.add(set(name, files, now.stamps(), now.settled(), volumesByBundle, copies));
            } else if (isSingle(name)) {
                out.add(single(name, now.stamps(), now.settled(), files.get(name)));
            } else if (name.endsWith(VolumeList.SUFFIX + ".asc") || VOLUME.matcher(name).matches() || SignedCopies.isCopy(name)) {
                continue; // part of a set (or a copy beside one of its names), handled with its list
            } else if (name.endsWith(ReportFile.SUFFIX)) {
                continue; // a bundle's report, moved with its bundle (it may arrive first: senders send it before the bundle)
            } else {
                ignored.add("ignoring " + name + ": not a bundle (NAME.tar, or a volume set by its NAME.volumes.json)");
            }
        }
        for (String base : copies.keySet()) {
            if (base.endsWith(VolumeList.SUFFIX) && !files.containsKey(base)) {
                Candidate c = besideEmptyName(base, files, now.stamps(), now.settled(), volumesByBundle, copies, ignored);
                if (c != null) {
                    out.add(c);
                }
            }
        }
        List<Candidate> withReports = new ArrayList<>();
        java.util.Set<String> changing = new java.util.HashSet<>();
        for (Candidate c : out) {
            withReports.add(withReport(c, now.stamps(), now.settled(), nowNanos, changing, ignored));
        }
        reportsChanging.keySet().retainAll(changing);
        long due = searching ? Math.min(now.due(), nowNanos + SEARCH_PAUSE_NANOS) : now.due();
        return new Result(withReports, ignored, now.growing(), due, more);
    }

    /**
     * Looks, within this scan's budget, for the signed list among the list and signature files under
     * and beside each set's names ({@link SignedPairSearch}); true while a set's search has files left,
     * so that the next scan comes soon and goes on.
     */
    private boolean searchPairs(Map<String, BasicFileAttributes> files, Sightings now, java.util.NavigableMap<String, TreeSet<String>> copies) {
        java.util.Set<String> listNames = new java.util.TreeSet<>();
        for (String name : files.keySet()) {
            if (name.endsWith(VolumeList.SUFFIX)) {
                listNames.add(name);
            }
        }
        for (String base : copies.keySet()) {
            if (base.endsWith(VolumeList.SUFFIX)) {
                listNames.add(base);
            }
        }
        signed.search(listNames, files, now.settled(), now.stamps(), copies, f -> arrived(inbox.resolve(f), files.get(f)), !more && !repeated);
        repeated = false;
        return signed.searching();
    }

    /** Each listed file's stamp, whether it has settled, those seen changing since the last scan, and when the next settles. */
    private record Sightings(Map<String, Stamp> stamps, Map<String, Boolean> settled, List<String> growing, long due) {
    }

    private Sightings sight(TreeMap<String, BasicFileAttributes> files, long nowNanos, long nowMillis) {
        long due = Long.MAX_VALUE;
        List<String> growing = new ArrayList<>();
        Map<String, Stamp> stamps = new HashMap<>();
        Map<String, Boolean> settled = new HashMap<>();
        for (Map.Entry<String, BasicFileAttributes> e : files.entrySet()) {
            BasicFileAttributes a = e.getValue();
            Stamp s = new Stamp(e.getKey(), a.size(), a.lastModifiedTime().toMillis(), a.fileKey());
            Sighting before = seen.get(e.getKey());
            if (before == null || !before.stamp().equals(s)) {
                if (before != null) {
                    growing.add(e.getKey());
                }
                before = new Sighting(s, nowNanos);
                seen.put(e.getKey(), before);
            }
            stamps.put(e.getKey(), s);
            long quietNanos = Math.max((nowMillis - s.modifiedMillis()) * 1_000_000L, nowNanos - before.sinceNanos());
            boolean ok = quietNanos >= settleNanos;
            settled.put(e.getKey(), ok);
            if (!ok) {
                due = Math.min(due, nowNanos + settleNanos - quietNanos);
            }
        }
        return new Sightings(stamps, settled, growing, due);
    }

    /**
     * The inbox's regular files whose names may matter: the bundles (a {@code NAME.tar} or a set's
     * {@code NAME.volumes.json}) this scan takes and what belongs to each (a set's volumes and
     * signature, a bundle's report), at most {@link #maxFiles} files in all but for the first bundle,
     * which is taken whole however many volumes it has (a set may have {@link VolumeList#MAX_VOLUMES}).
     * Past the bound, each scan takes the next bundles by name after the last one the scan before
     * took, wrapping around, so that files that wait for good (a forged bundle whose parent never
     * comes, a set whose volumes never come) cannot keep any other out of every scan. What is left
     * out or ignored is said in {@code ignored}, each stray by name up to {@link #STRAYS_NAMED}, then counted.
     */
    private void list(TreeMap<String, BasicFileAttributes> files, List<String> ignored) {
        lastFrom = resumeAfter;
        lastRoundBefore = lookedInRound;
        java.util.Set<String> keys = chooseKeys();
        Map<String, Integer> belonging = countBelonging(keys);
        java.util.Set<String> ownOnly = ownFilesOnly(keys, belonging, ignored);
        java.util.Set<String> taken = take(keys, belonging, ignored);
        int strays = 0;
        try (DirectoryStream<Path> ds = listing()) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (name.startsWith(".") || name.endsWith(".part")) {
                    continue;
                }
                if (!mayMatter(name)) {
                    if (strays++ < STRAYS_NAMED && !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                        ignored.add("ignoring " + name + ": not a bundle (NAME.tar, or a volume set by its NAME.volumes.json)");
                    }
                    continue;
                }
                if (!p.equals(inbox.resolve(name))) {
                    // Not valid in the file-name encoding (sun.jnu.encoding, from LANG): the string names another
                    // file, and every use of it failed, the import "changed while it was imported" at once, forever.
                    if (strays++ < STRAYS_NAMED) {
                        ignored.add("ignoring " + name + ": its name is not valid in the file-name encoding ("
                                + System.getProperty("sun.jnu.encoding") + ", from LANG), so it cannot be opened by name; rename it");
                    }
                    continue;
                }
                if (!ownOnly.isEmpty() && !isKey(name) && ownOnly.contains(owner(name, keys)) && !receivers.theirs(p)) {
                    continue; // another user's file beside a set flooded with them: left where it is
                }
                if (!heldHere(name, keys, taken, belonging)) {
                    continue; // a bundle for a later pass, what belongs to none taken in this one, or more than was counted
                }
                BasicFileAttributes a;
                try {
                    a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                } catch (IOException e) {
                    continue; // gone since listed
                }
                if (a.isDirectory()) {
                    continue;
                }
                if (!a.isRegularFile()) {
                    if (strays++ < STRAYS_NAMED) {
                        ignored.add("ignoring " + name + ": not a regular file (a symbolic link or device is never imported from an inbox)");
                    }
                    continue;
                }
                files.put(name, a);
            }
        } catch (IOException e) {
            throw AirlockException.local("cannot list the inbox " + inbox + ": " + e.getMessage(), e);
        }
        if (strays > STRAYS_NAMED) {
            ignored.add("ignoring " + (strays - STRAYS_NAMED) + " more files that are not bundles or not regular files");
        }
    }

    /**
     * Whether this scan holds {@code name}: a bundle it takes, or what belongs to one, up to the
     * number counted for it (a file named as a volume created between the count and this listing
     * waits for the next scan; without that cap one listing could still hold any number of them).
     */
    private static boolean heldHere(String name, java.util.Set<String> keys, java.util.Set<String> taken, Map<String, Integer> belonging) {
        if (isKey(name)) {
            return taken.contains(name);
        }
        String owner = owner(name, keys);
        if (owner == null || !taken.contains(owner)) {
            return false;
        }
        return belonging.merge(owner, -1, Integer::sum) >= 0;
    }

    /**
     * The bundles (by their key name) this scan may take, in the order it takes them: the first
     * {@link #maxFiles} by name after {@link #resumeAfter}, then from the smallest name on. Holds
     * at most twice that many names however many the inbox has.
     */
    private java.util.Set<String> chooseKeys() {
        TreeSet<String> after = new TreeSet<>();
        TreeSet<String> before = new TreeSet<>();
        total = 0;
        try (DirectoryStream<Path> ds = listing()) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                String orphan = name.startsWith(".") ? null : listCopyBase(name);
                if (orphan != null) {
                    if (Files.exists(inbox.resolve(orphan), LinkOption.NOFOLLOW_LINKS)) {
                        continue; // its list's name is taken: the set's key is that name, counted by it
                    }
                    name = orphan; // a list kept beside an empty name: the set's key, counted once
                } else if (name.startsWith(".") || !isKey(name)) {
                    continue;
                }
                TreeSet<String> side = resumeAfter != null && name.compareTo(resumeAfter) <= 0 ? before : after;
                if (side.add(name) || orphan == null) {
                    total++;
                }
                if (side.size() > maxFiles) {
                    side.pollLast();
                }
            }
        } catch (IOException e) {
            throw AirlockException.local("cannot list the inbox " + inbox + ": " + e.getMessage(), e);
        }
        java.util.LinkedHashSet<String> keys = new java.util.LinkedHashSet<>(after);
        for (String k : before) {
            if (keys.size() >= maxFiles) {
                break;
            }
            keys.add(k);
        }
        return keys;
    }

    /** How many files belong to each of {@code keys} (its volumes, signature, report): one more listing, holding a number per key. */
    private Map<String, Integer> countBelonging(java.util.Set<String> keys) {
        return countBelonging(keys, p -> true);
    }

    /** The same, counting only the files {@code counted} accepts. */
    private Map<String, Integer> countBelonging(java.util.Set<String> keys, java.util.function.Predicate<Path> counted) {
        Map<String, Integer> counts = new HashMap<>();
        try (DirectoryStream<Path> ds = listing()) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (name.startsWith(".") || isKey(name) || !mayMatter(name)) {
                    continue;
                }
                String owner = owner(name, keys);
                if (owner != null && counted.test(p)) {
                    counts.merge(owner, 1, Integer::sum);
                }
            }
        } catch (IOException e) {
            throw AirlockException.local("cannot list the inbox " + inbox + ": " + e.getMessage(), e);
        }
        return counts;
    }

    /**
     * The sets among {@code keys} beside more files named as their volumes, signature or report than a
     * set can have, of which only the receivers' files are held (their number put in
     * {@code belonging}): those the receivers delivered. A stranger's 50,000 empty files named as
     * copies of a real set's volume made the set "not a set the exporter wrote", left where it was for
     * good, its channel behind it (red-team pass R, R4). One more listing, only when some set is over.
     */
    private java.util.Set<String> ownFilesOnly(java.util.Set<String> keys, Map<String, Integer> belonging, List<String> ignored) {
        java.util.Set<String> over = new java.util.HashSet<>();
        keys.stream().filter(k -> belonging.getOrDefault(k, 0) > MAX_BELONGING).forEach(over::add);
        if (over.isEmpty() || !receivers.known()) {
            return java.util.Set.of();
        }
        Map<String, Integer> own = countBelonging(over, receivers::theirs);
        java.util.Set<String> only = new java.util.HashSet<>();
        for (String k : over) {
            int n = own.getOrDefault(k, 0);
            if (n <= MAX_BELONGING) {
                ignored.add("ignoring " + (belonging.get(k) - n) + " files beside " + k + " named as its volumes, signature or report: they"
                        + " are another user's, and with them the set would have more than a set of at most " + VolumeList.MAX_VOLUMES
                        + " volumes has; only the " + n + " of the receivers' user (this watcher's, or the inbox's owner) are looked at (the others are left where they are)");
                belonging.put(k, n);
                only.add(k);
            }
        }
        return only;
    }

    /**
     * The bundles this scan takes, in {@code keys}' order, while the files held stay within
     * {@link #maxFiles} (the first is taken whatever its size), and where the next scan goes on. A
     * set beside more files named as its volumes than a set can have (a sender's empty files: no
     * quota counts them) is not a set the exporter wrote: it is named and left where it is, held by no scan.
     */
    private java.util.Set<String> take(java.util.Set<String> keys, Map<String, Integer> belonging, List<String> ignored) {
        java.util.Set<String> taken = new java.util.HashSet<>();
        String last = null;
        long held = 0;
        int looked = 0;
        for (String k : keys) {
            int belongs = belonging.getOrDefault(k, 0);
            if (belongs > MAX_BELONGING) {
                ignored.add("ignoring " + k + ": " + belongs + " files are named as its volumes, signature or report, more than a set of at most "
                        + VolumeList.MAX_VOLUMES + " volumes has (left where it is)");
            } else if (held > 0 && held + 1 + belongs > maxFiles) {
                break;
            } else {
                taken.add(k);
                held += 1 + belongs;
            }
            last = k;
            looked++;
        }
        if (looked < total) {
            lookedInRound += looked;
            more = lookedInRound < total;
            if (!more) {
                lookedInRound = 0; // every bundle was looked at once: the next scan begins a new round
            }
            resumeAfter = last;
            ignored.add("the inbox holds " + total + " bundles: this pass takes " + taken.size() + " of them (" + held
                    + " files) by name, the next pass the ones after " + last);
        } else {
            resumeAfter = null;
            lookedInRound = 0;
            more = false;
        }
        return taken;
    }

    /**
     * The next scan takes the bundles the last one took (those still there, and what came among
     * them) instead of going on after them: called after an import, which changed the inbox. Going
     * on, a real bundle beside a sender's forged one (taken first, then refused) waited a whole round
     * of scans, a poll interval each, behind each forged one (red-team pass J). Only a scan that
     * finds nothing to do moves the round on.
     */
    private DirectoryStream<Path> listing() throws IOException {
        listings++;
        return Files.newDirectoryStream(inbox);
    }

    /** Directory listings made so far (for tests that bound a scan's work without timing it). */
    long listings() {
        return listings;
    }

    void again() {
        resumeAfter = lastFrom;
        lookedInRound = lastRoundBefore;
        repeated = true;
    }

    /** The volumes of the set {@code listName} that its signed list says are not its own ({@link SignedCopies#forgedVolumes}); null: the list here is not signed. */
    SignedCopies.Forged forgedVolumes(String listName) {
        return signed.forgedVolumes(listName);
    }

    /** A bundle by its own name: {@code NAME.tar}, or a volume set's list {@code NAME.volumes.json}. */
    private static boolean isKey(String name) {
        return isSingle(name) || name.endsWith(VolumeList.SUFFIX);
    }

    /** A single-file bundle: {@code NAME.tar}, or one kept beside a taken name as {@code NAME.tar.conflict-SHA16}. */
    private static boolean isSingle(String name) {
        return name.endsWith(".tar") || CONFLICT.matcher(name).matches();
    }

    /**
     * The bundle among {@code keys} that {@code name} belongs to, or null: a set's signature and
     * volumes belong to its list {@code NAME.volumes.json} (never to a {@code NAME.tar}, which has
     * none), a report {@code NAME.report.md} to {@code NAME.tar}, else to the set {@code NAME.volumes.json}.
     */
    private static String owner(String name, java.util.Set<String> keys) {
        String list;
        if (SignedCopies.isCopy(name)) {
            String base = SignedCopies.base(name);
            return base.endsWith(VolumeList.SUFFIX) ? (keys.contains(base) ? base : null) : owner(base, keys);
        } else if (name.endsWith(ReportFile.SUFFIX)) {
            String stem = name.substring(0, name.length() - ReportFile.SUFFIX.length());
            list = keys.contains(stem + ".tar") ? stem + ".tar" : stem + VolumeList.SUFFIX;
        } else if (name.endsWith(VolumeList.SUFFIX + ".asc")) {
            list = name.substring(0, name.length() - 4);
        } else {
            Matcher m = VOLUME.matcher(name);
            list = m.matches() ? VolumeList.listName(m.group(1)) : null;
        }
        return list != null && keys.contains(list) ? list : null;
    }

    /**
     * The bundle's report {@code NAME.report.md}, when it lies here, goes with the bundle to
     * {@code done/} or {@code rejected/}; while it is still settling, so does the bundle (the import
     * checks it against bundle.json, and a half-copied report would be refused).
     */
    private Candidate withReport(Candidate c, Map<String, Stamp> stamps, Map<String, Boolean> settled, long nowNanos,
            java.util.Set<String> changing, List<String> ignored) {
        if (c.isSet() && c.files().size() == 1 && c.state() == State.READY) {
            return c; // a list tried alone (one no signature here verifies, or one that cannot be read): the report stays for its set
        }
        String bundle = c.isSet() ? c.key().substring(0, c.key().length() - VolumeList.SUFFIX.length()) + ".tar" : c.key();
        String report = ReportFile.nameFor(bundle);
        if (!stamps.containsKey(report)) {
            return c;
        }
        if (c.state() == State.READY && !settled.get(report) && changingTooLong(report, nowNanos, changing)) {
            ignored.add("ignoring " + report + ": still being written " + reportWaitNanos() / 1_000_000_000L + " s after its bundle " + c.key()
                    + " was complete, which a report of a few KiB never is (someone else's file under its name?): the bundle goes without"
                    + " it, and it is left where it is");
            return c;
        }
        List<Path> files = new ArrayList<>(c.files());
        files.add(inbox.resolve(report));
        List<Stamp> st = new ArrayList<>(c.stamps());
        st.add(stamps.get(report));
        boolean settling = c.state() == State.READY && !settled.get(report);
        return new Candidate(c.key(), c.open(), List.copyOf(files), List.copyOf(st), settling ? State.SETTLING : c.state(),
                settling ? report + " is still being written" : c.note(), c.arrivedMillis(), c.strays(), c.arrangement());
    }

    /**
     * Whether {@code report}, which its bundle would wait for, has been seen still being written for
     * longer than {@link #reportWaitNanos}. Its name is predictable: a stranger who kept writing to a
     * file under it held the bundle, complete and settled, for as long as he wrote, the log saying
     * nothing (red-team pass O). A report is no veto on its bundle, so it is not waited for for good.
     */
    private boolean changingTooLong(String report, long nowNanos, java.util.Set<String> changing) {
        changing.add(report);
        return nowNanos - reportsChanging.computeIfAbsent(report, k -> nowNanos) > reportWaitNanos();
    }

    /** How long a bundle waits for its report to settle: ten settle times, at least 5 s. */
    private long reportWaitNanos() {
        return Math.max(10 * settleNanos, 5_000_000_000L);
    }

    private Candidate single(String name, Map<String, Stamp> stamps, Map<String, Boolean> settled, BasicFileAttributes a) {
        Path p = inbox.resolve(name);
        boolean ok = settled.get(name);
        return new Candidate(name, p, List.of(p), List.of(stamps.get(name)), ok ? State.READY : State.SETTLING,
                ok ? null : name + " is still being written", arrived(p, a));
    }

    /**
     * A set by its list. Whether it has settled, and whether it is complete, is decided by the files
     * that are its own: the list, its signature and the volumes the list names. A file named as one
     * more volume that the list does not name (a stranger's: set names are predictable) is no part of
     * it: it moves with the set once settled, and is never waited for; waited for, a stranger's trickle
     * of new such names kept a complete set "still being written" for as long as it lasted (red-team pass L).
     */
    private Candidate set(String listName, Map<String, BasicFileAttributes> files, Map<String, Stamp> stamps,
            Map<String, Boolean> settled, Map<String, TreeSet<String>> volumesByBundle, java.util.NavigableMap<String, TreeSet<String>> copies) {
        String bundle = listName.substring(0, listName.length() - VolumeList.SUFFIX.length()) + ".tar";
        Path listPath = inbox.resolve(listName);
        String asc = listName + ".asc";
        long arrived = arrived(listPath, files.get(listName));
        // Asked while the file under the name changes too: the signed copy beside it, once found, does not wait on it (red-team pass O).
        SignedCopies.Pick pick = signed.pick(listName, files, settled, stamps, copies);
        if (pick != null) {
            return picked(listName, pick, stamps, settled, volumesByBundle.getOrDefault(bundle, new TreeSet<>()), arrived);
        }
        List<String> own = new ArrayList<>();
        own.add(listName);
        if (files.containsKey(asc)) {
            own.add(asc);
        }
        Shape list = null;
        if (settled.get(listName)) {
            list = shape(listName, listPath, files.get(listName), stamps.get(listName));
            if (list == UNREAD) {
                return unread(listName, listPath, stamps, arrived);
            }
            list = list != null && list.bundle().equals(bundle) ? list : null; // else the import refuses it, saying why
            if (signed.unsigned(listName, list != null, files, settled, stamps, copies)) {
                if (list != null) {
                    // A list of this set and a signature that does not verify it: either may be a stranger's, sent first under
                    // its name, the other's real copy still on the way (a first copy lost on a diode). Tried alone, the real list
                    // went to rejected/ and the real signature, arriving next, had none to verify (red-team pass N): it waits.
                    return new Candidate(listName, listPath, List.of(listPath), List.of(stamps.get(listName)), State.INCOMPLETE,
                            "volume set " + listName + " is incomplete: no signature here verifies its list against --trust (one sent"
                                    + " first under its name by someone else, the real one to come beside it; or a signer not in --trust)",
                            arrived);
                }
                return new Candidate(listName, listPath, List.of(listPath), List.of(stamps.get(listName)), State.READY, null, arrived);
            }
        }
        List<String> strays = new ArrayList<>();
        for (String v : volumesByBundle.getOrDefault(bundle, new TreeSet<>())) {
            if (list != null && listed(list, v)) {
                own.add(v);
            } else if (settled.get(v)) {
                strays.add(v);
            }
        }
        List<Path> paths = own.stream().map(inbox::resolve).toList();
        List<Stamp> st = own.stream().map(stamps::get).toList();
        List<Path> strayPaths = strays.stream().map(inbox::resolve).toList();
        String unsettled = own.stream().filter(n -> !settled.get(n)).findFirst().orElse(null);
        if (unsettled != null) {
            return new Candidate(listName, listPath, paths, st, State.SETTLING, unsettled + " is still being written", arrived, strayPaths);
        }
        String missing = list == null ? null : missing(list, files, asc);
        if (missing != null) {
            return new Candidate(listName, listPath, paths, st, State.INCOMPLETE, "volume set " + listName + " is incomplete: " + missing,
                    arrived, strayPaths);
        }
        return new Candidate(listName, listPath, paths, st, State.READY, null, arrived, strayPaths);
    }

    /**
     * A set whose list could not be read because other users' opens left waiting are at their bound:
     * neither tried nor judged. Tried, its list could be read by the import a moment later, beside a
     * stranger's signature a busy look could not tell from the real one's, and go to rejected/ whole
     * (red-team pass Y, R1); it is looked at again at the next listing.
     */
    private static Candidate unread(String listName, Path listPath, Map<String, Stamp> stamps, long arrived) {
        return new Candidate(listName, listPath, List.of(listPath), List.of(stamps.get(listName)), State.INCOMPLETE, "volume set " + listName
                + " waits: its list cannot be read now (other users' opens left waiting are at their bound); it is looked at again"
                + " at the next listing", arrived);
    }

    /**
     * A set whose lists all lie beside its list's name, nothing under it: the name's file went (a
     * stranger's list there, tried alone and rejected before the real one's signature came) after the
     * real list was kept beside it. Not looked at, the real list waited there for good with its set
     * (red-team pass N). The signed list decides as ever; with none here that verifies, the copies are
     * named and left where they are.
     */
    private Candidate besideEmptyName(String listName, Map<String, BasicFileAttributes> files, Map<String, Stamp> stamps,
            Map<String, Boolean> settled, Map<String, TreeSet<String>> volumesByBundle, java.util.NavigableMap<String, TreeSet<String>> copies,
            List<String> ignored) {
        String first = copies.get(listName).first();
        SignedCopies.Pick pick = signed.pick(listName, files, settled, stamps, copies);
        if (pick == null) {
            ignored.add("ignoring " + first + ": kept beside " + listName + ", which is not here, and no signature here verifies it"
                    + " (left where it is)");
            return null;
        }
        String bundle = listName.substring(0, listName.length() - VolumeList.SUFFIX.length()) + ".tar";
        return picked(listName, pick, stamps, settled, volumesByBundle.getOrDefault(bundle, new TreeSet<>()),
                arrived(inbox.resolve(first), files.get(first)));
    }

    /** The list's name a copy kept beside it was kept beside ({@code NAME.volumes.json}), or null when {@code name} is no such copy. */
    private static String listCopyBase(String name) {
        String base = SignedCopies.isCopy(name) ? SignedCopies.base(name) : null;
        return base != null && base.endsWith(VolumeList.SUFFIX) ? base : null;
    }

    /**
     * A set as its signed list made it ({@link SignedCopies}): its own files, some of them copies
     * kept beside its names; ready, it carries what must happen before its import (squatters set
     * aside, the chosen copies given their names). Unlisted volumes are strays, as in {@link #set}.
     */
    private Candidate picked(String listName, SignedCopies.Pick pick, Map<String, Stamp> stamps, Map<String, Boolean> settled,
            TreeSet<String> volumes, long arrived) {
        Path open = inbox.resolve(listName);
        List<Path> paths = pick.own().stream().map(inbox::resolve).toList();
        List<Stamp> st = pick.own().stream().map(stamps::get).toList();
        if (pick.waiting() != null) {
            long since = pick.waiting().arrivedMillis() == Long.MIN_VALUE ? arrived : pick.waiting().arrivedMillis();
            return new Candidate(listName, open, paths, st, State.SETTLING, pick.waiting().note(), since);
        }
        java.util.Set<String> listed = new java.util.HashSet<>();
        pick.list().volumes().forEach(v -> listed.add(v.name()));
        List<Path> strays = volumes.stream().filter(v -> !listed.contains(v) && settled.get(v)).map(inbox::resolve).toList();
        if (!pick.missing().isEmpty()) {
            int n = pick.list().volumes().size();
            List<String> m = pick.missing();
            return new Candidate(listName, open, paths, st, State.INCOMPLETE, "volume set " + listName + " is incomplete: " + (n - m.size())
                    + " of " + n + " volumes here; waiting for " + String.join(", ", m.subList(0, Math.min(3, m.size())))
                    + (m.size() > 3 ? " and " + (m.size() - 3) + " more" : ""), arrived, strays);
        }
        Arrangement a = new Arrangement(pick.squats(), pick.promote().stream().map(inbox::resolve).toList());
        return new Candidate(listName, open, paths, st, State.READY, null, arrived, strays, a);
    }

    /**
     * The copies kept beside a set's names ({@link SignedCopies#isCopy}) among {@code names}, by the
     * name each was kept beside: every one (the scan's bound holds how many names a listing takes).
     */
    private static java.util.NavigableMap<String, TreeSet<String>> copies(java.util.Collection<String> names) {
        java.util.NavigableMap<String, TreeSet<String>> out = new TreeMap<>();
        for (String name : names) {
            String base = SignedCopies.base(name);
            if (base != null) {
                out.computeIfAbsent(base, k -> new TreeSet<>()).add(name);
            }
        }
        return out;
    }

    /** Whether {@code name} ({@code BUNDLE.tar.NNN}) is one of the volumes {@code list} names. */
    private static boolean listed(Shape list, String name) {
        String digits = name.substring(list.bundle().length() + 1);
        if (digits.length() > 9) {
            return false;
        }
        int i = Integer.parseInt(digits);
        return i < list.count() && VolumeList.volumeName(list.bundle(), i, list.count()).equals(name);
    }

    /** What a set still lacks ("3 of 4 volumes here; waiting for …"), or null when every listed volume and the signature are here in full. */
    private static String missing(Shape list, Map<String, BasicFileAttributes> files, String asc) {
        List<String> missing = new ArrayList<>();
        for (int i = 0; i < list.count(); i++) {
            String name = VolumeList.volumeName(list.bundle(), i, list.count());
            BasicFileAttributes a = files.get(name);
            if (a == null) {
                missing.add(name);
            } else if (a.size() != list.size(i)) {
                missing.add(name + " (" + a.size() + " of " + list.size(i) + " bytes)");
            }
        }
        if (!files.containsKey(asc)) {
            missing.add(0, asc);
        }
        if (missing.isEmpty()) {
            return null;
        }
        int have = list.count() - (int) missing.stream().filter(n -> !n.equals(asc)).count();
        return have + " of " + list.count() + " volumes here; waiting for " + String.join(", ", missing.subList(0,
                Math.min(3, missing.size()))) + (missing.size() > 3 ? " and " + (missing.size() - 3) + " more" : "");
    }

    /**
     * The shape of the list {@code listName}, read only when its stamp differs from the last read's:
     * a list waits here for as long as its volumes are missing, and parsing a list of 50,000 volumes
     * (15 MB) on every scan was a second of CPU per 10 waiting lists on every scan (red-team pass I).
     * A list rewritten in place keeping size, mtime and inode is read as it was: the import checks it
     * in full whatever this says.
     */
    private Shape shape(String listName, Path listPath, BasicFileAttributes a, Stamp stamp) {
        ReadList before = lists.get(listName);
        if (before != null && before.stamp().equals(stamp)) {
            return before.shape();
        }
        Shape shape = null;
        if (a.size() <= VolumeList.MAX_BYTES) { // a larger one: the import names the problem
            try {
                VolumeList l = VolumeList.parse(BoundedFiles.read(listPath, BoundedFiles.VOLUME_LIST), listPath.toString());
                List<VolumeList.Volume> v = l.volumes();
                shape = new Shape(l.bundle(), v.size(), l.volumeSize(), v.get(v.size() - 1).size());
            } catch (AirlockException | IOException e) {
                // unreadable or not a list: null, and the import refuses it, saying why
                if (e.getCause() instanceof dev.airlock.io.UntrustedOpen.Busy) {
                    // other users' opens at their bound: no fact about the list, not remembered by its stamp (red-team pass Y, R1)
                    lists.remove(listName);
                    return UNREAD;
                }
            }
        }
        lists.put(listName, new ReadList(stamp, shape));
        return shape;
    }

    /** When the file came into the inbox: its status-change time (a rename sets it), else its modification time. */
    private static long arrived(Path p, BasicFileAttributes a) {
        try {
            Object ctime = Files.getAttribute(p, "unix:ctime", LinkOption.NOFOLLOW_LINKS);
            if (ctime instanceof java.nio.file.attribute.FileTime t) {
                return t.toMillis();
            }
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            // not a unix file system: the modification time will do
        }
        return a.lastModifiedTime().toMillis();
    }

    /** The stamps of {@code c}'s files now, to tell whether anything changed under it while it was imported. */
    static boolean unchanged(Candidate c) {
        for (int i = 0; i < c.files().size(); i++) {
            Path p = c.files().get(i);
            try {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                Stamp now = new Stamp(p.getFileName().toString(), a.size(), a.lastModifiedTime().toMillis(), a.fileKey());
                if (!Objects.equals(now, c.stamps().get(i))) {
                    return false;
                }
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }
}
