package dev.airlock.imports.inbox;

import dev.airlock.bundle.VolumeList;
import dev.airlock.crypto.TrustPolicy;
import dev.airlock.digest.Digest;
import dev.airlock.io.BoundedFiles;
import java.io.IOException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which copy of each of a volume set's names is the set's own, when the delivery rule kept other
 * bytes beside one of them ({@link dev.airlock.io.NoReplaceDelivery}: {@code NAME.conflict-SHA16}).
 * Set names are predictable, and a stranger who sends first under one of them (an empty
 * {@code NAME.tar.000}, a forged {@code NAME.volumes.json} or {@code .asc}) took the name from the
 * real file, which then lay beside it for good while the set waited or was refused whole (red-team
 * pass L3).
 *
 * <p>The signed list decides. The list and its signature are the pair, among the copies under the
 * names and beside them, whose signature verifies against the watcher's trusted keys (without trusted
 * keys, as in {@code inspect}, the first list that reads as this set's). Each volume it names is the
 * copy with the listed size and sha256; a copy is hashed only when its size is the listed one. Every
 * other copy looked at is a squatter: it goes to {@code rejected/} with a reason naming the name it
 * took, and the real copy takes the name ({@link SquatterMoves}), before the set is imported. Bounds:
 * the pair is looked for among every list and signature copy, oldest first, within a budget of work
 * a scan ({@link SignedPairSearch}); of a volume's copies only those named by its listed sha256 are
 * hashed, the others being of other bytes by their names; nothing here is read unless a copy lies
 * beside one of the set's names; what was verified and hashed is remembered by stamp.
 */
final class SignedCopies {
    /** A copy of a set's list, signature or volume kept beside its name: {@code BASE.conflict-SHA16}, {@code -2}, … */
    private static final Pattern COPY = Pattern.compile("(.+(?:\\.tar\\.\\d{3,}|" + Pattern.quote(VolumeList.SUFFIX)
            + "(?:\\.asc)?))\\.conflict-[0-9a-f]{16}(?:-\\d{1,9})?");
    private static final int REMEMBERED = 4096;

    /** A copy that is not the set's own: {@code name} is the name it took or was kept beside. */
    record Squat(Path file, String name, String why) {
    }

    /**
     * What the signed list chose: {@code own} the set's files (list, signature, volumes; some may be
     * copies), {@code squats} the other copies, {@code promote} the chosen copies that lie beside
     * their names, {@code missing} the listed names no copy here satisfies (empty: complete);
     * {@code waiting} non-null while the set cannot be taken yet (why, and since when).
     */
    record Pick(String listFile, VolumeList list, List<String> own, List<Squat> squats, List<String> promote, List<String> missing,
            Waiting waiting) {
    }

    /** Why a set cannot be taken yet, and when the file it waits on arrived ({@code Long.MIN_VALUE}: the set's list's time). */
    record Waiting(String note, long arrivedMillis) {
    }

    private final Path inbox;
    /** Whose files are the receivers' deliveries (red-team pass S, S1). */
    private final Receivers receivers;
    private final TrustPolicy trust;
    private final Map<String, Boolean> verified = lru();
    private final Map<String, String> hashes = lru();
    private final SignedPairSearch pairs = new SignedPairSearch();
    /** Since when (monotonic) each file under a set's name has been seen changing while the chosen copy lay beside it. */
    private final Map<String, Long> changingSince = lru();
    /** How long a file under a set's name may be seen changing before it is set aside as kept changing (red-team pass O, O3). */
    private final long keptChangingNanos;

    SignedCopies(Path inbox, TrustPolicy trust) {
        this(inbox, trust, java.time.Duration.ofSeconds(5));
    }

    /** {@code keptChanging}: how long a file under a set's name may change, the signed copy beside it, before it is set aside. */
    SignedCopies(Path inbox, TrustPolicy trust, java.time.Duration keptChanging) {
        this.inbox = inbox;
        this.receivers = Receivers.of(inbox);
        this.trust = trust;
        this.keptChangingNanos = keptChanging.toNanos();
    }

    private static <V> Map<String, V> lru() {
        return new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > REMEMBERED;
            }
        };
    }

    /** Whether {@code name} is a copy of a set's list, signature or volume kept beside its name. */
    static boolean isCopy(String name) {
        return COPY.matcher(name).matches();
    }

    /** The name {@code copy} was kept beside, or null when it is none of a set's. */
    static String base(String copy) {
        Matcher m = COPY.matcher(copy);
        return m.matches() ? m.group(1) : null;
    }

    /**
     * Searches, within one scan's budget, the list and signature files under and beside the names of
     * each set among {@code listNames} that has copies beside its names, for the pair that verifies
     * ({@link SignedPairSearch}); {@link #pick} then reads the outcome. Without trusted keys, nothing.
     * {@code roundEnds}: this scan ends a round of scans that took every bundle once (what a set's
     * search remembers lasts while its set is held once a round).
     */
    void search(java.util.Collection<String> listNames, Map<String, BasicFileAttributes> files, Map<String, Boolean> settled,
            Map<String, InboxScan.Stamp> stamps, java.util.NavigableMap<String, TreeSet<String>> copies,
            java.util.function.ToLongFunction<String> arrival, boolean roundEnds) {
        if (trust == null) {
            return;
        }
        List<SignedPairSearch.SetFiles> sets = new ArrayList<>();
        for (String listName : listNames) {
            if (hasCopies(listName, copies)) {
                sets.add(new SignedPairSearch.SetFiles(listName, candidates(listName, files, copies),
                        candidates(listName + ".asc", files, copies)));
            }
        }
        pairs.search(sets, stamps, settled, arrival, new SignedPairSearch.Checks() {
            @Override
            public String listSha(String listName, String file) {
                return SignedCopies.this.listSha(listName, file, files, true);
            }

            @Override
            public TrustPolicy.Claims claims(String asc) {
                try {
                    return trust.claims(BoundedFiles.read(inbox.resolve(asc), BoundedFiles.SIGNATURE));
                } catch (IOException | RuntimeException e) {
                    if (busy(e)) {
                        throw new SignedPairSearch.Unread();
                    }
                    return TrustPolicy.Claims.NONE;
                }
            }

            @Override
            public String fileSha(String asc) {
                try {
                    return Digest.sha256Of(BoundedFiles.read(inbox.resolve(asc), BoundedFiles.SIGNATURE)).hex();
                } catch (IOException | RuntimeException e) {
                    if (busy(e)) {
                        throw new SignedPairSearch.Unread();
                    }
                    return null;
                }
            }

            @Override
            public boolean verifies(String list, String asc) {
                Boolean v = SignedCopies.this.verifiesUnlessBusy(list, asc, stamps);
                if (v == null) {
                    throw new SignedPairSearch.Unread();
                }
                return v;
            }
        }, roundEnds);
    }

    /** Whether the last {@link #search} left a set's files to look at. */
    boolean searching() {
        return pairs.searching();
    }

    private static boolean hasCopies(String listName, java.util.NavigableMap<String, TreeSet<String>> copies) {
        String stem = listName.substring(0, listName.length() - VolumeList.SUFFIX.length());
        return !copies.subMap(stem, stem + Character.MAX_VALUE).isEmpty();
    }

    /**
     * The set of {@code listName} as its signed list makes it, or null when no copy lies beside any of
     * its names, or no list here verifies (the scan then takes the set by its names, as ever). With
     * trusted keys, the pair is this scan's {@link #search} outcome: while files are left to look at,
     * or one that may be the signed list is still being written, the set is settling.
     */
    Pick pick(String listName, Map<String, BasicFileAttributes> files, Map<String, Boolean> settled, Map<String, InboxScan.Stamp> stamps,
            java.util.NavigableMap<String, TreeSet<String>> copies) {
        if (!hasCopies(listName, copies)) {
            return null;
        }
        List<String> lists = candidates(listName, files, copies);
        List<String> ascs = candidates(listName + ".asc", files, copies);
        String[] pair = trust == null ? firstReadable(listName, lists, ascs, files) : searched(listName);
        List<String> arriving = new ArrayList<>(lists); // one may be the signed list: nothing is tried until all have settled
        arriving.addAll(ascs);
        arriving.removeIf(settled::get);
        if (pair == null) {
            SignedPairSearch.Outcome o = trust == null ? null : pairs.outcome(listName);
            if (o != null && o.unchecked() > 0) {
                return new Pick(listName, null, List.of(), List.of(), List.of(), List.of(), new Waiting(InboxScan.SEARCHING + " "
                        + listName + " among the " + lists.size() + " list and " + ascs.size() + " signature files under and beside its"
                        + " names, oldest first (" + o.unchecked() + " still to check)", o.oldestUnchecked()));
            }
            return arriving.isEmpty() ? null : new Pick(listName, null, List.copyOf(arriving), List.of(), List.of(), List.of(),
                    new Waiting("a file of " + listName + " (or a copy kept beside one of its names) is still being written", Long.MIN_VALUE));
        }
        if (trust != null && !stillFound(listName, pair, files)) {
            pairs.forget(listName); // rewritten in place since it was found: looked for again, from the start, at the next scan
            return new Pick(listName, null, List.of(pair[0], pair[1]), List.of(), List.of(), List.of(), new Waiting("a file of the signed"
                    + " pair of " + listName + " (" + pair[0] + ", " + pair[1] + ") changed since it was checked; looking again", Long.MIN_VALUE));
        }
        String[] delivered = {ownCopy(listName, pair[0], BoundedFiles.VOLUME_LIST), ownCopy(listName + ".asc", pair[1], BoundedFiles.SIGNATURE)};
        pair = new String[] {underItsName(listName, pair[0], delivered[0], files, settled, BoundedFiles.VOLUME_LIST),
                underItsName(listName + ".asc", pair[1], delivered[1], files, settled, BoundedFiles.SIGNATURE)};
        VolumeList list = readList(listName, pair[0], files);
        if (list == null) {
            return null; // changed since it was checked: the next scan looks again
        }
        // the copy the delivery rule named by the pair's bytes is waited for only when the file under the name is not of them
        for (String[] named : new String[][] {{listName, pair[0]}, {listName + ".asc", pair[1]},
                {pair[0].equals(listName) ? null : delivered[0], pair[0]}, {pair[1].equals(listName + ".asc") ? null : delivered[1], pair[1]}}) {
            if (named[0] != null && stillBeingWritten(named[0], named[1], files, settled)) {
                return new Pick(listName, null, List.of(named[0]), List.of(), List.of(), List.of(), new Waiting(named[0]
                        + " is still being written (a copy of its bytes, " + named[1] + ", lies beside it)", Long.MIN_VALUE));
            }
        }
        lists = inTheWay(listName, pair[0], lists, settled); // one still arriving beside a name is no squatter yet: the next listing sees it
        ascs = inTheWay(listName + ".asc", pair[1], ascs, settled);
        return volumes(listName, pair[0], pair[1], list, lists, ascs, files, settled, stamps, copies);
    }

    /**
     * Of {@code cands}, the ones to set aside besides the settled: the file under {@code name} when
     * the chosen copy lies beside it, settled or not. It cannot be the signed one, which is here in
     * full; left there while it changed, a stranger who kept writing to his file under a set's name
     * held the real set "still being written" for as long as he wrote (red-team pass O).
     */
    private List<String> inTheWay(String name, String chosen, List<String> cands, Map<String, Boolean> settled) {
        return cands.stream().filter(c -> settled.get(c) || c.equals(name) && !chosen.equals(name) && keptChanging(name)).toList();
    }

    /**
     * Whether the file under {@code name}, changing while {@code chosen} (a copy beside it, of the
     * set's signed pair) lies there in full, has been changing for less than {@link #keptChangingNanos}:
     * it may be the real file still arriving, of the bytes of a copy a stranger made of it as it
     * arrived (the inbox is readable) with its modification time set back so as to have settled first;
     * set aside at once, the real file went to rejected/ as a squatter and the stranger's copy, his
     * to change, took its name (red-team pass P, P3). It is waited for, then set aside if it goes on.
     */
    private boolean stillBeingWritten(String name, String chosen, Map<String, BasicFileAttributes> files, Map<String, Boolean> settled) {
        if (chosen.equals(name) || !files.containsKey(name) || settled.get(name)) {
            changingSince.remove(name);
            return false;
        }
        return !keptChanging(name);
    }

    /**
     * The first of a volume's candidates before {@code chosen} (the file under its name, then the copies
     * named by its listed sha256 in order) that is still being written, or null: it may be the real
     * volume, of which a stranger made {@code chosen} as it arrived (red-team pass P, P4).
     */
    private String arrivingBefore(List<String> cands, String chosen, Map<String, BasicFileAttributes> files, Map<String, Boolean> settled) {
        for (String c : cands) {
            if (c.equals(chosen)) {
                return null;
            }
            if (stillBeingWritten(c, chosen, files, settled) && !strangersBesideOwn(c, chosen)) {
                return c;
            }
        }
        return null;
    }

    /**
     * Whether {@code c} is a stranger's file and {@code chosen} the receivers' ({@link Receivers}: their
     * delivery, complete, of the listed bytes): then {@code c}, still being written, is no real copy on
     * its way and is not waited for. A stranger writing to his files before the chosen copy in turns
     * held the set 10 settle times for each (red-team pass R, R5).
     */
    private boolean strangersBesideOwn(String c, String chosen) {
        return receivers.known() && receivers.theirs(inbox.resolve(chosen)) && !receivers.theirs(inbox.resolve(c));
    }

    /** Whether the file under {@code name} has been seen changing for longer than {@link #keptChangingNanos}. */
    private boolean keptChanging(String name) {
        long now = System.nanoTime();
        return now - changingSince.computeIfAbsent(name, k -> now) > keptChangingNanos;
    }

    /**
     * Of the files of {@code chosen}'s bytes, the one delivered under {@code name}, else the copy the
     * delivery rule named by those bytes ({@code own}, {@link #ownCopy}), when settled; else
     * {@code chosen}. A stranger who can read the inbox may copy a real file as it arrives, his
     * copy's modification time set back so that it has settled first: chosen, it took the name (a file
     * he may still write before the import reads it) and the real one went aside (red-team pass P, P3, P4).
     * But the delivery rule kept {@code own} beside the name because the name then held other bytes:
     * a name's file holding its bytes now, and changed after it (status change time, which a writer
     * cannot set back), is a stranger's that he wrote them into; kept under the name, his inode went on
     * to be imported and the real file to rejected/ (red-team pass Q, Q1). {@code own} is kept then.
     */
    private String underItsName(String name, String chosen, String own, Map<String, BasicFileAttributes> files,
            Map<String, Boolean> settled, BoundedFiles.Rule rule) {
        boolean under = name.equals(chosen) || sameSettled(name, chosen, files, settled, rule);
        boolean beside = own != null && (own.equals(chosen) || sameSettled(own, chosen, files, settled, rule));
        String picked = under && beside ? (ownFirst(own, name) ? own : name) : under ? name : beside ? own : chosen;
        return receiversOf(picked, under ? name : null, beside ? own : null, chosen);
    }

    /**
     * {@code picked}, unless it is a stranger's and another of the files holding its bytes ({@code name},
     * {@code own}, {@code chosen}: null when not of them) is the receivers': then that one. A stranger
     * holding a list's name and the copy name its bytes give (pair[0] then the receivers' {@code -2})
     * had his file under the name kept over the receivers' copy (red-team pass T, T5).
     */
    private String receiversOf(String picked, String name, String own, String chosen) {
        if (!receivers.known() || receivers.theirs(inbox.resolve(picked))) {
            return picked;
        }
        for (String c : new String[] {name, own, chosen}) {
            if (c != null && receivers.theirs(inbox.resolve(c))) {
                return c;
            }
        }
        return picked;
    }

    /** Whether {@code c}, settled, holds {@code chosen}'s bytes. */
    private boolean sameSettled(String c, String chosen, Map<String, BasicFileAttributes> files, Map<String, Boolean> settled,
            BoundedFiles.Rule rule) {
        return files.containsKey(c) && settled.get(c) && files.get(c).size() == files.get(chosen).size() && sameBytes(c, chosen, rule);
    }

    /**
     * Whether {@code own}, the copy the delivery rule named by the bytes that the file under {@code name}
     * holds too, is the one to keep: the one of the two the receivers own ({@link Receivers}) when the other is
     * another's (the receivers that deliver run as it; a stranger's file is his own), else the one there
     * before the other last changed. Status change times alone do not tell: an admin's chmod or chown
     * of the real file under its name made it newer than a stranger's copy of it beside it.
     */
    private boolean ownFirst(String own, String name) {
        boolean o = receivers.theirs(inbox.resolve(own));
        if (o != receivers.theirs(inbox.resolve(name))) {
            return o;
        }
        return changed(own) < changed(name);
    }

    /** When {@code file} last changed (its status change time, in nanoseconds), or {@code Long.MAX_VALUE} when it cannot be told. */
    private long changed(String file) {
        try {
            Object t = java.nio.file.Files.getAttribute(inbox.resolve(file), "unix:ctime", LinkOption.NOFOLLOW_LINKS);
            if (t instanceof java.nio.file.attribute.FileTime ft) {
                return ft.to(java.util.concurrent.TimeUnit.NANOSECONDS);
            }
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            // not a unix file system, or gone: as given
        }
        return Long.MAX_VALUE;
    }

    /** The name the delivery rule gives a copy of {@code chosen}'s bytes kept beside {@code name}, or null when it cannot be read. */
    private String ownCopy(String name, String chosen, BoundedFiles.Rule rule) {
        try {
            return name + ".conflict-" + Digest.sha256Of(BoundedFiles.read(inbox.resolve(chosen), rule)).hex().substring(0, 16);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private boolean sameBytes(String a, String b, BoundedFiles.Rule rule) {
        try {
            return java.util.Arrays.equals(BoundedFiles.read(inbox.resolve(a), rule), BoundedFiles.read(inbox.resolve(b), rule));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static List<String> withSettled(List<String> names, Map<String, Boolean> settled) {
        return names.stream().filter(settled::get).toList();
    }

    /**
     * Whether the pair the search found still holds the bytes it was found with. A stamp is a file's
     * size, modification time and inode: a stranger who rewrites his own copy with other bytes of the
     * same size, its modification time set back, is not seen to change it, and his copy, paired while
     * it held the real list's bytes, was chosen holding his own (red-team pass Q, Q1b).
     */
    private boolean stillFound(String listName, String[] pair, Map<String, BasicFileAttributes> files) {
        SignedPairSearch.Outcome o = pairs.outcome(listName);
        String asc;
        try {
            asc = Digest.sha256Of(BoundedFiles.read(inbox.resolve(pair[1]), BoundedFiles.SIGNATURE)).hex();
        } catch (IOException | RuntimeException e) {
            return false;
        }
        return o != null && java.util.Objects.equals(o.listSha(), listSha(listName, pair[0], files)) && asc.equals(o.ascSha());
    }

    /** The pair this scan's search found for {@code listName}, or null. */
    private String[] searched(String listName) {
        SignedPairSearch.Outcome o = pairs.outcome(listName);
        return o != null && o.found() ? new String[] {o.list(), o.asc()} : null;
    }

    /** Without trusted keys (as inspect): the first list that reads as this set's, and the first signature, once all have settled. */
    private String[] firstReadable(String listName, List<String> lists, List<String> ascs, Map<String, BasicFileAttributes> files) {
        if (ascs.isEmpty()) {
            return null;
        }
        for (String l : lists) {
            if (readList(listName, l, files) != null) {
                return new String[] {l, ascs.get(0)};
            }
        }
        return null;
    }

    /**
     * Whether the list under {@code listName} is one that no signature here verifies against the
     * trusted keys (every signature here settled): such a list is tried, and refused, alone, and the
     * volumes and signatures beside it stay for the list that names them. Taken with it, a stranger's
     * list sent first under a set's name took the real volumes and signature to {@code rejected/} as
     * soon as they had settled, before the real list (sent last) came (red-team pass L3). A list that
     * reads as this set's and has no signature yet waits for it, as ever; without trusted keys, never.
     * With copies beside the set's names, the search has checked every pair ({@link #pick} was null).
     */
    boolean unsigned(String listName, boolean readable, Map<String, BasicFileAttributes> files, Map<String, Boolean> settled,
            Map<String, InboxScan.Stamp> stamps, java.util.NavigableMap<String, TreeSet<String>> copies) {
        if (trust == null) {
            return false;
        }
        List<String> ascs = candidates(listName + ".asc", files, copies);
        if (!ascs.stream().allMatch(settled::get) || ascs.isEmpty() && readable) {
            return false;
        }
        if (files.get(listName).size() > VolumeList.MAX_BYTES || hasCopies(listName, copies)) {
            return true;
        }
        for (String a : ascs) {
            if (Boolean.TRUE.equals(verifiesUnlessBusy(listName, a, stamps))) {
                return false;
            }
        }
        // Not told now (busy): as unsigned, so a readable list waits (INCOMPLETE) and is never tried beside a signature not
        // seen to verify it; nothing is remembered of the busy look (red-team pass Y, R1).
        return true;
    }

    private Pick volumes(String listName, String l, String a, VolumeList list, List<String> lists, List<String> ascs,
            Map<String, BasicFileAttributes> files, Map<String, Boolean> settled, Map<String, InboxScan.Stamp> stamps,
            Map<String, TreeSet<String>> copies) {
        List<String> own = new ArrayList<>(List.of(l, a));
        List<Squat> squats = new ArrayList<>();
        List<String> promote = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        Waiting waiting = null;
        String signed = "the list " + listName + " signed by a trusted key (" + l + ")";
        choose(listName, l, lists, squats, promote, "not the list of this set signed by a trusted key, which is " + l);
        choose(listName + ".asc", a, ascs, squats, promote, "not the signature that verifies " + signed + ", which is " + a);
        for (VolumeList.Volume v : list.volumes()) {
            List<String> cands = volumeCandidates(v, files, copies, c -> !receivers.known() || receivers.theirs(inbox.resolve(c)));
            boolean alone = !copies.containsKey(v.name()); // no copy beside it: the name's file, unhashed (the import checks it)
            String chosen = alone ? null : matching(v, withSettled(cands, settled), files, stamps);
            chosen = chosen != null && chosen.equals(v.name()) ? keptBeside(v, cands, files, settled, stamps) : chosen;
            chosen = chosen == null ? null : receiversFirst(v, chosen, cands, files, settled, stamps);
            if (chosen == null && cands.stream().anyMatch(c -> !settled.get(c))) {
                waiting = new Waiting("a volume of " + listName + " (or its copy kept beside its name) is still being written", Long.MIN_VALUE);
                continue;
            }
            if (alone) {
                chosen = cands.isEmpty() || files.get(v.name()).size() != v.size() ? null : v.name();
            }
            if (chosen == null) {
                missing.add(v.name() + (cands.isEmpty() ? "" : alone ? " (" + files.get(v.name()).size() + " of " + v.size() + " bytes)"
                        : " (no copy here has its listed size and sha256)"));
                continue;
            }
            String earlier = arrivingBefore(cands, chosen, files, settled);
            if (earlier != null) {
                waiting = new Waiting(earlier + " is still being written (a copy of its listed size and sha256, " + chosen
                        + ", lies beside it)", Long.MIN_VALUE);
                continue;
            }
            own.add(chosen);
            List<String> others = inTheWay(v.name(), chosen, candidates(v.name(), files, copies), settled);
            choose(v.name(), chosen, others, squats, promote, "not of the size and sha256 (" + v.size() + " bytes, " + v.digest()
                    + ") that " + signed + " gives " + v.name() + ", which " + chosen + " has");
        }
        return new Pick(l, list, List.copyOf(own), List.copyOf(squats), List.copyOf(promote), List.copyOf(missing), waiting);
    }

    /** Records {@code chosen} as {@code name}'s own copy: every other candidate is a squatter, and a chosen copy takes the name. */
    private void choose(String name, String chosen, List<String> cands, List<Squat> squats, List<String> promote, String why) {
        for (String c : cands) {
            if (!c.equals(chosen)) {
                squats.add(new Squat(inbox.resolve(c), name, (c.equals(name) ? "squatted " + name : "a copy kept beside " + name)
                        + ": " + why));
            }
        }
        if (!chosen.equals(name)) {
            promote.add(chosen);
        }
    }

    /** The file under {@code name} (if here) and every copy kept beside it. */
    private static List<String> candidates(String name, Map<String, BasicFileAttributes> files, Map<String, TreeSet<String>> copies) {
        List<String> out = new ArrayList<>();
        if (files.containsKey(name)) {
            out.add(name);
        }
        out.addAll(copies.getOrDefault(name, new TreeSet<>()));
        return out;
    }

    /**
     * The files that may be volume {@code v}: the one under its name, and the copies the delivery rule
     * named by the listed sha256 ({@code NAME.conflict-} and its first 16 hex digits, then {@code -2},
     * …). Every other copy beside the name was named by other bytes, so it is not the volume: it is
     * never hashed (a stranger's copies of the listed size cost nothing but a listing), and it is set
     * aside as a squatter. Looked at by name up to a fixed count, a stranger's copies that sorted
     * first kept the real volume from ever being chosen (red-team pass N). A copy numbered past 100
     * (the delivery rule's number drawn at random once the first 100 are taken) is one only when this
     * watcher's user owns it (the receivers deliver as it): a stranger's sparse files of the listed
     * size under such numbers were each hashed before the real one was reached (red-team pass R, R1b).
     */
    private static List<String> volumeCandidates(VolumeList.Volume v, Map<String, BasicFileAttributes> files,
            Map<String, TreeSet<String>> copies, java.util.function.Predicate<String> own) {
        String hex = v.digest().substring(v.digest().indexOf(':') + 1);
        String named = v.name() + ".conflict-" + hex.substring(0, Math.min(16, hex.length()));
        List<String> out = new ArrayList<>();
        if (files.containsKey(v.name())) {
            out.add(v.name());
        }
        for (String c : copies.getOrDefault(v.name(), new TreeSet<>()).subSet(named, true, named + Character.MAX_VALUE, true)) {
            if (c.equals(named) || c.startsWith(named + "-") && (numbered(c.substring(named.length() + 1)) <= 100 || own.test(c))) {
                out.add(c); // -2 … -100, or one past them that is the receivers'
            }
        }
        return out;
    }

    /** The number a copy's name ends with ({@code -N}); past 100 when it is not one. */
    private static long numbered(String n) {
        return n.matches("\\d{1,9}") ? Long.parseLong(n) : Long.MAX_VALUE;
    }

    /**
     * The volume's file under its name (of the listed size and sha256), unless the copy the delivery rule
     * named by the listed sha256 is of them too and was there before the name's file last changed: the
     * rule kept it beside the name because the name then held other bytes, which a stranger holding the
     * name has since replaced with the real volume's, in his own file (red-team pass Q, Q1).
     */
    private String keptBeside(VolumeList.Volume v, List<String> cands, Map<String, BasicFileAttributes> files, Map<String, Boolean> settled,
            Map<String, InboxScan.Stamp> stamps) {
        String hex = v.digest().substring(v.digest().indexOf(':') + 1);
        String own = v.name() + ".conflict-" + hex.substring(0, Math.min(16, hex.length()));
        if (!cands.contains(own) || !settled.get(own) || !ownFirst(own, v.name())) {
            return v.name();
        }
        return own.equals(matching(v, List.of(own), files, stamps)) ? own : v.name();
    }

    /**
     * {@code chosen}, unless it is a stranger's and a settled candidate of the receivers' ({@link Receivers})
     * has the listed size and sha256 too: then the first such. A stranger holding a volume's name and the
     * copy name its listed sha256 gives (the list is readable) had the real volume delivered as
     * {@code -2}; his file under the name, of its bytes copied from the inbox, was the first candidate
     * with them, and the receivers' real copy went to rejected/ as a squatter (red-team pass T, T5).
     * Only the receivers' files are hashed for it: no one else can add to them.
     */
    private String receiversFirst(VolumeList.Volume v, String chosen, List<String> cands, Map<String, BasicFileAttributes> files,
            Map<String, Boolean> settled, Map<String, InboxScan.Stamp> stamps) {
        if (!receivers.known() || receivers.theirs(inbox.resolve(chosen))) {
            return chosen;
        }
        String own = matching(v, withSettled(cands, settled).stream().filter(c -> receivers.theirs(inbox.resolve(c))).toList(), files, stamps);
        return own != null ? own : chosen;
    }

    /** The first candidate of the listed size whose sha256 is the listed one; only those of that size are hashed. */
    private String matching(VolumeList.Volume v, List<String> cands, Map<String, BasicFileAttributes> files,
            Map<String, InboxScan.Stamp> stamps) {
        for (String c : cands) {
            if (files.get(c).size() != v.size()) {
                continue;
            }
            String key = stamps.get(c).toString();
            String hex = hashes.get(key);
            if (hex == null) {
                try {
                    hex = Digest.sha256OfAtMost(inbox.resolve(c), v.size(), LinkOption.NOFOLLOW_LINKS).toString();
                } catch (IOException e) {
                    continue; // gone or unreadable: not this one
                }
                hashes.put(key, hex);
            }
            if (hex.equals(v.digest())) {
                return c;
            }
        }
        return null;
    }

    /**
     * What {@link #forgedVolumes} found: the squatters, and whether a volume could not be told (gone,
     * not a regular file, or the receivers' own and unreadable) since the import read it.
     */
    record Forged(List<Squat> squats, boolean unsure) {
    }

    /**
     * The volumes under the names {@code listName}'s signed list gives whose size or sha256 is not the
     * listed one (each as a squatter of its name), read after the import refused the set for a digest or a size;
     * null when the list and its signature here do not verify against the trusted keys (the set is
     * then refused whole, as ever). A stranger's file of the listed size under a volume's name, with
     * the real one lost on the way, took the whole real set to rejected/ with it (red-team pass N).
     * A volume that cannot be read here is no reason to find none ({@link #forgedVolume}).
     */
    Forged forgedVolumes(String listName) {
        if (trust == null) {
            return null;
        }
        VolumeList list;
        try {
            byte[] json = BoundedFiles.read(inbox.resolve(listName), BoundedFiles.VOLUME_LIST);
            trust.verify(json, BoundedFiles.read(inbox.resolve(listName + ".asc"), BoundedFiles.SIGNATURE), listName);
            list = VolumeList.parse(json, listName);
            if (!VolumeList.listName(list.bundle()).equals(listName)) {
                return null;
            }
        } catch (IOException | RuntimeException e) {
            // busy (other users' opens left waiting at their bound): no fault of the set's, which is tried again (X, R5)
            return busy(e) ? new Forged(List.of(), true) : null;
        }
        List<Squat> out = new ArrayList<>();
        boolean unsure = false;
        for (VolumeList.Volume v : list.volumes()) {
            Squat s = forgedVolume(listName, v);
            if (s == UNSURE) {
                unsure = true;
            } else if (s != null) {
                out.add(s);
            }
        }
        return new Forged(List.copyOf(out), unsure);
    }

    /**
     * Whether {@code e} is (or was caused by) {@link dev.airlock.io.UntrustedOpen.Busy}: another user's
     * file not opened because opens of other users' files left waiting are at their bound. A real set a
     * user copied in is another user's; read so while a stranger's FIFOs held the bound, its list
     * counted as one that does not verify, and the whole set went to rejected/ (red-team pass X, R5).
     */
    private static boolean busy(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof dev.airlock.io.UntrustedOpen.Busy) {
                return true;
            }
        }
        return false;
    }

    /** {@link #forgedVolume}'s answer for a volume it cannot tell. */
    private static final Squat UNSURE = new Squat(null, null, null);

    /**
     * {@code v}'s file under its name as a squatter when it is not of the listed size and sha256, or
     * when it is another user's ({@link Receivers}) that this watcher cannot read; null when it has
     * the listed bytes, unless it is another user's beside the receivers' list: the import, which
     * found a volume of other bytes, read it holding them (a stranger who knew the listed bytes, the
     * list there to check a guess against, wrote others only while the import hashed: every volume
     * then read as listed, and the real set went to rejected/ whole, red-team pass V, V2); {@link #UNSURE} when it is gone, not a regular file, or the receivers' own and
     * unreadable (a local fault). A stranger's unreadable file (his, mode 0600) beside one of other
     * bytes under another volume's name ended the look at the first, and no squatter found, the whole
     * real set went to rejected/ (red-team pass U, U1).
     */
    private Squat forgedVolume(String listName, VolumeList.Volume v) {
        Path p = inbox.resolve(v.name());
        String listed = "the size and sha256 (" + v.size() + " bytes, " + v.digest() + ") that the list " + listName
                + " signed by a trusted key gives it";
        BasicFileAttributes a;
        try {
            a = java.nio.file.Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | RuntimeException e) {
            return UNSURE; // gone: the set waits for it
        }
        if (!a.isRegularFile()) {
            return UNSURE;
        }
        try {
            if (a.size() == v.size() && Digest.sha256OfAtMost(p, v.size(), LinkOption.NOFOLLOW_LINKS).toString().equals(v.digest())) {
                return receivers.stranger(p) && !receivers.stranger(inbox.resolve(listName)) ? new Squat(p, v.name(), "squatted "
                        + v.name() + ": another user's file under a name of the volume set " + listName + ", of " + listed
                        + " now but not when the import read it (his to change; the receivers' files are not)") : null;
            }
        } catch (IOException | RuntimeException e) {
            return !busy(e) && receivers.stranger(p) ? new Squat(p, v.name(), "squatted " + v.name() + ": another user's file that this watcher"
                    + " cannot read (" + e.getClass().getSimpleName() + "), under a name of the volume set " + listName
                    + ", which must hold " + listed) : UNSURE;
        }
        return new Squat(p, v.name(), "squatted " + v.name() + ": not of " + listed + " (a stranger's file, or a damaged copy)");
    }

    /** The sha256 (hex) of {@code file} when it reads as the list of this set, or null (too large, unreadable, another set's). */
    private String listSha(String listName, String file, Map<String, BasicFileAttributes> files) {
        return listSha(listName, file, files, false);
    }

    /** {@link #listSha(String, String, Map)}; {@code searching}: a busy read throws {@link SignedPairSearch.Unread}. */
    private String listSha(String listName, String file, Map<String, BasicFileAttributes> files, boolean searching) {
        if (files.get(file).size() > VolumeList.MAX_BYTES) {
            return null;
        }
        try {
            byte[] json = BoundedFiles.read(inbox.resolve(file), BoundedFiles.VOLUME_LIST);
            VolumeList l = VolumeList.parse(json, file);
            return VolumeList.listName(l.bundle()).equals(listName) ? Digest.sha256Of(json).hex() : null;
        } catch (IOException | RuntimeException e) {
            if (searching && busy(e)) {
                throw new SignedPairSearch.Unread(); // no fact about the file: the search looks at it again (red-team pass Y, R1)
            }
            return null;
        }
    }

    /** {@code file} read as the list of this set, or null (too large, unreadable, another set's). */
    private VolumeList readList(String listName, String file, Map<String, BasicFileAttributes> files) {
        if (files.get(file).size() > VolumeList.MAX_BYTES) {
            return null;
        }
        try {
            VolumeList l = VolumeList.parse(BoundedFiles.read(inbox.resolve(file), BoundedFiles.VOLUME_LIST), file);
            return VolumeList.listName(l.bundle()).equals(listName) ? l : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Whether the signature {@code asc} verifies the list {@code list} against the trusted keys; without any, whether one is here. */
    private boolean verifies(String list, String asc, Map<String, InboxScan.Stamp> stamps) {
        return Boolean.TRUE.equals(verifiesUnlessBusy(list, asc, stamps));
    }

    /**
     * {@link #verifies}, or null when a file could not be read because other users' opens left waiting
     * are at their bound (busy): that is no fact about the files, and is not remembered. Remembered by
     * their stamps as a pair that does not verify, a user's real set looked at while a stranger's FIFOs
     * held the bound was, once he let go, a list no signature verifies: tried alone, and moved to done/
     * alone, its signature and volumes left in the inbox (red-team pass Y, R1).
     */
    private Boolean verifiesUnlessBusy(String list, String asc, Map<String, InboxScan.Stamp> stamps) {
        if (trust == null) {
            return true;
        }
        String key = stamps.get(list) + "\0" + stamps.get(asc);
        Boolean known = verified.get(key);
        if (known != null) {
            return known;
        }
        boolean ok;
        try {
            // the signature first (at most 1 MiB): busy, it is found so before a list of up to 32 MiB is read for nothing
            byte[] sig = BoundedFiles.read(inbox.resolve(asc), BoundedFiles.SIGNATURE);
            byte[] json = BoundedFiles.read(inbox.resolve(list), BoundedFiles.VOLUME_LIST);
            trust.verify(json, sig, list);
            ok = true;
        } catch (IOException | RuntimeException e) {
            if (busy(e)) {
                return null;
            }
            ok = false;
        }
        verified.put(key, ok);
        return ok;
    }

}
