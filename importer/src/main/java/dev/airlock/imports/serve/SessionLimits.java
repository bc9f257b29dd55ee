package dev.airlock.imports.serve;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.Service;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionDisconnectHandler;
import org.apache.sshd.common.session.SessionListener;
import org.apache.sshd.common.session.helpers.TimeoutIndicator;
import org.apache.sshd.server.session.ServerSession;

/**
 * Who may hold a connection, and the log lines about it. Before login (what OpenSSH bounds with
 * {@code MaxStartups}, {@code PerSourceMaxStartups}, {@code LoginGraceTime} and
 * {@code MaxAuthTries}): at most {@link #PER_SOURCE} connections per address and {@link #IN_ALL}
 * in all, the oldest making room for a newcomer ({@link PendingLogins} says why); login within
 * {@link #LOGIN_GRACE} and at most {@link #MAX_AUTH_TRIES} login requests per connection, both
 * enforced by MINA itself ({@code AUTH_TIMEOUT}, {@code MAX_AUTH_REQUESTS}; set by
 * {@link InboxServer}), which calls back here to have the reason logged. After login: at most
 * {@code maxSessions} sessions; one more is closed right after its login, unless its key holds fewer
 * of them than another key: then that key's newest goes instead ({@link KeyShares}).
 *
 * <p>Every line a stranger can cause (a connection closed before login, a refused key) goes
 * through {@link ThrottledLog}; the lines of logged-in senders go straight to the log.
 */
final class SessionLimits implements SessionListener, SessionDisconnectHandler {
    /** OpenSSH's {@code MaxAuthTries}: MINA counts every request after the first ({@code none}), so six keys may be tried. */
    static final int MAX_AUTH_TRIES = 6;
    /** OpenSSH starts refusing at 10 ({@code MaxStartups 10:30:100}); here one address's 11th pending connection displaces its oldest. */
    static final int PER_SOURCE = 10;
    /** Room for three addresses at their bound; bounds the key exchanges and sockets a crowd of strangers can hold. */
    static final int IN_ALL = 30;
    /** OpenSSH's {@code LoginGraceTime} is 2 min; an exporter logs in within a second or two, even over a slow link. */
    static final Duration LOGIN_GRACE = Duration.ofSeconds(30);

    static final String CLOSED_BEFORE_LOGIN = "connections closed before login";
    static final String REFUSED_KEYS = "refused keys";

    private static final AttributeKey<Boolean> COUNTED = new AttributeKey<>();
    private static final AttributeKey<Boolean> OVER_LIMIT = new AttributeKey<>();
    private static final AttributeKey<String> WHY_CLOSED = new AttributeKey<>();

    private final InboxServer server;
    private final int maxSessions;
    private final ThrottledLog strangers;
    private final PendingLogins<Session> pending = new PendingLogins<>(PER_SOURCE, IN_ALL);
    private final KeyShares<Session> shares;

    SessionLimits(InboxServer server, int maxSessions, ThrottledLog strangers) {
        this.server = server;
        this.maxSessions = maxSessions;
        this.strangers = strangers;
        this.shares = new KeyShares<>(maxSessions);
    }

    /** Counted from the moment MINA creates the session on accept, before the client has sent a byte. */
    @Override
    public void sessionCreated(Session session) {
        List<PendingLogins.Drop<Session>> drops = pending.add(session, InboxServer.host(session.getRemoteAddress()), System.nanoTime());
        for (PendingLogins.Drop<Session> d : drops) {
            long age = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - d.since());
            d.session().setAttribute(WHY_CLOSED, "closed after " + age + " s to make room: " + d.why());
            d.session().close(true);
        }
    }

    @Override
    public void sessionEvent(Session session, Event event) {
        if (event != Event.Authenticated) {
            return;
        }
        pending.loggedIn(session);
        if (session.isClosing()) {
            return; // closed while its login was checked: MINA reports the login all the same (V1)
        }
        session.setAttribute(COUNTED, Boolean.TRUE);
        String key = String.valueOf(session.getAttribute(InboxServer.KEY_FINGERPRINT));
        KeyShares.Admission<Session> a = shares.admit(key, session);
        if (session.isClosing()) {
            uncount(key, session, a); // closed meanwhile: its close may have come before it was counted
            return;
        }
        if (a.refused()) {
            session.setAttribute(OVER_LIMIT, Boolean.TRUE);
            server.log("refused connection from " + InboxServer.address(session.getRemoteAddress()) + " with key " + key + " (user "
                    + session.getUsername() + "): " + maxSessions + (maxSessions == 1 ? " session" : " sessions")
                    + " already logged in (--max-sessions), and no key holds more of them than this one");
            session.close(true);
            return;
        }
        server.idle().loggedIn(session);
        server.log("session opened by " + server.describe((ServerSession) session));
        if (a.displaced() != null) {
            server.log("closed a session of key " + a.displacedKey() + " from " + InboxServer.address(a.displaced().getRemoteAddress())
                    + " to make room for key " + key + ": it held " + a.held() + " of the " + maxSessions
                    + " sessions (--max-sessions), more than any other key; each key may hold its share");
            a.displaced().close(true);
        }
    }

    /**
     * Takes back the count of {@code session}, closed while it was being counted: a session closed
     * before {@link KeyShares#admit} is never reported closed again, and counted for good it took a
     * slot of its key until serve stopped; a stranger who made the server drop a real exporter's
     * connections while their logins were checked (his own connections not logged in, to make room
     * for) had every later login of its key refused (red-team pass V, V1). The session it displaced
     * is closed all the same: it is no longer counted.
     */
    private void uncount(String key, Session session, KeyShares.Admission<Session> a) {
        shares.closed(key, session);
        if (a.displaced() != null) {
            server.log("closed a session of key " + a.displacedKey() + " from " + InboxServer.address(a.displaced().getRemoteAddress())
                    + " to make room for key " + key + ", whose session then closed");
            a.displaced().close(true);
        }
    }

    @Override
    public void sessionClosed(Session session) {
        pending.remove(session);
        SftpIdle idle = server.idle();
        if (idle != null) {
            idle.closed(session);
        }
        if (session.getAttribute(COUNTED) != null) {
            shares.closed(String.valueOf(session.getAttribute(InboxServer.KEY_FINGERPRINT)), session);
            if (session.getAttribute(OVER_LIMIT) == null) {
                server.log("session closed: " + server.describe((ServerSession) session));
            }
            return;
        }
        String why = session.getAttribute(WHY_CLOSED);
        strangers.log(CLOSED_BEFORE_LOGIN, InboxServer.host(session.getRemoteAddress()), "session closed: from "
                + InboxServer.address(session.getRemoteAddress()) + " (never logged in" + (why != null ? ": " + why : "") + ")");
    }

    /** MINA's {@code AUTH_TIMEOUT}: the reason is noted for the close line; MINA disconnects. */
    @Override
    public boolean handleTimeoutDisconnectReason(Session session, TimeoutIndicator timeout) {
        if (timeout.getStatus() == TimeoutIndicator.TimeoutStatus.AuthTimeout) {
            session.setAttribute(WHY_CLOSED, "no login within " + timeout.getThresholdValue().toSeconds() + " s");
        }
        return false;
    }

    /** MINA's {@code MAX_AUTH_REQUESTS}: the reason is noted for the close line; MINA disconnects. */
    @Override
    public boolean handleAuthCountDisconnectReason(Session session, Service service, String serviceName, String method, String user,
            int currentAuthCount, int maxAuthCount) {
        session.setAttribute(WHY_CLOSED, "user " + user + ", more than " + maxAuthCount + " login attempts");
        return false;
    }
}
