package dev.airlock.imports.inbox;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.airlock.error.AirlockException;
import dev.airlock.io.AtomicFiles;
import dev.airlock.io.BoundedFiles;
import dev.airlock.io.NoReplaceDelivery;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Moves a processed bundle, every file of it, to {@code done/} or {@code rejected/}, so that a
 * kill at any moment leaves a state the next start finishes: the whole move is first written to a
 * journal (fsynced), then each file takes its name by the inbox's delivery rule ({@link NoReplaceDelivery}:
 * link and unlink, never over an existing name), the directories are fsynced, and the journal is removed. On start, a journal left behind is carried out to the end:
 * a volume set is never left half in {@code done/}.
 *
 * <p>Nothing is overwritten: a bundle whose names are taken in the destination (the same bundle
 * arriving twice) gets GNU-style numbered names, {@code NAME.~2~}, {@code NAME.~3~}, the same
 * number for every file of it. The journal also records the bundle being imported, so that a
 * restart can tell a bundle it finished before the kill from a duplicate.
 */
final class InboxMoves {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** A rename within the inbox; paths relative to it. */
    record Move(String from, String to) {
    }

    /**
     * The journal: {@code action} is {@code importing} (no moves), {@code done} or {@code rejected};
     * {@code reasonFile} and {@code reason} only for a rejection; {@code destination} is where the
     * bundle's own file goes, relative to the inbox.
     */
    record Entry(String action, String bundle, List<Move> moves, String reasonFile, String reason, String destination) {
    }

    private final InboxLayout layout;
    private final Consumer<String> log;

    InboxMoves(InboxLayout layout) {
        this(layout, line -> { });
    }

    /** {@code log} hears of a file kept beside a name that was taken (by anything but this watcher). */
    InboxMoves(InboxLayout layout, Consumer<String> log) {
        this.layout = layout;
        this.log = log;
    }

    /** Notes that {@code bundle} is being imported (for the message after a restart). */
    void importing(String bundle) {
        write(new Entry("importing", bundle, List.of(), null, null, null));
    }

    /** Forgets an import that ended without a move (a retry, a hold, a bundle that changed under it). */
    void clear() {
        try {
            Files.deleteIfExists(layout.journalFile());
        } catch (IOException e) {
            throw AirlockException.local("cannot remove " + layout.journalFile() + ": " + e.getMessage(), e);
        }
    }

    /**
     * The journal a stopped watcher left, if it is one this watcher could have written: owned by this
     * process's user and naming only what {@link #plan} names ({@link JournalNames}). Any other journal
     * was planted (the inbox is written by others): it is logged, removed, and nothing of it is done.
     */
    Optional<Entry> pending() {
        Path f = layout.journalFile();
        Entry e;
        try {
            ControlDirectory.refuseForeign(f, "the watcher's journal");
            e = JSON.readValue(BoundedFiles.read(f, BoundedFiles.INBOX_STATE), Entry.class);
        } catch (NoSuchFileException x) {
            return Optional.empty();
        } catch (IOException | AirlockException x) {
            // Only this program writes it, atomically: unreadable or foreign means damaged or planted; finishing nothing is the safe choice.
            return refuse(x.getMessage());
        }
        Optional<String> problem = JournalNames.problem(e);
        return problem.isPresent() ? refuse(problem.get()) : Optional.of(e);
    }

    private Optional<Entry> refuse(String why) {
        log.accept("refused " + layout.journalFile() + ", which this watcher did not write (" + why + "): nothing of it is done; removed");
        clear();
        return Optional.empty();
    }

    /**
     * Moves {@code files} (in the inbox) to {@code done/}, or to {@code rejected/} with
     * {@code KEY.reason} holding {@code reason}; returns the destination name of {@code key} relative
     * to the inbox.
     */
    String move(String key, List<Path> files, boolean rejected, String reason) {
        Entry e = plan(key, files, rejected, reason);
        finish(e, false);
        return e.destination();
    }

    /** Chooses the destination names and writes them to the journal; {@link #finish} carries them out. */
    Entry plan(String key, List<Path> files, boolean rejected, String reason) {
        Path dir = rejected ? layout.rejected() : layout.done();
        String suffix = freeSuffix(dir, key, files, rejected);
        List<Move> moves = new ArrayList<>();
        for (Path f : files) {
            String name = f.getFileName().toString();
            moves.add(new Move(name, layout.inbox().relativize(dir.resolve(name + suffix)).toString()));
        }
        String reasonFile = rejected ? layout.inbox().relativize(dir.resolve(key + suffix + ".reason")).toString() : null;
        Entry e = new Entry(rejected ? "rejected" : "done", key, moves, reasonFile, reason,
                layout.inbox().relativize(dir.resolve(key + suffix)).toString());
        write(e);
        return e;
    }

    /** Carries out {@code e} from wherever it stopped (a journal left by a watcher that was stopped), then removes the journal. */
    void finish(Entry e) {
        finish(e, true);
    }

    /**
     * Carries out {@code e}, then removes the journal. Every name is taken by the inbox's one delivery
     * rule ({@link NoReplaceDelivery}: link, then unlink; never a rename that could replace): a name in
     * {@code done/} or {@code rejected/} taken meanwhile by other bytes (an admin's copy, anything
     * but this watcher) stays, and the bundle's file or reason is kept beside it, logged.
     * {@code resumed}: a file still in the inbox whose destination exists is, after a restart, a new
     * arrival of the same name (the move itself was done) and is left alone; a link made before the
     * stop whose unlink was not is finished.
     */
    private void finish(Entry e, boolean resumed) {
        try {
            if (e.reasonFile() != null) {
                Path r = layout.inbox().resolve(e.reasonFile());
                deliver(AtomicFiles.writePartial(r, e.reason().getBytes(StandardCharsets.UTF_8), false), r);
            }
            for (Move m : e.moves()) {
                Path from = layout.inbox().resolve(m.from());
                Path to = layout.inbox().resolve(m.to());
                boolean here = Files.exists(from, LinkOption.NOFOLLOW_LINKS);
                boolean there = Files.exists(to, LinkOption.NOFOLLOW_LINKS);
                if (here && there && Files.isSameFile(from, to)) {
                    Files.delete(from); // linked before the stop, not yet unlinked
                } else if (here && !(there && resumed)) {
                    deliver(from, to);
                }
            }
            AtomicFiles.fsyncDirectory(layout.inbox());
            AtomicFiles.fsyncDirectory(e.action().equals("rejected") ? layout.rejected() : layout.done());
        } catch (IOException x) {
            throw AirlockException.local("cannot move " + e.bundle() + " to " + e.action() + "/: " + x.getMessage()
                    + (x.getMessage() != null && x.getMessage().contains("cross-device")
                            ? "; done/ and rejected/ must be plain directories of the inbox" : ""), x);
        }
        clear();
    }

    private void deliver(Path from, Path to) throws IOException {
        NoReplaceDelivery.Outcome o = NoReplaceDelivery.deliver(from, to);
        if (o.kind() != NoReplaceDelivery.Kind.DELIVERED && !o.path().equals(to)) {
            log.accept("kept " + layout.inbox().relativize(from) + " as " + layout.inbox().relativize(o.path()) + ": "
                    + layout.inbox().relativize(to) + " was taken by other bytes meanwhile and is never replaced"
                    + (o.kind() == NoReplaceDelivery.Kind.DUPLICATE ? " (the same bytes were already kept there)" : ""));
        }
    }

    /**
     * A suffix ({@code ""}, {@code .~N~}) under which none of {@code files} nor the reason is taken in
     * {@code dir}: the first free one after the taken ones, found by doubling then halving (a name
     * rejected n times costs about 2 log n looks, not n: red-team pass T, T9). Numbers free below a
     * taken one (an admin removed some) are not looked for.
     */
    private static String freeSuffix(Path dir, String key, List<Path> files, boolean rejected) {
        if (free(dir, key, files, rejected, 1)) {
            return "";
        }
        long taken = 1;
        long open = 2;
        while (!free(dir, key, files, rejected, open)) {
            taken = open;
            open = open * 2;
        }
        while (open - taken > 1) {
            long mid = taken + (open - taken) / 2;
            if (free(dir, key, files, rejected, mid)) {
                open = mid;
            } else {
                taken = mid;
            }
        }
        return suffix(open);
    }

    private static String suffix(long n) {
        return n == 1 ? "" : ".~" + n + "~";
    }

    private static boolean free(Path dir, String key, List<Path> files, boolean rejected, long n) {
        String suffix = suffix(n);
        if (rejected && Files.exists(dir.resolve(key + suffix + ".reason"), LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        for (Path f : files) {
            if (Files.exists(dir.resolve(f.getFileName() + suffix), LinkOption.NOFOLLOW_LINKS)) {
                return false;
            }
        }
        return true;
    }

    private void write(Entry e) {
        try {
            AtomicFiles.write(layout.journalFile(), JSON.writeValueAsBytes(e), false);
        } catch (IOException x) {
            throw AirlockException.local("cannot write " + layout.journalFile() + ": " + x.getMessage(), x);
        }
    }
}
