package dev.airlock.imports.serve;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.session.Session;

/**
 * {@code --session-idle-timeout} as the options promise it: a logged-in session that moves nothing
 * (no SFTP request) for that long is closed. MINA's own idle timeout, which stays as a backstop, is
 * renewed by every SSH packet, a keepalive included: sessions whose client sends OpenSSH's
 * {@code ServerAliveInterval} keepalives (common in an ssh_config, or a hostile sender's choice) were
 * never closed, and {@code --max-sessions} of them kept every push out for as long as they stayed
 * (red-team pass L). Thread-safe; one timer thread, a daemon.
 */
final class SftpIdle implements AutoCloseable {
    /** When the session last logged in or made an SFTP request (nanoTime). */
    private static final AttributeKey<AtomicLong> LAST = new AttributeKey<>();
    /** Its SFTP requests under way: a session in the middle of one (a close's fsync and hash of a large file) is not idle. */
    private static final AttributeKey<java.util.concurrent.atomic.AtomicInteger> BUSY = new AttributeKey<>();

    private final long idleNanos;
    private final Set<Session> sessions = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService timer;
    private final java.util.function.Consumer<String> log;
    private final java.util.function.Function<Session, String> describe;

    SftpIdle(Duration idle, InboxServer server) {
        this(idle, server::log, s -> server.describe((org.apache.sshd.server.session.ServerSession) s));
    }

    /** @param log where a closed session is said; {@code describe} names a session in it */
    SftpIdle(Duration idle, java.util.function.Consumer<String> log, java.util.function.Function<Session, String> describe) {
        this.idleNanos = idle.toNanos();
        this.log = log;
        this.describe = describe;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "serve-idle");
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(100, Math.min(idle.toMillis() / 4, 5_000));
        timer.scheduleAtFixedRate(this::sweep, period, period, TimeUnit.MILLISECONDS);
    }

    /** A session that logged in: idle from now. */
    void loggedIn(Session s) {
        s.setAttribute(LAST, new AtomicLong(System.nanoTime()));
        s.setAttribute(BUSY, new java.util.concurrent.atomic.AtomicInteger());
        sessions.add(s);
    }

    void closed(Session s) {
        sessions.remove(s);
    }

    /** An SFTP request of {@code s} begins: it is not idle until the request ends. */
    static void begin(Session s) {
        java.util.concurrent.atomic.AtomicInteger busy = s.getAttribute(BUSY);
        if (busy != null) {
            busy.incrementAndGet();
        }
        touch(s);
    }

    /** An SFTP request of {@code s} ended: idle from now, unless another is under way. */
    static void end(Session s) {
        touch(s);
        java.util.concurrent.atomic.AtomicInteger busy = s.getAttribute(BUSY);
        if (busy != null) {
            busy.decrementAndGet();
        }
    }

    private static void touch(Session s) {
        AtomicLong last = s.getAttribute(LAST);
        if (last != null) {
            last.set(System.nanoTime());
        }
    }

    private void sweep() {
        long now = System.nanoTime();
        for (Session s : sessions) {
            AtomicLong last = s.getAttribute(LAST);
            java.util.concurrent.atomic.AtomicInteger busy = s.getAttribute(BUSY);
            if (busy != null && busy.get() > 0) {
                continue; // a request under way, however long it takes, is not idleness
            }
            if (last != null && now - last.get() > idleNanos && sessions.remove(s)) {
                log.accept("closing a session that made no SFTP request for " + TimeUnit.NANOSECONDS.toSeconds(now - last.get())
                        + " s (--session-idle-timeout; keepalives do not count): " + describe.apply(s));
                s.close(true);
            }
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
