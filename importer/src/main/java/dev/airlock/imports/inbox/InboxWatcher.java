package dev.airlock.imports.inbox;

import dev.airlock.cli.Cli;
import dev.airlock.cli.LogText;
import dev.airlock.cli.Units;
import dev.airlock.error.AirlockException;
import dev.airlock.imports.ImportLedger;
import dev.airlock.imports.ImportRequest;
import dev.airlock.imports.ImportResult;
import dev.airlock.io.ChannelLock;
import dev.airlock.report.ReportFile;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Imports the bundles that arrive in an inbox directory, one at a time, each channel in sequence
 * order, and moves each to {@code done/} or {@code rejected/} (see {@link InboxScan} for what is
 * taken when, {@link ChainOrder} for the order, {@link InboxMoves} for the moves).
 *
 * <p>Failures are sorted by whose fault they are. The bundle's (signature, digest, format, a chain
 * it can never join; kinds UNTRUSTED, DIGEST_MISMATCH, MALFORMED_BUNDLE, CHAIN_BROKEN, and a bug):
 * it goes to {@code rejected/} with {@code NAME.reason} holding the error line and the exit code.
 * Anyone else's (the registry down, credentials refused, the disk of the state directory full, the
 * channel locked by another import; every other kind): the bundle stays where it is and is tried
 * again after a delay that doubles up to a bound, and its channel waits with it, so that a later
 * full bundle cannot overtake it.
 *
 * <p>Restart-safe at every point: the import itself is (a rerun pushes only what is missing and a
 * bundle the ledger holds is a no-op), and a move is journaled (a kill between the ledger and the
 * move leaves a bundle the next start finds already applied and moves to {@code done/}).
 *
 * <p>No CLI types: the caller supplies the import (a function of the request, which it builds
 * from {@code template} with the bundle's path) and where the event lines go, one line per event.
 * Thread use: {@link #run} or {@link #runOnce} on one thread; {@link #stop} from any other.
 */
public final class InboxWatcher {
    private static final Duration REMIND = Duration.ofMinutes(10);

    private final Path given;
    private final WatchOptions options;
    private final ImportRequest template;
    private final Function<ImportRequest, ImportResult> importer;
    private final Consumer<String> log;

    private volatile boolean stopped;
    private volatile boolean running;
    private volatile WatchService watch;
    private final Object wake = new Object();
    private final CountDownLatch finished = new CountDownLatch(1);

    private InboxLayout layout;
    private InboxScan scan;
    private InboxMoves moves;
    private SquatterMoves squatters;
    /** Whose files are the receivers' deliveries: only theirs (or root's) make a channel wait behind a retry (red-team pass T, T7). */
    private Receivers receivers;
    private String resumed;
    private final Map<String, PeekEntry> peeks = new HashMap<>();
    private final Map<String, Retry> retries = new HashMap<>();
    private final Map<String, Noted> noted = new HashMap<>();

    /**
     * When {@link #runOnce} began: a file still settling that arrived after it (its status-change
     * time; a rename sets it, and no sender can set it back) is the next run's, not waited for. A
     * stranger's trickle of new files otherwise kept a cron run going for as long as it lasted
     * (red-team pass K).
     */
    private long onceSinceMillis = Long.MAX_VALUE;

    private int imported;
    private int duplicates;
    private int rejected;
    private int rejectedCode;
    private final Map<String, Integer> retryCodes = new TreeMap<>();
    private List<String> waiting = List.of();
    private List<String> left = List.of();

    private record PeekEntry(List<InboxScan.Stamp> stamps, ChainOrder.Peek peek, AirlockException failure) {
    }

    private record Retry(List<InboxScan.Stamp> stamps, long dueNanos, long delayMillis) {
    }

    private record Noted(String message, long atNanos) {
    }

    /**
     * @param template the import's trust, target, state directory and parallelism; its bundle is ignored
     * @param importer runs one import (for example {@code ImportService::importBundle})
     * @param log receives one line per event
     */
    public InboxWatcher(Path inbox, WatchOptions options, ImportRequest template, Function<ImportRequest, ImportResult> importer,
            Consumer<String> log) {
        this.given = inbox;
        this.options = options;
        this.template = template;
        this.importer = importer;
        this.log = line -> log.accept(LogText.printable(line)); // a file name holding a line break cannot forge an event line
    }

    /** Processes what is in the inbox, including what becomes importable meanwhile, then returns. */
    public WatchSummary runOnce() {
        try (ChannelLock lock = begin()) {
            onceSinceMillis = System.currentTimeMillis();
            while (!stopped) {
                long due = pass(true);
                if (due == Long.MAX_VALUE) {
                    break;
                }
                sleepNanos(due - System.nanoTime());
            }
            return summary();
        } finally {
            end();
        }
    }

    /** Watches until {@link #stop}: inotify where the file system has it, and a listing every poll interval regardless. */
    public WatchSummary run() {
        try (ChannelLock lock = begin()) {
            openWatch();
            while (!stopped) {
                long due;
                try {
                    due = pass(false);
                } catch (AirlockException e) {
                    if (e.kind() != AirlockException.Kind.LOCAL) {
                        throw e;
                    }
                    note("inbox", e.getMessage() + "; trying again every " + fmt(options.pollInterval()));
                    due = Long.MAX_VALUE;
                }
                long nanos = Math.min(options.pollInterval().toNanos(), due == Long.MAX_VALUE ? Long.MAX_VALUE : due - System.nanoTime());
                awaitChange(Math.max(nanos, TimeUnit.MILLISECONDS.toNanos(1)));
            }
            log.accept("stopped watching " + layout.inbox());
            return summary();
        } finally {
            WatchService w = watch;
            if (w != null) {
                try {
                    w.close();
                } catch (IOException ignored) {
                    // closing a watch only frees its inotify instance
                }
            }
            end();
        }
    }

    /** Asks the watcher to return after the current import (if any); does not wait. */
    public void stop() {
        stopped = true;
        WatchService w = watch;
        if (w != null) {
            try {
                w.close();
            } catch (IOException ignored) {
                // the loop also checks the flag
            }
        }
        synchronized (wake) {
            wake.notifyAll();
        }
    }

    /** True while {@link #run} or {@link #runOnce} is in progress. */
    public boolean isRunning() {
        return running;
    }

    /** Waits at most {@code limit} for {@link #run} or {@link #runOnce} to return; true if it did (or never started). */
    public boolean awaitStopped(Duration limit) throws InterruptedException {
        return !running || finished.await(limit.toMillis(), TimeUnit.MILLISECONDS);
    }

    private ChannelLock begin() {
        layout = InboxLayout.of(given);
        ChannelLock lock = InboxLock.acquire(layout);
        running = true;
        try {
            scan = new InboxScan(layout.inbox(), options.settle(), InboxScan.MAX_FILES, template.trust());
            moves = new InboxMoves(layout, log);
            squatters = new SquatterMoves(layout.inbox(), moves, log);
            receivers = Receivers.of(layout.inbox());
            moves.pending().ifPresent(e -> {
                if (e.action().equals("importing")) {
                    resumed = e.bundle();
                    log.accept("resuming " + e.bundle() + ": it was being imported when the watcher last stopped; it is taken again"
                            + " (what already reached the registry is not pushed twice)");
                    moves.clear();
                } else {
                    log.accept("finishing the move of " + e.bundle() + " to " + e.action() + "/, cut short when the watcher last stopped");
                    moves.finish(e);
                }
            });
        } catch (RuntimeException e) {
            lock.close();
            running = false;
            throw e;
        }
        return lock;
    }

    private void end() {
        running = false;
        finished.countDown();
    }

    private void openWatch() {
        try {
            WatchService w = layout.inbox().getFileSystem().newWatchService();
            // CREATE covers a rename into the directory (inotify's IN_MOVED_TO): how every sender delivers.
            layout.inbox().register(w, StandardWatchEventKinds.ENTRY_CREATE);
            watch = w;
            if (stopped) {
                w.close();
            }
            log.accept("watching " + layout.inbox() + " (inotify, and a listing every " + fmt(options.pollInterval())
                    + ") into " + template.naming().key());
        } catch (IOException | UnsupportedOperationException e) {
            log.accept("watching " + layout.inbox() + " by listing it every " + fmt(options.pollInterval())
                    + " (no inotify: " + e.getMessage() + ") into " + template.naming().key());
        }
    }

    private void awaitChange(long nanos) {
        WatchService w = watch;
        try {
            if (w != null) {
                WatchKey k = w.poll(nanos, TimeUnit.NANOSECONDS);
                while (k != null) {
                    k.pollEvents();
                    k.reset();
                    k = w.poll();
                }
            } else {
                synchronized (wake) {
                    if (!stopped) {
                        TimeUnit.NANOSECONDS.timedWait(wake, nanos);
                    }
                }
            }
        } catch (ClosedWatchServiceException e) {
            watch = null; // stopped
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopped = true;
        }
    }

    private void sleepNanos(long nanos) {
        synchronized (wake) {
            try {
                if (!stopped && nanos > 0) {
                    TimeUnit.NANOSECONDS.timedWait(wake, nanos);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stopped = true;
            }
        }
    }

    /**
     * Lists the inbox and imports the next bundle that may go, again and again until none may;
     * returns when something is next due (a file settling, a retry), or {@code Long.MAX_VALUE}.
     * With {@code once}, a file seen changing is left for the next run, and nothing is retried.
     */
    private long pass(boolean once) {
        Set<String> growing = new HashSet<>();
        long onceDue = Long.MAX_VALUE;
        while (!stopped) {
            InboxScan.Result r = scan.scan();
            long now = System.nanoTime();
            growing.addAll(r.growing());
            r.ignored().forEach(i -> note("ignored:" + i, i));
            forgetIgnoredBut(r.ignored());
            Sorted sorted = sort(r, growing, once, now);
            Ready ready = ready(sorted, once, now);
            long due = Math.min(sorted.due(), ready.due());
            // While a file is still settling it may be the missing one: report a wait only when nothing is arriving.
            if (r.candidates().stream().noneMatch(x -> x.state() == InboxScan.State.SETTLING)) {
                ready.holds().forEach((channel, line) -> note("hold:" + channel, line));
            }
            waiting = List.copyOf(ready.holds().values());
            left = sorted.notComplete();
            Set<String> channels = new HashSet<>(sorted.byChannel().keySet());
            channels.addAll(sorted.paused());
            forgetUnseen(r, channels);
            if (ready.batch().isEmpty() && sorted.unreadable().isEmpty() || stopped) {
                if (once && r.more() && !stopped) {
                    // Past the scan bound: the next scan takes the bundles this one left. A run that
                    // ended here would leave them for good, since each run starts from the smallest name.
                    onceDue = Math.min(onceDue, due);
                    continue;
                }
                return Math.min(onceDue, due);
            }
            scan.again(); // what this listing took is listed again, minus what the imports move away
            takeBatch(ready.batch(), sorted.unreadable(), once);
        }
        return Long.MAX_VALUE;
    }

    /**
     * A listing's candidates sorted: not complete yet (settling or incomplete), waiting to be
     * retried (their channels paused for this listing), unreadable (no bundle.json to order them
     * by), and the rest by channel. {@code due}: when a settling file or a retry is next due.
     */
    private record Sorted(List<String> notComplete, List<InboxScan.Candidate> unreadable, Map<String, List<Peeked>> byChannel,
            Set<String> paused, long due) {
    }

    private Sorted sort(InboxScan.Result r, Set<String> growing, boolean once, long now) {
        long due = Long.MAX_VALUE;
        List<String> notComplete = new ArrayList<>();
        List<InboxScan.Candidate> unreadable = new ArrayList<>();
        Map<String, List<Peeked>> byChannel = new TreeMap<>();
        Set<String> paused = new HashSet<>();
        for (InboxScan.Candidate c : r.candidates()) {
            if (c.state() == InboxScan.State.SETTLING) {
                if (c.note() != null && c.note().startsWith(InboxScan.SEARCHING)) {
                    // A search among a stranger's copies may take many scans: said once (and reminded), its count left out.
                    note("search:" + c.key(), c.note().replaceFirst(" among .*$", " among the copies kept beside its names (a stranger's,"
                            + " or re-sends), each checked once, oldest first"));
                }
                boolean changing = c.files().stream().anyMatch(f -> growing.contains(f.getFileName().toString()));
                if (once && (changing || c.arrivedMillis() > onceSinceMillis)) {
                    notComplete.add(c.note() + ": left for the next run");
                } else {
                    due = Math.min(due, r.nextDueNanos());
                }
                continue;
            }
            if (c.state() == InboxScan.State.INCOMPLETE) {
                note("incomplete:" + c.key(), c.note());
                notComplete.add(c.note());
                continue;
            }
            Retry retry = retries.get(c.key());
            if (retry != null && !retry.stamps().equals(c.stamps())) {
                retries.remove(c.key()); // a new copy: try it at once
                retry = null;
            }
            if (retry != null && (once || now < retry.dueNanos())) {
                due = once ? due : Math.min(due, retry.dueNanos());
                // Peeked only to pause its channel, which a stranger's file never does: his peek, made to fail for a local
                // reason at will (not remembered, X R6), was walked again at every listing (red-team pass Y, R2).
                PeekEntry p = holdsChannel(c) ? peek(c) : null;
                if (p != null && p.peek() != null) {
                    paused.add(p.peek().channel());
                }
                continue;
            }
            PeekEntry p = peek(c);
            if (p.peek() == null) {
                unreadable.add(c);
            } else {
                byChannel.computeIfAbsent(p.peek().channel(), k -> new ArrayList<>()).add(new Peeked(c, p.peek()));
            }
        }
        return new Sorted(notComplete, unreadable, byChannel, paused, due);
    }

    /** What may be imported now ({@code batch}), and for each channel with none, why it waits ({@code holds}). */
    private record Ready(List<Peeked> batch, Map<String, String> holds, long due) {
    }

    private Ready ready(Sorted sorted, boolean once, long now) {
        long due = Long.MAX_VALUE;
        List<Peeked> batch = new ArrayList<>();
        Map<String, String> holds = new TreeMap<>();
        for (Map.Entry<String, List<Peeked>> e : sorted.byChannel().entrySet()) {
            String channel = e.getKey();
            if (sorted.paused().contains(channel)) {
                continue;
            }
            ImportLedger ledger;
            try {
                ledger = ImportLedger.load(template.stateDir(), channel, template.naming());
            } catch (AirlockException x) {
                note("ledger:" + channel, "cannot read the ledger of channel " + channel + ": " + x.getMessage()
                        + "; its bundles wait, trying again every " + fmt(options.pollInterval()));
                if (once) {
                    retryCodes.put("ledger:" + channel, Cli.exitCode(x.kind()));
                } else {
                    due = Math.min(due, now + options.pollInterval().toNanos());
                }
                continue;
            }
            String held = readyOrHeld(channel, e.getValue(), ledger, batch);
            if (held != null) {
                holds.put(channel, held);
            }
        }
        return new Ready(batch, holds, due);
    }

    /**
     * A channel's bundles that follow what its ledger holds go into {@code batch}; if none does, the
     * "waiting" line for the first held one (what it follows, what is missing, since when).
     */
    private static String readyOrHeld(String channel, List<Peeked> list, ImportLedger ledger, List<Peeked> batch) {
        list.sort(Comparator.comparingLong((Peeked x) -> x.peek().sequence()).thenComparing(x -> x.candidate().key()));
        boolean ready = false;
        Peeked firstHeld = null;
        ChainOrder.Hold hold = null;
        long since = Long.MAX_VALUE;
        for (Peeked x : list) {
            ChainOrder.Hold h = ChainOrder.hold(x.peek(), ledger);
            if (h == null) {
                batch.add(x);
                ready = true;
            } else {
                if (firstHeld == null) {
                    firstHeld = x;
                    hold = h;
                }
                since = Math.min(since, x.candidate().arrivedMillis());
            }
        }
        if (ready) {
            return null;
        }
        String w = "channel " + channel + ": " + firstHeld.candidate().key() + " (sequence " + firstHeld.peek().sequence()
                + ") follows sequence " + firstHeld.peek().parentSequence() + ", which has not been applied ("
                + (hold.lastApplied() == 0 ? "no bundle of this channel applied yet: a full bundle or " + hold.missing()
                : "last applied: " + hold.lastApplied() + "; missing " + hold.missing()) + ")";
        return "waiting: " + w + ", since " + Instant.ofEpochMilli(since).truncatedTo(ChronoUnit.SECONDS);
    }

    private record Peeked(InboxScan.Candidate candidate, ChainOrder.Peek peek) {
    }

    /**
     * Takes every bundle this listing found ready, then every one whose bundle.json cannot be read,
     * before the next listing (but the rest of a channel one of whose bundles is left to retry). Ready ones are each channel's bundles the chain check would take or
     * refuse for good; one imported cannot make another of them wait (the ledger only moves on), and
     * what it makes ready (the next delta) is the next listing's. One listing per bundle let files
     * that arrive between listings go first for ever: a stranger renaming a new forged or unreadable
     * file in every few milliseconds left one in each listing, and the real bundle lying there the
     * whole time was never taken (red-team pass L). One listing per unreadable file was n listings
     * of up to n files: 20,000 empty .tar files some half an hour, every real bundle behind them (red-team pass I).
     */
    private void takeBatch(List<Peeked> batch, List<InboxScan.Candidate> unreadable, boolean once) {
        Set<String> waitWithRetry = new HashSet<>();
        for (Peeked x : batch) {
            if (stopped) {
                return;
            }
            if (waitWithRetry.contains(x.peek().channel())) {
                continue; // a bundle of its channel is left to retry: nothing overtakes it
            }
            process(x.candidate(), x.peek(), once);
            if (retries.containsKey(x.candidate().key()) && holdsChannel(x.candidate())) {
                waitWithRetry.add(x.peek().channel());
            }
        }
        for (InboxScan.Candidate c : unreadable) {
            if (stopped) {
                return;
            }
            process(c, null, once);
        }
    }

    /**
     * Whether {@code c}, left to retry, makes the rest of its channel wait: only when the receivers
     * ({@link Receivers}) or root own the file it is opened by. A stranger's file is his to make fail
     * for a reason not its own at will (read, its bundle.json kept while its stamp stays, then chmod
     * 000: "permission denied", exit 1, every time), and the channel its unsigned bundle.json named
     * waited behind it for good, the real bundle too (red-team pass T, T7).
     */
    private boolean holdsChannel(InboxScan.Candidate c) {
        return receivers == null || !receivers.stranger(c.open()) || dev.airlock.io.FileOwners.owner(c.open()) == 0;
    }

    private PeekEntry peek(InboxScan.Candidate c) {
        PeekEntry e = peeks.get(c.key());
        if (e != null && e.stamps().equals(c.stamps())) {
            return e;
        }
        try {
            e = new PeekEntry(c.stamps(), ChainOrder.peek(c.open()), null);
        } catch (AirlockException x) {
            e = new PeekEntry(c.stamps(), null, x);
        } catch (RuntimeException x) {
            e = new PeekEntry(c.stamps(), null, AirlockException.internal(x.toString(), x));
        } catch (StackOverflowError | OutOfMemoryError x) {
            e = new PeekEntry(c.stamps(), null, exhausted(x));
        }
        if (e.failure() == null || e.failure().kind() != AirlockException.Kind.LOCAL) {
            // A local failure (busy, permission denied) is no fact about the file: remembered, a real delta peeked while other
            // users' opens were at their bound was imported out of its channel's order later and rejected (red-team pass X, R6).
            peeks.put(c.key(), e);
        } else {
            peeks.remove(c.key());
        }
        return e;
    }

    private void process(InboxScan.Candidate c, ChainOrder.Peek p, boolean once) {
        if (!c.arrangement().isEmpty()) {
            try {
                squatters.arrange(c); // the next listing takes the set by its own names
            } catch (AirlockException e) {
                retry(c, e, once); // a move or link that failed (disk, no hard links): not the set's fault; the others go on
            }
            return;
        }
        String key = c.key();
        log.accept("picked up " + key + ": " + (p != null ? p.describe() : "its bundle.json cannot be read; the import will say why"));
        moves.importing(key);
        ImportResult result = null;
        AirlockException failure = null;
        try {
            result = importer.apply(new ImportRequest(c.open(), template.trust(), template.naming(), template.stateDir(),
                    template.parallelism(), false, template.strictMap(), template.warnings(), ImportRequest.ReportBeside.CALLER_CHECKS, template.attached(), template.upstream()));
        } catch (AirlockException e) {
            failure = e;
        } catch (RuntimeException e) {
            failure = AirlockException.internal("internal error: " + e, e);
        } catch (StackOverflowError | OutOfMemoryError e) {
            failure = exhausted(e);
        }
        if (!InboxScan.unchanged(c)) {
            moves.clear();
            log.accept(key + " changed while it was imported (a new copy, or still being written): looking at it again");
            return;
        }
        try {
            if (failure == null) {
                done(c, result);
            } else {
                failed(c, p, failure, once);
            }
        } catch (AirlockException e) {
            // A move that failed (disk, permissions): the bundle stays; the ledger makes the next try a quick duplicate.
            retry(c, e, once);
        }
        peeks.remove(key);
        if (key.equals(resumed)) {
            resumed = null;
        }
    }

    private void done(InboxScan.Candidate c, ImportResult r) {
        String to = moves.move(c.key(), withoutStrayReport(c, r), false, null);
        retries.remove(c.key());
        String what = "channel " + r.manifest().channel() + ", sequence " + r.manifest().sequence() + ", " + r.bundleDigest();
        if (r.alreadyApplied()) {
            if (c.key().equals(resumed)) {
                imported++;
                log.accept("imported " + c.key() + ": " + what + " (finished before the watcher last stopped; the ledger has it) -> " + to);
            } else {
                duplicates++;
                log.accept("duplicate " + c.key() + ": " + what + " was already applied to " + template.naming().key() + " -> " + to);
            }
            return;
        }
        imported++;
        log.accept("imported " + c.key() + ": " + what + ", " + r.landed().size() + " image(s), " + r.blobsPushed() + " blob(s) pushed ("
                + Units.bytes(r.bytesPushed()) + "), " + r.tagsWritten() + " tag(s) written -> " + to);
    }

    /**
     * The files that go to {@code done/} with an imported bundle: a report beside it that does not
     * match the sha256 its signed bundle.json records (dropped into the inbox by anyone who can
     * write there, or an old copy) is set aside to {@code rejected/} with its reason instead, and
     * logged: it is never a veto on a signed, intact bundle. Nor is a report that cannot be read or
     * set aside (a stranger's directory or unreadable file under the predictable report name): it is
     * left where it is, logged, and the bundle goes to {@code done/} without it. Left to retry, the
     * applied bundle came back as a duplicate whose move failed again, for good, and its channel
     * waited with it (red-team pass M).
     */
    private List<Path> withoutStrayReport(InboxScan.Candidate c, ImportResult r) {
        try {
            ReportFile.check(r.manifest(), c.open());
            return movable(c);
        } catch (AirlockException e) {
            Path report = c.open().toAbsolutePath().getParent().resolve(r.manifest().report().name());
            List<Path> without = movable(c).stream().filter(f -> !f.getFileName().equals(report.getFileName())).toList();
            String message = oneLine(e.getMessage());
            if (e.kind() == AirlockException.Kind.LOCAL) {
                log.accept("could not set aside " + report.getFileName() + ": " + message + "; left in the inbox (its bundle " + c.key()
                        + " is signed and intact: it is imported all the same)");
                return without;
            }
            String to;
            try {
                to = moves.move(report.getFileName().toString(), List.of(report), true, "airlock-import: " + message + "\n");
            } catch (AirlockException x) {
                moves.clear(); // its journal: a restart must not try that move again
                log.accept("could not set aside " + report.getFileName() + ": " + message + "; " + oneLine(x.getMessage())
                        + "; left in the inbox (its bundle " + c.key() + " is signed and intact: it is imported all the same)");
                return without;
            }
            log.accept("set aside " + report.getFileName() + ": " + message + " -> " + to + " (its bundle " + c.key()
                    + " is signed and intact: it is imported all the same)");
            return without;
        }
    }

    /**
     * What moves with a bundle: its own files, and the strays beside a set (volumes its list does not
     * name) that this watcher may move. A stray it can neither read nor write (another user's, which
     * the kernel's protected_hardlinks keeps it from linking) is left in the inbox and logged: it
     * failed the move after the set's own files had gone, and the set was then logged as left in
     * place for the next run (red-team pass M).
     */
    private List<Path> movable(InboxScan.Candidate c) {
        List<Path> out = new java.util.ArrayList<>(c.files());
        for (Path stray : c.strays()) {
            if (java.nio.file.Files.isReadable(stray) && java.nio.file.Files.isWritable(stray)) {
                out.add(stray);
            } else {
                log.accept("left " + stray.getFileName() + " in the inbox: a volume name beside " + c.key()
                        + " that its list does not name, and this watcher may not move it (permission denied: it is another user's)");
            }
        }
        return out;
    }

    private void failed(InboxScan.Candidate c, ChainOrder.Peek p, AirlockException e, boolean once) {
        if (e.kind() == AirlockException.Kind.CHAIN_BROKEN && p == null) {
            // its bundle.json could not be read when it was ordered, and can now: ordered next time, never refused for it (X, R6)
            retry(c, e, once);
            return;
        }
        if (e.kind() == AirlockException.Kind.CHAIN_BROKEN && p != null) {
            ImportLedger now = ImportLedger.load(template.stateDir(), p.channel(), template.naming());
            if (ChainOrder.hold(p, now) != null) {
                moves.clear(); // the ledger moved under us (another import): it waits like any held bundle
                return;
            }
        }
        if (!refusal(e.kind())) {
            retry(c, e, once);
            return;
        }
        // A volume's sha256, or its size (a stranger's file, shortened only while the import looked: U3), refused a set:
        // its signed list tells which files are not its own, and those alone go
        if (c.isSet() && (e.kind() == AirlockException.Kind.DIGEST_MISMATCH || e.kind() == AirlockException.Kind.MALFORMED_BUNDLE)) {
            SignedCopies.Forged forged = scan.forgedVolumes(c.key());
            if (forged != null && !forged.squats().isEmpty()) {
                moves.clear();
                squatters.setAside(c, forged.squats()); // the set's own files stay, and wait for the real volume
                return;
            }
            if (forged != null && forged.unsure()) {
                // signed, and a volume that cannot be told now (gone, or unreadable, since the import read it): tried again
                retry(c, e, once);
                return;
            }
        }
        int code = Cli.exitCode(e.kind());
        String message = oneLine(e.getMessage());
        String to = moves.move(c.key(), movable(c), true, "airlock-import: " + message + "\nexit " + code + "\n");
        retries.remove(c.key());
        rejected++;
        rejectedCode = Math.max(rejectedCode, code);
        log.accept("rejected " + c.key() + ": exit " + code + ": " + message + " -> " + to + " (reason in " + to + ".reason)");
    }

    private void retry(InboxScan.Candidate c, AirlockException e, boolean once) {
        moves.clear();
        int code = Cli.exitCode(e.kind());
        if (once) {
            retries.put(c.key(), new Retry(c.stamps(), Long.MAX_VALUE, 0));
            retryCodes.put(c.key(), code);
            log.accept("left " + c.key() + " in place: exit " + code + ": " + oneLine(e.getMessage())
                    + " (not the bundle's fault; the next run tries it again)");
            return;
        }
        Retry before = retries.get(c.key());
        long delay = before == null ? options.pollInterval().toMillis() : Math.min(before.delayMillis() * 2, options.maxRetryDelay().toMillis());
        retries.put(c.key(), new Retry(c.stamps(), System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delay), delay));
        log.accept("retry in " + fmt(Duration.ofMillis(delay)) + ": " + c.key() + ": exit " + code + ": " + oneLine(e.getMessage())
                + " (not the bundle's fault; it stays in the inbox, and its channel waits)");
    }

    /**
     * One file that exhausts the stack or the heap while it is read (a hostile tar that slipped past
     * the header checks) is refused like a bundle that is not one, and the watcher goes on: left to
     * propagate, it would stop the watcher (and serve) on every start while the file stays in the inbox.
     * A thread that cannot be started ({@code unable to create native thread}: the process or its unit
     * at its thread limit) is no file's doing: taken for one, a real signed set went to rejected/
     * (red-team pass W, R1); it is tried again.
     */
    private static AirlockException exhausted(Error e) {
        if (e instanceof OutOfMemoryError && String.valueOf(e.getMessage()).contains("native thread")) {
            return AirlockException.local("could not start a thread (" + e.getMessage() + "): the importer is at its thread limit,"
                    + " not the bundle's fault", e);
        }
        return AirlockException.internal("reading it exhausted the importer's " + (e instanceof StackOverflowError ? "stack" : "memory")
                + " (" + e.getClass().getSimpleName() + "): a hostile or broken file, or a bug; set aside so that the next bundles go on", e);
    }

    /** The failures that are the bundle's own: it goes to rejected/. */
    private static boolean refusal(AirlockException.Kind kind) {
        return switch (kind) {
            case UNTRUSTED, DIGEST_MISMATCH, MALFORMED_BUNDLE, CHAIN_BROKEN, INTERNAL -> true;
            default -> false;
        };
    }

    /** Logs {@code message} under {@code topic} when it differs from the last one logged there, or as a reminder every {@link #REMIND}. */
    private void note(String topic, String message) {
        Noted before = noted.get(topic);
        long now = System.nanoTime();
        if (before == null || !before.message().equals(message) || now - before.atNanos() >= REMIND.toNanos()) {
            noted.put(topic, new Noted(message, now));
            log.accept(before != null && before.message().equals(message) ? "still " + message : message);
        }
    }

    /**
     * Forgets the skipped-file topics this scan did not report: such a topic is its whole message (a
     * name, a count), so kept for good they grew with every new stray name or count a sender made
     * (red-team pass I). One that comes back is logged again, as a change.
     */
    private void forgetIgnoredBut(List<String> ignored) {
        Set<String> now = new HashSet<>();
        ignored.forEach(i -> now.add("ignored:" + i));
        noted.keySet().removeIf(k -> k.startsWith("ignored:") && !now.contains(k));
    }

    /**
     * Forgets what was read of a bundle (its unsigned bundle.json), when to try it again, and what
     * was logged of a waiting bundle or channel once a scan no longer sees it: kept until the bundle was imported, a
     * waiting bundle that went away unimported (deleted or renamed by a sender: a forged delta, a
     * list whose volumes never come) stayed for good, a few hundred bytes each, and a sender
     * renaming one such file again and again grew the heap without bound (red-team pass K). Past
     * the scan bound, what the rotation comes back to is read and logged again, as lists are.
     */
    private void forgetUnseen(InboxScan.Result r, Set<String> channels) {
        Set<String> keys = new HashSet<>();
        r.candidates().forEach(c -> keys.add(c.key()));
        peeks.keySet().retainAll(keys);
        retries.keySet().retainAll(keys); // one that comes back is tried at once, as a new arrival
        noted.keySet().removeIf(k -> (k.startsWith("incomplete:") || k.startsWith("search:")) && !keys.contains(k.substring(k.indexOf(':') + 1))
                || (k.startsWith("hold:") || k.startsWith("ledger:")) && !channels.contains(k.substring(k.indexOf(':') + 1)));
    }

    /**
     * Whether the watcher takes a copy of {@code name} kept beside it by the delivery rule
     * ({@code NAME.conflict-SHA16}) as that name's own candidate, its signature deciding: serve
     * tells a sender whose file was kept so that it was delivered.
     */
    public static boolean takesCopiesOf(String name) {
        return InboxScan.takesCopiesOf(name);
    }

    /** Refuses an inbox named through a link in a directory others may write, not sticky (serve checks it too, before it makes anything there: V5). */
    public static void refuseLinksInSharedDirectories(java.nio.file.Path inbox) {
        InboxLayout.refuseLinksInSharedDirectories(inbox);
    }

    /** Directory listings of the inbox so far (for tests that bound the work without timing it). */
    long listings() {
        return scan == null ? 0 : scan.listings();
    }

    private WatchSummary summary() {
        int retryCode = retryCodes.values().stream().mapToInt(Integer::intValue).max().orElse(0);
        return new WatchSummary(imported, duplicates, rejected, rejectedCode, retryCodes.size(), retryCode, List.copyOf(waiting),
                List.copyOf(left));
    }

    /**
     * The message on one printable line: it goes to {@code NAME.reason} as well as to the log, and
     * names the sender's (a tar entry, a file), so an ESC sequence in it is escaped there too
     * (red-team pass I).
     */
    private static String oneLine(String s) {
        return s == null ? "failed" : LogText.printable(s.replace('\n', ' ').replace('\r', ' '));
    }

    /** 500ms, 5s, 2m. */
    static String fmt(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000 || ms % 1000 != 0) {
            return ms + "ms";
        }
        long s = ms / 1000;
        return s % 60 == 0 ? s / 60 + "m" : s + "s";
    }
}
