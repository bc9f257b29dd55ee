package dev.airlock.imports;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.airlock.error.AirlockException;
import dev.airlock.io.CheckedJson;
import dev.airlock.io.LedgerFile;
import dev.airlock.io.StateDirs;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The importer's record of one channel in one target: each bundle applied there, in order, with the
 * images it placed and their blobs. A target is a registry host, a prefix and a set of
 * {@code --map} rules ({@link TargetNaming#key()}); each has its own chain, so the same bundle can
 * land in a staging and a production registry, or in a registry rebuilt on a new host.
 *
 * <p>One file per channel ({@code channels/CHANNEL.json}, format {@value #FORMAT}) holds every
 * target's chain: the channel's lock then guards the whole file, an admin reads one file to see
 * where the channel stands everywhere, and an earlier ledger (one chain per channel, no format
 * field) is migrated in place without a second file to keep in step. Written atomically, and only
 * after a bundle's last tag is in place.
 *
 * <p>Migration: an earlier ledger's chain belongs to the target that places its images where its
 * last bundle with images placed them (host and repository of each {@code placed} entry). Until
 * that target loads it, it is kept as {@code unclaimed}; the file is rewritten in the new format by
 * the next bundle recorded on any target.
 *
 * <p>Compaction: each write keeps the newest {@value #KEEP} bundles of every chain in full; older
 * ones keep their header (sequence, digest, parent, appliedAt) and their images are folded into the
 * chain's {@code folded} list: each distinct placement once, where it last occurred, in that order.
 * Reading the folded placements first and the kept bundles after answers every query as the whole
 * history would, so the file and the heap grow with the images placed, not with the bundles ever
 * applied (a thousand images imported daily used to add half a megabyte a day, and a ledger over
 * the 64 MiB a state file may be stopped every import). An earlier ledger's unclaimed chain is
 * never written to, so it is not compacted.
 */
public final class ImportLedger {
    public static final String FORMAT = "airlock-import-ledger/v3";
    /** Read as v3 with nothing folded. */
    private static final String FORMAT_V2 = "airlock-import-ledger/v2";
    /** How many of a chain's newest bundles are kept with their images. */
    static final int KEEP = 8;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * An image placed in the target: {@code target} is HOST/REPOSITORY; {@code blobs} its config and
     * layers; {@code platforms} the platforms it holds when its index was cut to some (null: as the source).
     */
    public record Placed(String target, String tag, String source, String digest, List<String> blobs,
            @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
            List<String> platforms) {
        public Placed(String target, String tag, String source, String digest, List<String> blobs) {
            this(target, tag, source, digest, blobs, null);
        }
    }

    /**
     * One applied bundle. {@code parent} is null for a full bundle. {@code images} is empty for a
     * bundle whose images were folded (and then absent from the file).
     */
    public record Applied(long sequence, String digest, Long parent, String appliedAt, List<Placed> images) {
    }

    /**
     * One target's chain as stored: {@code target} is the key, from {@code registry}, {@code prefix}
     * and {@code map}; {@code folded} the images of its bundles older than the newest {@value #KEEP}.
     */
    record StoredChain(String target, String registry, String prefix, List<String> map, List<Placed> folded,
            List<StoredApplied> applied) {
    }

    /** A bundle as stored: {@code images} null (absent) once folded. */
    record StoredApplied(long sequence, String digest, Long parent, String appliedAt,
            @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
            List<Placed> images) {
    }

    /** A chain from an earlier, per-channel ledger whose target has not loaded it yet. */
    record StoredUnclaimed(String note, List<Applied> applied) {
    }

    /** The file's content. */
    record Stored(String format, String channel, List<StoredChain> targets, StoredUnclaimed unclaimed) {
    }

    /**
     * One target's chain in memory: {@code folded} holds the images of the bundles whose images are
     * empty in {@code applied} (see {@link ChainFolding}); queries read it before {@code applied}.
     */
    private record Chain(TargetNaming naming, List<Placed> folded, List<Applied> applied) {
        Chain(TargetNaming naming, List<Applied> applied) {
            this(naming, new ArrayList<>(), applied);
        }

        /** Every placement in the order made: the folded ones, then the kept bundles' images. */
        void forEachPlacement(Consumer<Placed> action) {
            folded.forEach(action);
            applied.forEach(a -> a.images().forEach(action));
        }
    }

    private static final String UNCLAIMED_NOTE = "written by an earlier airlock, one chain per channel; it belongs to the "
            + "target that places its last images where they were placed, and moves there when that target is next used";

    private final Path file;
    private final String channel;
    private final List<Chain> chains;
    /** This ledger's chain: in {@link #chains} once it has a bundle. */
    private final Chain chain;
    private final String targetKey;
    private List<Applied> unclaimed;

    private ImportLedger(Path file, String channel, List<Chain> chains, Chain chain, String targetKey, List<Applied> unclaimed) {
        this.file = file;
        this.channel = channel;
        this.chains = chains;
        this.chain = chain;
        this.targetKey = targetKey;
        this.unclaimed = unclaimed;
    }

    public static Path defaultStateDir() {
        return StateDirs.defaultFor("import");
    }

    /**
     * The chain of {@code channel} in {@code target}: empty if nothing was applied there. An earlier
     * ledger's chain is this target's if this target places its images where it says they were
     * placed, or if it placed no image at all (then nothing tells its target, and the first target
     * to load it takes it).
     */
    public static ImportLedger load(Path stateDir, String channel, TargetNaming target) {
        Path file = file(stateDir, channel);
        Content c = read(file, channel);
        for (Chain ch : c.chains()) {
            if (same(ch.naming(), target)) {
                return new ImportLedger(file, channel, c.chains(), ch, target.key(), c.unclaimed());
            }
        }
        Chain mine = new Chain(target, new ArrayList<>());
        List<Applied> unclaimed = c.unclaimed();
        if (!unclaimed.isEmpty() && claims(target, unclaimed)) {
            mine.applied().addAll(unclaimed);
            unclaimed = List.of();
            c.chains().add(mine);
        }
        return new ImportLedger(file, channel, c.chains(), mine, target.key(), unclaimed);
    }

    /**
     * The channel's only chain, for a receipt given no target: refused (usage) when nothing was
     * applied, or when several targets hold the channel (the message lists them).
     */
    public static ImportLedger loadOnly(Path stateDir, String channel) {
        Path file = file(stateDir, channel);
        Content c = read(file, channel);
        int count = c.chains().size() + (c.unclaimed().isEmpty() ? 0 : 1);
        if (count == 0) {
            throw AirlockException.usage("no bundle of channel '" + channel + "' has been applied here (" + file + "); nothing to report");
        }
        ImportLedger any = new ImportLedger(file, channel, c.chains(), null, null, c.unclaimed());
        if (count > 1) {
            throw AirlockException.usage("channel '" + channel + "' has been imported into " + count + " targets (" + file + "): "
                    + String.join(", ", any.knownTargets()) + "; choose one with --registry HOST[:PORT][/PREFIX] and the --map rules it was imported with");
        }
        if (c.chains().size() == 1) {
            Chain only = c.chains().get(0);
            return new ImportLedger(file, channel, c.chains(), only, only.naming().key(), c.unclaimed());
        }
        // Only an earlier ledger's chain: read it as it is; it moves to its target on the next import.
        Chain old = new Chain(null, new ArrayList<>(c.unclaimed()));
        return new ImportLedger(file, channel, c.chains(), old, unclaimedName(c.unclaimed()), c.unclaimed());
    }

    public Path file() {
        return file;
    }

    /** The target this chain belongs to, as its key (see {@link TargetNaming#key()}). */
    public String target() {
        return targetKey;
    }

    /** Every target that holds a chain of this channel here, by key; an unclaimed earlier chain by its hosts. */
    public List<String> knownTargets() {
        List<String> out = new ArrayList<>();
        chains.forEach(c -> out.add(c.naming().key()));
        if (!unclaimed.isEmpty()) {
            out.add(unclaimedName(unclaimed));
        }
        return out;
    }

    /** This chain's target, or null for an earlier ledger's chain read by {@link #loadOnly} (its rules were not recorded). */
    public TargetNaming naming() {
        return chain.naming();
    }

    /**
     * The other targets of this channel whose chain holds the bundle of {@code digest}, at most
     * {@code max}, in the file's order: where a bundle that this target lacks went instead. An
     * earlier ledger's unclaimed chain recorded no target, so it is never one of them.
     */
    public List<TargetNaming> otherTargetsWith(String digest, int max) {
        List<TargetNaming> out = new ArrayList<>();
        for (Chain c : chains) {
            if (c != chain && out.size() < max && c.applied().stream().anyMatch(a -> a.digest().equals(digest))) {
                out.add(c.naming());
            }
        }
        return out;
    }

    public Optional<Applied> last() {
        List<Applied> a = chain.applied();
        return a.isEmpty() ? Optional.empty() : Optional.of(a.get(a.size() - 1));
    }

    public boolean isApplied(String digest) {
        return chain.applied().stream().anyMatch(a -> a.digest().equals(digest));
    }

    /**
     * Target repositories (HOST/REPO) that received {@code blob} in a bundle applied to this target,
     * newest placement first (within a bundle, its last image first: an order folding keeps).
     */
    public List<String> repositoriesWith(String blob) {
        Set<String> out = new LinkedHashSet<>();
        List<Applied> applied = chain.applied();
        for (int i = applied.size() - 1; i >= 0; i--) {
            addRepositoriesWith(blob, applied.get(i).images(), out);
        }
        addRepositoriesWith(blob, chain.folded(), out);
        return List.copyOf(out);
    }

    private static void addRepositoriesWith(String blob, List<Placed> placed, Set<String> out) {
        for (int i = placed.size() - 1; i >= 0; i--) {
            if (placed.get(i).blobs().contains(blob)) {
                out.add(placed.get(i).target());
            }
        }
    }

    /**
     * The images in place now: for each target repository and tag (or digest), the latest placed;
     * in the order each first appeared, as far as folding keeps it (it keeps which is latest, not
     * always where a tag first appeared).
     */
    public List<Placed> inPlace() {
        Map<String, Placed> latest = new LinkedHashMap<>();
        chain.forEachPlacement(p -> latest.put(p.target() + ":" + (p.tag() != null ? p.tag() : p.digest()), p));
        return List.copyOf(latest.values());
    }

    /** Every config and layer blob placed on this channel in this target (the order as {@link #inPlace()}'s). */
    public Set<String> blobsInPlace() {
        Set<String> out = new LinkedHashSet<>();
        chain.forEachPlacement(p -> out.addAll(p.blobs()));
        return out;
    }

    /**
     * Appends {@code applied} to this target's chain and rewrites the file, every chain compacted
     * (see the class comment); a failed write is LOCAL, naming the file.
     */
    public void record(Applied applied) {
        if (chain.naming() == null) {
            throw new IllegalStateException("an unclaimed chain is read, not written");
        }
        if (!chains.contains(chain)) {
            chains.add(chain);
        }
        chain.applied().add(applied);
        List<StoredChain> targets = new ArrayList<>();
        for (Chain c : chains) {
            ChainFolding.fold(c.folded(), c.applied(), KEEP);
            TargetNaming n = c.naming();
            targets.add(new StoredChain(n.key(), n.host(), n.prefix(), n.mappings(), c.folded(), stored(c.applied())));
        }
        Stored s = new Stored(FORMAT, channel, targets, unclaimed.isEmpty() ? null : new StoredUnclaimed(UNCLAIMED_NOTE, unclaimed));
        try {
            LedgerFile.write(file, what(file), JSON.writeValueAsBytes(s));
        } catch (JsonProcessingException e) {
            throw AirlockException.internal("cannot encode " + what(file) + ": " + e.getMessage(), e);
        }
    }

    private static List<StoredApplied> stored(List<Applied> applied) {
        List<StoredApplied> out = new ArrayList<>(applied.size());
        int firstKept = applied.size() - KEEP;
        for (int i = 0; i < applied.size(); i++) {
            Applied a = applied.get(i);
            out.add(new StoredApplied(a.sequence(), a.digest(), a.parent(), a.appliedAt(), i < firstKept ? null : a.images()));
        }
        return out;
    }

    private static Path file(Path stateDir, String channel) {
        return stateDir.resolve("channels").resolve(channel + ".json");
    }

    private static String what(Path file) {
        return "importer ledger " + file;
    }

    private static boolean same(TargetNaming a, TargetNaming b) {
        return a.key().equals(b.key()) && a.mappings().equals(b.mappings());
    }

    /** Whether {@code target} places the images of the chain's last bundle with images where they were placed. */
    private static boolean claims(TargetNaming target, List<Applied> chain) {
        for (int i = chain.size() - 1; i >= 0; i--) {
            List<Placed> images = chain.get(i).images();
            if (!images.isEmpty()) {
                return images.stream().allMatch(p -> target.places(p.source(), p.target()));
            }
        }
        // No bundle placed an image, so nothing says which target this chain was for: the first to load it takes it.
        return true;
    }

    private static String unclaimedName(List<Applied> chain) {
        Set<String> hosts = new LinkedHashSet<>();
        chain.forEach(a -> a.images().forEach(p -> hosts.add(p.target().substring(0, p.target().indexOf('/')))));
        return (hosts.isEmpty() ? "an unknown target" : String.join(" and ", hosts))
                + " (a chain from an earlier airlock, to be confirmed by importing with the --registry and --map it used)";
    }

    /** What a file holds: every target's chain, and an earlier ledger's chain not yet claimed (empty if none). */
    private record Content(List<Chain> chains, List<Applied> unclaimed) {
    }

    private static Content read(Path file, String channel) {
        Optional<CheckedJson> json = LedgerFile.read(file, what(file));
        if (json.isEmpty()) {
            return new Content(new ArrayList<>(), List.of());
        }
        CheckedJson root = json.get();
        String named = root.string("channel");
        if (!named.equals(channel)) {
            throw root.wrong("channel", "is '" + named + "', but this is the ledger file of channel '" + channel + "'");
        }
        if (!root.has("format")) {
            if (root.contains("targets") || !root.contains("applied")) {
                throw root.invalid("format is missing");
            }
            // The earlier format: {"channel": …, "applied": […]}, one chain for the whole channel.
            return new Content(new ArrayList<>(), applied(root, "applied", false));
        }
        String format = root.string("format");
        if (!format.equals(FORMAT) && !format.equals(FORMAT_V2)) {
            throw root.wrong("format", "is '" + format + "'; this airlock reads " + FORMAT + " and earlier (written by a newer airlock?)");
        }
        boolean v3 = format.equals(FORMAT);
        List<Chain> chains = new ArrayList<>();
        for (CheckedJson t : root.objects("targets")) {
            TargetNaming naming = naming(t);
            String key = t.string("target");
            if (!key.equals(naming.key())) {
                throw t.wrong("target", "is '" + key + "', but its registry, prefix and map make '" + naming.key() + "'");
            }
            if (chains.stream().anyMatch(c -> same(c.naming(), naming))) {
                throw t.wrong("target", "'" + key + "' appears twice");
            }
            List<Placed> folded = new ArrayList<>();
            if (v3) {
                for (CheckedJson p : t.objects("folded")) {
                    folded.add(placed(p));
                }
            }
            chains.add(new Chain(naming, folded, applied(t, "applied", v3)));
        }
        CheckedJson u = root.optionalObject("unclaimed");
        return new Content(chains, u == null ? List.of() : applied(u, "applied", false));
    }

    private static TargetNaming naming(CheckedJson t) {
        String registry = t.string("registry");
        String prefix = t.string("prefix");
        List<String> map = t.strings("map");
        try {
            return new TargetNaming(prefix.isEmpty() ? registry : registry + "/" + prefix,
                    map.stream().map(TargetNaming.Mapping::parse).toList());
        } catch (AirlockException e) {
            throw t.invalid(t.child("registry") + ", " + t.child("prefix") + " and " + t.child("map")
                    + " do not make a target: " + e.getMessage());
        }
    }

    /** The bundles of a chain; {@code mayBeFolded}: a bundle without {@code images} had them folded (v3). */
    private static List<Applied> applied(CheckedJson parent, String field, boolean mayBeFolded) {
        List<Applied> out = new ArrayList<>();
        for (CheckedJson a : parent.objects(field)) {
            long sequence = a.integer("sequence", 1);
            String digest = a.digest("digest");
            Long p = a.optionalInteger("parent", 1);
            if (p != null && p >= sequence) {
                throw a.wrong("parent", "is " + p + ", not before its bundle's sequence " + sequence);
            }
            if (!out.isEmpty() && sequence <= out.get(out.size() - 1).sequence()) {
                throw a.wrong("sequence", "is " + sequence + " after " + out.get(out.size() - 1).sequence()
                        + ": bundles must be in the order they were applied, each newer than the last");
            }
            String appliedAt = a.string("appliedAt");
            List<Placed> images = new ArrayList<>();
            if (!mayBeFolded || a.contains("images")) {
                for (CheckedJson i : a.objects("images")) {
                    images.add(placed(i));
                }
            }
            out.add(new Applied(sequence, digest, p, appliedAt, images));
        }
        return out;
    }

    private static Placed placed(CheckedJson i) {
        String target = i.string("target");
        if (target.indexOf('/') <= 0) {
            throw i.wrong("target", "is '" + target + "', not HOST/REPOSITORY");
        }
        return new Placed(target, i.optionalString("tag"), i.string("source"), i.digest("digest"), i.digests("blobs"),
                i.has("platforms") ? i.strings("platforms") : null);
    }
}
