package dev.airlock.imports.serve;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The lines a stranger can cause at will, before logging in (a refused key, a connection closed
 * before login): each kind passes at most {@code budget} lines per {@code window}; the rest are
 * counted by source address, and when the window ends one summary line per kind says how many
 * were left out and from where, busiest address first. A flood of 1,000 wrong keys a second thus
 * writes {@code budget} lines and one summary per window to the journal, and the admin still
 * learns who is knocking and how hard.
 *
 * <p>Windows are fixed (not sliding), ended by a daemon timer; {@link #close()} ends the current
 * one, so nothing counted is lost when the server stops.
 */
final class ThrottledLog implements AutoCloseable {
    /** Addresses named in a summary; the others are summed up. */
    private static final int NAMED_SOURCES = 5;
    /** Distinct addresses counted per kind and window; beyond this a flood from many addresses is counted without names. */
    private static final int COUNTED_SOURCES = 1000;

    private static final class Kind {
        int passed;
        long left;
        final Map<String, Long> bySource = new HashMap<>();
    }

    private final Consumer<String> log;
    private final int budget;
    private final Duration window;
    private final Map<String, Kind> kinds = new LinkedHashMap<>();
    private final ScheduledExecutorService timer;

    /** Lines go to {@code log} (which is called outside any lock here). */
    ThrottledLog(Consumer<String> log, int budget, Duration window) {
        this.log = log;
        this.budget = budget;
        this.window = window;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "airlock-serve-log");
            t.setDaemon(true);
            return t;
        });
        long ms = window.toMillis();
        timer.scheduleAtFixedRate(this::endWindow, ms, ms, TimeUnit.MILLISECONDS);
    }

    /**
     * Logs {@code line} unless {@code kind} (a plural noun phrase, e.g. "refused keys") used up its
     * budget in this window; {@code source} is the client's address, for the summary.
     */
    void log(String kind, String source, String line) {
        boolean pass;
        synchronized (this) {
            Kind k = kinds.computeIfAbsent(kind, x -> new Kind());
            pass = k.passed < budget;
            if (pass) {
                k.passed++;
            } else {
                k.left++;
                if (k.bySource.containsKey(source) || k.bySource.size() < COUNTED_SOURCES) {
                    k.bySource.merge(source, 1L, Long::sum);
                }
            }
        }
        if (pass) {
            log.accept(line);
        }
    }

    /** Ends the window: one summary per kind that left lines out; every budget starts again. */
    void endWindow() {
        List<String> summaries = new ArrayList<>();
        synchronized (this) {
            kinds.forEach((kind, k) -> {
                if (k.left > 0) {
                    summaries.add(summary(kind, k));
                }
            });
            kinds.clear();
        }
        summaries.forEach(log);
    }

    private String summary(String kind, Kind k) {
        List<Map.Entry<String, Long>> top = k.bySource.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()).thenComparing(Map.Entry.comparingByKey()))
                .toList();
        StringBuilder b = new StringBuilder().append(k.left).append(" more ").append(kind).append(" in the last ")
                .append(window.toSeconds()).append(" s, not logged one by one (at most ").append(budget).append(" a window): from ");
        long named = 0;
        for (int i = 0; i < Math.min(NAMED_SOURCES, top.size()); i++) {
            b.append(i > 0 ? ", " : "").append(top.get(i).getKey()).append(" (").append(top.get(i).getValue()).append(")");
            named += top.get(i).getValue();
        }
        if (k.left > named) {
            b.append(top.isEmpty() ? "" : ", and ").append(k.left - named).append(" from other addresses");
        }
        return b.toString();
    }

    /** Stops the timer and ends the current window. */
    @Override
    public void close() {
        timer.shutdownNow();
        endWindow();
    }
}
