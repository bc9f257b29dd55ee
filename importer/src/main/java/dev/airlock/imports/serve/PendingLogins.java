package dev.airlock.imports.serve;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The connections that have not logged in yet, oldest first, and which of them to close when
 * there are too many: the bound on unauthenticated connections (OpenSSH's {@code MaxStartups} and
 * {@code PerSourceMaxStartups}).
 *
 * <p>Why the oldest goes, not the newcomer: OpenSSH refuses new connections beyond
 * {@code MaxStartups} (10:30:100, at random from 10 on, all from 100), so 100 sockets that send
 * nothing, renewed every {@code LoginGraceTime}, keep every real sender out, and below that a
 * sender gets in only by luck and retries. Here a new connection is always taken, and when it is
 * one too many the <em>oldest</em> connection still not logged in is closed instead: from the
 * same address when that address is over {@link #perSource}, else from the address holding the
 * most ({@link #inAll}). A real sender logs in within a second; idle sockets are old by then, so
 * they go first, even when they come from the sender's own address (all of loopback is
 * 127.0.0.1; a NAT gateway is one address too). To keep a sender out, an attacker must open more
 * than {@code perSource} new connections from the sender's address (or, from other addresses,
 * hold more than the sender's address has while opening more than {@code inAll}) in the second
 * the sender needs: a flood a firewall's rate limit sees, no longer a dozen quiet sockets. An
 * address that has logged in before (the last {@value #KNOWN}) is chosen last when room is made
 * in all: connections from addresses that never logged in go first, however few each holds.
 * Connections from other addresses than the busiest are never closed to make room.
 *
 * <p>Thread-safe. {@code S} is a key compared with {@code equals} (a MINA session: by identity).
 */
final class PendingLogins<S> {
    /** A connection to close: who, from where, since when (nanoTime), and why, for the log. */
    record Drop<S>(S session, String source, long since, String why) {
    }

    private record Entry(String source, long since) {
    }

    private final int perSource;
    private final int inAll;
    private final LinkedHashMap<S, Entry> pending = new LinkedHashMap<>();
    private final Map<String, Integer> bySource = new HashMap<>();
    /** Addresses a connection has logged in from, the latest {@value #KNOWN} (an exporter's, a bastion's). */
    private final Map<String, Boolean> known = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > KNOWN;
        }
    };
    static final int KNOWN = 256;

    PendingLogins(int perSource, int inAll) {
        if (perSource < 1 || inAll < 1) {
            throw new IllegalArgumentException("bounds must be at least 1");
        }
        this.perSource = perSource;
        this.inAll = inAll;
    }

    /** Takes {@code session} from {@code source} (opened at {@code now}, nanoTime) and returns the connections it displaces. */
    synchronized List<Drop<S>> add(S session, String source, long now) {
        pending.put(session, new Entry(source, now));
        bySource.merge(source, 1, Integer::sum);
        List<Drop<S>> drops = new ArrayList<>(1);
        if (bySource.get(source) > perSource) {
            drops.add(removeOldest(source, bySource.get(source) + " connections from " + source + " not logged in yet (at most "
                    + perSource + " per address; the oldest goes first)"));
        }
        if (pending.size() > inAll) {
            String busiest = busiest();
            drops.add(removeOldest(busiest, pending.size() + " connections not logged in yet (at most " + inAll
                    + " in all; the oldest of the address holding the most goes first)"));
        }
        return drops;
    }

    /** Logged in: no longer counted, and its address is one that has logged in, which goes last ({@link #busiest}). */
    synchronized void loggedIn(S session) {
        Entry e = pending.get(session);
        if (e != null) {
            known.put(e.source, Boolean.TRUE);
        }
        remove(session);
    }

    /** Closed (or logged in): no longer counted. */
    synchronized void remove(S session) {
        Entry e = pending.remove(session);
        if (e != null) {
            bySource.computeIfPresent(e.source, (k, n) -> n == 1 ? null : n - 1);
        }
    }

    synchronized int size() {
        return pending.size();
    }

    /**
     * The address with the most pending connections; of several, the one whose oldest is oldest. An
     * address a connection has logged in from goes last: while any other address has a connection
     * pending, it is one of those (red-team pass W, R4: with every address holding one, the oldest of
     * all was a sender's, and one connection from each of thirty addresses dropped its login).
     */
    private String busiest() {
        boolean strangers = bySource.keySet().stream().anyMatch(s -> !known.containsKey(s));
        int most = bySource.entrySet().stream().filter(e -> !strangers || !known.containsKey(e.getKey())).mapToInt(Map.Entry::getValue)
                .max().orElseThrow();
        for (Entry e : pending.values()) {
            if (bySource.get(e.source) == most && (!strangers || !known.containsKey(e.source))) {
                return e.source;
            }
        }
        throw new IllegalStateException("no pending connection");
    }

    private Drop<S> removeOldest(String source, String why) {
        for (Iterator<Map.Entry<S, Entry>> it = pending.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<S, Entry> e = it.next();
            if (e.getValue().source.equals(source)) {
                it.remove();
                bySource.computeIfPresent(source, (k, n) -> n == 1 ? null : n - 1);
                return new Drop<>(e.getKey(), source, e.getValue().since, why);
            }
        }
        throw new IllegalStateException("no pending connection from " + source);
    }
}
