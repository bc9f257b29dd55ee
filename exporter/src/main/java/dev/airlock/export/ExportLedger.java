package dev.airlock.export;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.airlock.error.AirlockException;
import dev.airlock.io.CheckedJson;
import dev.airlock.io.LedgerFile;
import dev.airlock.io.StateDirs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The exporter's record of one channel: every bundle written (its digest, parent, the images it
 * carried and the config/layer blobs it carried), which bundle the next one follows, and any
 * receipts that re-baselined the channel. With no return channel this is how the exporter knows
 * what the offline side holds: what it has been sent along the chain.
 *
 * <p>Crash safety: before a finished bundle is renamed to its final name the ledger records it as
 * {@code pending}; after the rename it is committed. A later run that finds a pending entry
 * commits it if the bundle left its temporary name (it may already be on its way) and drops it
 * if not. For a bundle written as volumes the name that counts is the volume list's, renamed
 * last: while its temporary file exists the set is not complete, and dropping the entry also
 * deletes the set's other files ({@code files}: volumes and the list's signature), renamed or
 * not. The file itself is replaced atomically.
 */
public final class ExportLedger {
    /**
     * Written since bundles with a parent store only how their images differ from its
     * ({@link LedgerImages}); a ledger without {@code format} (written before) is read as ever and
     * rewritten in this format by the next change.
     */
    public static final String FORMAT = "airlock-export-ledger/v2";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * An image as carried: its source reference, top manifest digest, config/layer digests (its
     * attachments' too) and the manifest digests of what was attached to it ({@code attached}:
     * empty in ledgers written before attachments crossed, and then for images without any).
     */
    public record ImageRecord(String source, String digest, List<String> blobs,
            @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_EMPTY)
            List<String> attached) {
        public ImageRecord {
            attached = attached == null ? List.of() : List.copyOf(attached);
        }

        public ImageRecord(String source, String digest, List<String> blobs) {
            this(source, digest, blobs, List.of());
        }
    }

    /**
     * One bundle written on the channel. {@code parent} is null for a full bundle. {@code platforms}:
     * the platform set it was cut to ({@code --platform}, normalized and sorted), null for every
     * platform (and in ledgers written before platforms could be chosen): part of the channel's identity.
     */
    public record Entry(long sequence, String digest, Long parent, String file, String created, List<ImageRecord> images,
            List<String> carried,
            @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
            List<String> platforms) {
        public Entry(long sequence, String digest, Long parent, String file, String created, List<ImageRecord> images,
                List<String> carried) {
            this(sequence, digest, parent, file, created, images, carried, null);
        }
    }

    /**
     * A bundle written and fsynced but maybe not yet renamed. {@code partialPath} is the temporary
     * file whose rename completes it; {@code files} the final names of a volume set's other files
     * (null for a single file).
     */
    public record Pending(Entry entry, String partialPath, List<String> files) {
    }

    /** What an offline side reported holding, which replaces the exporter's own view of that sequence. */
    public record Receipt(long sequence, String digest, List<String> blobs, String created, String received) {
    }

    /** The ledger file's content. */
    public record State(String channel, List<Entry> bundles, Long head, List<Receipt> receipts, Pending pending) {
    }

    /**
     * A bundle as the file stores it: {@code images} in full (a full bundle, or where nothing is
     * shared with its parent), else {@code imagesFromParent}: runs of the parent's images
     * ({@code {"from": I, "to": J}}, positions in its list) and the records in between ({@link LedgerImages}).
     */
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    record StoredEntry(long sequence, String digest, Long parent, String file, String created, List<ImageRecord> images,
            List<Object> imagesFromParent, List<String> carried, List<String> platforms) {
    }

    /** The file as written: {@link #FORMAT}, each bundle as a {@link StoredEntry}. */
    record Stored(String format, String channel, List<StoredEntry> bundles, Long head, List<Receipt> receipts, Pending pending) {
    }

    private final Path file;
    private final boolean readOnly;
    private State state;

    private ExportLedger(Path file, State state) {
        this(file, state, false);
    }

    private ExportLedger(Path file, State state, boolean readOnly) {
        this.file = file;
        this.state = state;
        this.readOnly = readOnly;
    }

    public static Path defaultStateDir() {
        return StateDirs.defaultFor("export");
    }

    /**
     * Loads the channel's ledger, settling a pending bundle left by an interrupted run. A file that is
     * not a ledger (missing or mistyped fields, bundles out of order) is refused, never read as an
     * empty chain: that would silently restart the channel at sequence 1.
     */
    public static ExportLedger load(Path stateDir, String channel) {
        Path file = stateDir.resolve("channels").resolve(channel + ".json");
        State s = LedgerFile.read(file, what(file)).map(json -> parse(json, channel))
                .orElseGet(() -> new State(channel, new ArrayList<>(), null, new ArrayList<>(), null));
        ExportLedger ledger = new ExportLedger(file, s);
        ledger.settlePending();
        return ledger;
    }

    /**
     * Reads the channel's ledger for {@code plan}: without the channel lock (a running export may
     * hold it) and writing nothing. The file is only ever replaced by a rename, so this sees a
     * whole ledger, the one before or the one after a concurrent write. A pending bundle is settled
     * in memory only, as {@link #load} would settle it; its {@code .partial} is left alone (a
     * running export may be writing it). The result refuses every change.
     */
    public static ExportLedger readOnly(Path stateDir, String channel) {
        Path file = stateDir.resolve("channels").resolve(channel + ".json");
        State s = LedgerFile.read(file, what(file)).map(json -> parse(json, channel))
                .orElseGet(() -> new State(channel, new ArrayList<>(), null, new ArrayList<>(), null));
        ExportLedger ledger = new ExportLedger(file, s, true);
        Pending p = s.pending();
        if (p != null) {
            if (Files.exists(Path.of(p.partialPath()))) {
                ledger.state = new State(s.channel(), s.bundles(), s.head(), s.receipts(), null);
            } else {
                ledger.addCommitted(p.entry());
            }
        }
        return ledger;
    }

    private static String what(Path file) {
        return "exporter ledger " + file;
    }

    private static State parse(CheckedJson json, String channel) {
        String named = json.string("channel");
        if (!named.equals(channel)) {
            throw json.wrong("channel", "is '" + named + "', but this is the ledger file of channel '" + channel + "'");
        }
        String format = json.optionalString("format");
        if (format != null && !format.equals(FORMAT)) {
            throw json.wrong("format", "is '" + format + "'; this airlock reads " + FORMAT + " (written by a newer airlock?)");
        }
        List<Entry> bundles = new ArrayList<>();
        Map<Long, Entry> known = new HashMap<>();
        long[] records = {0};
        for (CheckedJson b : json.objects("bundles")) {
            Entry e = entry(b, known, records);
            if (!bundles.isEmpty() && e.sequence() <= bundles.get(bundles.size() - 1).sequence()) {
                throw b.invalid(b.child("sequence") + " is " + e.sequence() + " after " + bundles.get(bundles.size() - 1).sequence()
                        + ": bundles must be in increasing sequence order");
            }
            bundles.add(e);
            known.put(e.sequence(), e);
        }
        Long head = json.optionalInteger("head", 1);
        if (head != null && bundles.stream().noneMatch(b -> b.sequence() == head)) {
            throw json.wrong("head", "is " + head + ", a bundle the list of bundles does not hold");
        }
        List<Receipt> receipts = new ArrayList<>();
        for (CheckedJson r : json.objects("receipts")) {
            receipts.add(new Receipt(r.integer("sequence", 1), r.digest("digest"), r.digests("blobs"), r.optionalString("created"),
                    r.optionalString("received")));
        }
        CheckedJson p = json.optionalObject("pending");
        Pending pending = p == null ? null : new Pending(entry(p.object("entry"), known, records), p.string("partialPath"),
                p.has("files") ? p.strings("files") : null);
        return new State(channel, bundles, head, receipts, pending);
    }

    /**
     * Image records a ledger may hold in all, its bundles' lists put together: 50 times a channel of
     * 1,000 images written daily for a year. Runs may name a parent's records again (a source named
     * twice), so without a bound a few KB whose every bundle takes its parent's images twice read
     * into billions of records and ran out of heap (red-team pass M).
     */
    static final long MAX_RECORDS = 20_000_000;

    /**
     * One bundle; its images in full, or applied as a diff to those of its parent among {@code known};
     * {@code records} counts what the ledger's bundles hold so far, refused past {@link #MAX_RECORDS}.
     */
    private static Entry entry(CheckedJson e, Map<Long, Entry> known, long[] records) {
        long sequence = e.integer("sequence", 1);
        String digest = e.digest("digest");
        Long parent = e.optionalInteger("parent", 1);
        if (parent != null && parent >= sequence) {
            throw e.wrong("parent", "is " + parent + ", not before its bundle's sequence " + sequence);
        }
        List<ImageRecord> images;
        if (e.contains("images") || !e.contains("imagesFromParent")) {
            images = records(e.objects("images"));
        } else {
            Entry base = parent == null ? null : known.get(parent);
            if (base == null) {
                throw e.wrong("imagesFromParent", "takes images from the parent's, but "
                        + (parent == null ? "the bundle has no parent" : "its parent " + parent + " is not an earlier bundle here"));
            }
            List<Object> parts = parts(e, base.images().size());
            long n = LedgerImages.length(parts);
            if (n > MAX_RECORDS - records[0]) {
                throw e.wrong("imagesFromParent", "makes " + n + " image records of its parent's, past the " + MAX_RECORDS
                        + " a ledger may hold in all (its bundles before it hold " + records[0] + "): the file is damaged or was edited");
            }
            images = LedgerImages.decode(base.images(), parts);
        }
        records[0] += images.size();
        return new Entry(sequence, digest, parent, e.string("file"), e.string("created"), images, e.digests("carried"),
                e.has("platforms") ? e.strings("platforms") : null);
    }

    private static List<ImageRecord> records(List<CheckedJson> list) {
        List<ImageRecord> images = new ArrayList<>();
        for (CheckedJson i : list) {
            images.add(record(i));
        }
        return images;
    }

    private static ImageRecord record(CheckedJson i) {
        return new ImageRecord(i.string("source"), i.digest("digest"), i.digests("blobs"),
                i.has("attached") ? i.digests("attached") : List.of());
    }

    /** {@code imagesFromParent}: records, and runs of positions in a parent's list of {@code size} images. */
    private static List<Object> parts(CheckedJson e, int size) {
        List<Object> parts = new ArrayList<>();
        for (CheckedJson p : e.objects("imagesFromParent")) {
            if (!p.contains("from")) {
                parts.add(record(p));
                continue;
            }
            long from = p.integer("from", 0);
            long to = p.integer("to", from);
            if (to >= size) {
                throw p.wrong("to", "is " + to + ", past the parent's " + size + " images");
            }
            parts.add(new LedgerImages.Run((int) from, (int) to));
        }
        return parts;
    }

    private void settlePending() {
        Pending p = state.pending();
        if (p == null) {
            return;
        }
        Path partial = Path.of(p.partialPath());
        if (Files.exists(partial)) {
            // The rename never happened: the bundle never had its final name, so it never left.
            // A volume set without its list is incomplete whatever else was renamed: all of it goes.
            List<Path> leftovers = new ArrayList<>(List.of(partial));
            if (p.files() != null) {
                for (String f : p.files()) {
                    leftovers.add(Path.of(f));
                    leftovers.add(dev.airlock.io.AtomicFiles.partialName(Path.of(f)));
                }
            }
            for (Path f : leftovers) {
                try {
                    Files.deleteIfExists(f);
                } catch (IOException ignored) {
                    // overwritten or refused by the next run
                }
            }
            state = new State(state.channel(), state.bundles(), state.head(), state.receipts(), null);
        } else {
            addCommitted(p.entry());
        }
        save();
    }

    private void addCommitted(Entry e) {
        List<Entry> bundles = new ArrayList<>(state.bundles());
        bundles.removeIf(b -> b.sequence() == e.sequence());
        bundles.add(e);
        state = new State(state.channel(), bundles, e.sequence(), state.receipts(), null);
    }

    public Path file() {
        return file;
    }

    public long nextSequence() {
        return state.bundles().stream().mapToLong(Entry::sequence).max().orElse(0) + 1;
    }

    /** The bundle the next delta follows: the last written, or the one a receipt named. */
    public Optional<Entry> head() {
        return state.head() == null ? Optional.empty() : find(state.head());
    }

    public Optional<Entry> find(long sequence) {
        return state.bundles().stream().filter(b -> b.sequence() == sequence).findFirst();
    }

    /**
     * Config and layer blobs an offline side holds once it has applied the chain up to
     * {@code sequence}: from a receipt for that bundle if there is one, else what the bundle
     * carried plus what its parent chain holds, back to a full bundle.
     */
    public Set<String> presentAt(long sequence) {
        Set<String> present = new HashSet<>();
        Long s = sequence;
        Set<Long> seen = new HashSet<>();
        while (s != null && seen.add(s)) {
            long seq = s;
            Optional<Receipt> receipt = receiptFor(seq);
            if (receipt.isPresent()) {
                present.addAll(receipt.get().blobs());
                break;
            }
            Entry e = find(seq).orElseThrow(() -> AirlockException.chain("the exporter ledger " + file
                    + " has no record of bundle " + seq + " of channel " + state.channel() + "; write a --full bundle"));
            present.addAll(e.carried());
            s = e.parent();
        }
        return present;
    }

    private Optional<Receipt> receiptFor(long sequence) {
        Receipt found = null;
        for (Receipt r : state.receipts()) {
            if (r.sequence() == sequence) {
                found = r;
            }
        }
        return Optional.ofNullable(found);
    }

    /** What was attached to each image (manifest digests) in the latest bundle up to {@code sequence} that named it. */
    public Map<String, List<String>> attachedAt(long sequence) {
        return latestPerImage(sequence, ImageRecord::attached);
    }

    /** Images of the chain up to {@code sequence}, latest first by source: what "changed" compares with. */
    public Map<String, String> imagesAt(long sequence) {
        return latestPerImage(sequence, ImageRecord::digest);
    }

    /** For each image the chain up to {@code sequence} named, {@code what} of its latest record. */
    private <T> Map<String, T> latestPerImage(long sequence, java.util.function.Function<ImageRecord, T> what) {
        Map<String, T> out = new LinkedHashMap<>();
        Long s = sequence;
        Set<Long> seen = new HashSet<>();
        while (s != null && seen.add(s)) {
            Optional<Entry> e = find(s);
            if (e.isEmpty()) {
                break;
            }
            for (ImageRecord i : e.get().images()) {
                out.putIfAbsent(i.source(), what.apply(i));
            }
            s = e.get().parent();
        }
        return out;
    }

    /** Records a finished single-file bundle before its rename; see the class comment. */
    public void markPending(Entry entry, Path partial) {
        markPending(entry, partial, List.of());
    }

    /**
     * Records a finished bundle before its renames: {@code marker} is the temporary file renamed
     * last, {@code members} the final names of a volume set's other files (empty for one file).
     */
    public void markPending(Entry entry, Path marker, List<Path> members) {
        List<String> files = members.isEmpty() ? null : members.stream().map(f -> f.toAbsolutePath().toString()).toList();
        state = new State(state.channel(), state.bundles(), state.head(), state.receipts(),
                new Pending(entry, marker.toString(), files));
        save();
    }

    public void commitPending() {
        Pending p = state.pending();
        if (p != null) {
            addCommitted(p.entry());
            save();
        }
    }

    /** Forgets a pending bundle whose write failed before the rename. */
    public void dropPending() {
        if (state.pending() != null) {
            state = new State(state.channel(), state.bundles(), state.head(), state.receipts(), null);
            save();
        }
    }

    /** Re-baselines the channel at a receipt: the next bundle follows it and trusts only its blobs. */
    public void applyReceipt(Receipt receipt) {
        List<Receipt> receipts = new ArrayList<>(state.receipts());
        receipts.add(receipt);
        state = new State(state.channel(), state.bundles(), receipt.sequence(), receipts, null);
        save();
    }

    /** The state as the file stores it: each bundle with a parent here as a diff against the parent's images where one says it. */
    private Stored stored() {
        Map<Long, Entry> known = new HashMap<>();
        List<StoredEntry> out = new ArrayList<>();
        for (Entry e : state.bundles()) {
            Entry base = e.parent() == null ? null : known.get(e.parent());
            List<Object> parts = base == null ? null : LedgerImages.encode(base.images(), e.images());
            out.add(new StoredEntry(e.sequence(), e.digest(), e.parent(), e.file(), e.created(), parts == null ? e.images() : null,
                    parts, e.carried(), e.platforms()));
            known.put(e.sequence(), e);
        }
        return new Stored(FORMAT, state.channel(), out, state.head(), state.receipts(), state.pending());
    }

    private void save() {
        if (readOnly) {
            throw new IllegalStateException("the exporter ledger " + file + " was read for a plan and is not written");
        }
        try {
            LedgerFile.write(file, what(file), JSON.writeValueAsBytes(stored()));
        } catch (JsonProcessingException e) {
            throw AirlockException.internal("cannot encode " + what(file) + ": " + e.getMessage(), e);
        }
    }
}
