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
 * {@link #MAX_COPIES} copies per name are looked at (the rest are named by the scan and left where they
 * are); nothing here is read unless a copy lies beside one of the set's names; what was verified and
 * hashed is remembered by stamp, a bounded number of each.
 */
final class SignedCopies {
    /** A copy of a set's list, signature or volume kept beside its name: {@code BASE.conflict-SHA16}, {@code -2}, … */
    private static final Pattern COPY = Pattern.compile("(.+(?:\\.tar\\.\\d{3,}|" + Pattern.quote(VolumeList.SUFFIX)
            + "(?:\\.asc)?))\\.conflict-[0-9a-f]{16}(?:-\\d{1,3})?");
    /** Copies looked at beside one name. */
    static final int MAX_COPIES = 4;
    private static final int REMEMBERED = 4096;

    /** A copy that is not the set's own: {@code name} is the name it took or was kept beside. */
    record Squat(Path file, String name, String why) {
    }

    /**
     * What the signed list chose: {@code own} the set's files (list, signature, volumes; some may be
     * copies), {@code squats} the other copies, {@code promote} the chosen copies that lie beside
     * their names, {@code missing} the listed names no copy here satisfies (empty: complete).
     */
    record Pick(String listFile, VolumeList list, List<String> own, List<Squat> squats, List<String> promote, List<String> missing,
            boolean settling) {
    }

    private final Path inbox;
    private final TrustPolicy trust;
    private final Map<String, Boolean> verified = lru();
    private final Map<String, String> hashes = lru();

    SignedCopies(Path inbox, TrustPolicy trust) {
        this.inbox = inbox;
        this.trust = trust;
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
     * The set of {@code listName} as its signed list makes it, or null when no copy lies beside any of
     * its names, or no list here verifies (the scan then takes the set by its names, as ever).
     * {@code copies}: the copies here by the name they were kept beside, at most {@link #MAX_COPIES} each.
     */
    Pick pick(String listName, Map<String, BasicFileAttributes> files, Map<String, Boolean> settled, Map<String, InboxScan.Stamp> stamps,
            java.util.NavigableMap<String, TreeSet<String>> copies) {
        String stem = listName.substring(0, listName.length() - VolumeList.SUFFIX.length());
        if (copies.subMap(stem, stem + Character.MAX_VALUE).isEmpty()) {
            return null;
        }
        List<String> lists = candidates(listName, files, copies);
        List<String> ascs = candidates(listName + ".asc", files, copies);
        if (!lists.stream().allMatch(settled::get) || !ascs.stream().allMatch(settled::get)) {
            List<String> arriving = new ArrayList<>(lists); // one may be the signed list: nothing is tried until all have settled
            arriving.addAll(ascs);
            return new Pick(listName, null, List.copyOf(arriving), List.of(), List.of(), List.of(), true);
        }
        for (String l : lists) {
            for (String a : ascs) {
                VolumeList list = verifies(l, a, stamps) ? readList(listName, l, files) : null; // only a signed list is parsed
                if (list != null) {
                    return volumes(listName, l, a, list, lists, ascs, files, settled, stamps, copies);
                }
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
     */
    boolean unsigned(String listName, boolean readable, Map<String, BasicFileAttributes> files, Map<String, Boolean> settled,
            Map<String, InboxScan.Stamp> stamps, Map<String, TreeSet<String>> copies) {
        if (trust == null) {
            return false;
        }
        List<String> ascs = candidates(listName + ".asc", files, copies);
        if (!ascs.stream().allMatch(settled::get) || ascs.isEmpty() && readable) {
            return false;
        }
        return files.get(listName).size() > VolumeList.MAX_BYTES || ascs.stream().noneMatch(a -> verifies(listName, a, stamps));
    }

    private Pick volumes(String listName, String l, String a, VolumeList list, List<String> lists, List<String> ascs,
            Map<String, BasicFileAttributes> files, Map<String, Boolean> settled, Map<String, InboxScan.Stamp> stamps,
            Map<String, TreeSet<String>> copies) {
        List<String> own = new ArrayList<>(List.of(l, a));
        List<Squat> squats = new ArrayList<>();
        List<String> promote = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        boolean settling = false;
        String signed = "the list " + listName + " signed by a trusted key (" + l + ")";
        choose(listName, l, lists, squats, promote, "not the list of this set signed by a trusted key, which is " + l);
        choose(listName + ".asc", a, ascs, squats, promote, "not the signature that verifies " + signed + ", which is " + a);
        for (VolumeList.Volume v : list.volumes()) {
            List<String> cands = withNamedCopy(v, candidates(v.name(), files, copies), files);
            if (cands.stream().anyMatch(c -> !settled.get(c))) {
                settling = true;
                continue;
            }
            boolean alone = !copies.containsKey(v.name()); // no copy beside it: the name's file, unhashed (the import checks it)
            String chosen = alone ? (cands.isEmpty() || files.get(v.name()).size() != v.size() ? null : v.name())
                    : matching(v, cands, files, stamps);
            if (chosen == null) {
                missing.add(v.name() + (cands.isEmpty() ? "" : alone ? " (" + files.get(v.name()).size() + " of " + v.size() + " bytes)"
                        : " (no copy here has its listed size and sha256)"));
                continue;
            }
            own.add(chosen);
            choose(v.name(), chosen, cands, squats, promote, "not of the size and sha256 (" + v.size() + " bytes, " + v.digest()
                    + ") that " + signed + " gives " + v.name() + ", which " + chosen + " has");
        }
        return new Pick(l, list, List.copyOf(own), List.copyOf(squats), List.copyOf(promote), List.copyOf(missing), settling);
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

    /** The file under {@code name} (if here) and the copies beside it (at most {@link #MAX_COPIES}, by name). */
    private static List<String> candidates(String name, Map<String, BasicFileAttributes> files, Map<String, TreeSet<String>> copies) {
        List<String> out = new ArrayList<>();
        if (files.containsKey(name)) {
            out.add(name);
        }
        out.addAll(copies.getOrDefault(name, new TreeSet<>()));
        return out;
    }

    /**
     * {@code cands} and, when it lies here past the first {@link #MAX_COPIES}, the copy the delivery rule
     * names by the listed sha256 ({@code NAME.conflict-} and its first 16 hex digits): a stranger's copies
     * choose their names (by their bytes), and four that sort before the real one kept it from ever being
     * looked at (red-team pass N).
     */
    private static List<String> withNamedCopy(VolumeList.Volume v, List<String> cands, Map<String, BasicFileAttributes> files) {
        String hex = v.digest().substring(v.digest().indexOf(':') + 1);
        String named = v.name() + ".conflict-" + hex.substring(0, Math.min(16, hex.length()));
        if (cands.contains(named) || !files.containsKey(named)) {
            return cands;
        }
        List<String> out = new ArrayList<>(cands);
        out.add(named);
        return out;
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
                    hex = Digest.sha256Of(inbox.resolve(c), LinkOption.NOFOLLOW_LINKS).toString();
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
     * The volumes under the names {@code listName}'s signed list gives whose size or sha256 is not the
     * listed one (each as a squatter of its name), read after the import refused the set for a digest;
     * empty when the list and its signature here do not verify against the trusted keys (the set is
     * then refused whole, as ever). A stranger's file of the listed size under a volume's name, with
     * the real one lost on the way, took the whole real set to rejected/ with it (red-team pass N).
     */
    List<Squat> forgedVolumes(String listName) {
        if (trust == null) {
            return List.of();
        }
        try {
            byte[] json = BoundedFiles.read(inbox.resolve(listName), BoundedFiles.VOLUME_LIST);
            trust.verify(json, BoundedFiles.read(inbox.resolve(listName + ".asc"), BoundedFiles.SIGNATURE), listName);
            VolumeList list = VolumeList.parse(json, listName);
            if (!VolumeList.listName(list.bundle()).equals(listName)) {
                return List.of();
            }
            List<Squat> out = new ArrayList<>();
            for (VolumeList.Volume v : list.volumes()) {
                Path p = inbox.resolve(v.name());
                BasicFileAttributes a = java.nio.file.Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if (a.isRegularFile() && (a.size() != v.size() || !Digest.sha256Of(p, LinkOption.NOFOLLOW_LINKS).toString().equals(v.digest()))) {
                    out.add(new Squat(p, v.name(), "squatted " + v.name() + ": not of the size and sha256 (" + v.size() + " bytes, "
                            + v.digest() + ") that the list " + listName + " signed by a trusted key gives it (a stranger's file, or a damaged copy)"));
                }
            }
            return out;
        } catch (IOException | RuntimeException e) {
            return List.of();
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
        if (trust == null) {
            return true;
        }
        String key = stamps.get(list) + "\0" + stamps.get(asc);
        return verified.computeIfAbsent(key, k -> {
            try {
                byte[] json = BoundedFiles.read(inbox.resolve(list), BoundedFiles.VOLUME_LIST);
                byte[] sig = BoundedFiles.read(inbox.resolve(asc), BoundedFiles.SIGNATURE);
                trust.verify(json, sig, list);
                return true;
            } catch (IOException | RuntimeException e) {
                return false;
            }
        });
    }
}
