package dev.airlock.imports.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.server.session.ServerSession;
import org.junit.jupiter.api.Test;

/**
 * Red-team pass M (M4): serve's SFTP idle timeout looked only at when a session's last request
 * began, so a request longer than the timeout (the CLOSE of a large upload: its fsync, and the hash
 * of a copy kept beside a taken name) had its session closed under it — the client saw "connection
 * closed", the server logged "failed to store … null". A request under way is not idleness. The
 * session here is a stand-in (a proxy holding attributes and noting close): what no real client can
 * do on demand is hold one request open for exactly as long as the test needs; InboxServerIT runs
 * the timeout against real sessions.
 */
class SftpIdleTest {
    private static final class FakeSession {
        final Map<Object, Object> attributes = new ConcurrentHashMap<>();
        final AtomicBoolean closed = new AtomicBoolean();
        final Session session = (Session) Proxy.newProxyInstance(SftpIdleTest.class.getClassLoader(), new Class<?>[] {ServerSession.class},
                (proxy, m, args) -> switch (m.getName()) {
                    case "getAttribute" -> attributes.get(args[0]);
                    case "setAttribute" -> attributes.put(args[0], args[1]);
                    case "close" -> {
                        closed.set(true);
                        yield null;
                    }
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    case "toString" -> "a session";
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }

    @Test
    void aRequestLongerThanTheTimeout_keepsItsSessionOpen_untilItEnds_thenIdlenessCounts() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        try (SftpIdle idle = new SftpIdle(Duration.ofMillis(300), log::add, s -> "key K from 127.0.0.1")) {
            FakeSession busy = new FakeSession();
            FakeSession quiet = new FakeSession();
            idle.loggedIn(busy.session);
            idle.loggedIn(quiet.session);
            SftpIdle.begin(busy.session); // a CLOSE that fsyncs and hashes for a long time
            Thread.sleep(1200);
            assertFalse(busy.closed.get(), "a session in the middle of a request was closed: " + log);
            assertTrue(quiet.closed.get(), "a session that made no request for 4 timeouts is closed");
            SftpIdle.end(busy.session);
            long until = System.nanoTime() + 5_000_000_000L;
            while (!busy.closed.get() && System.nanoTime() < until) {
                Thread.sleep(50);
            }
            assertTrue(busy.closed.get(), "idle after its request ended: closed after the timeout");
            assertEquals(2, log.size(), log.toString());
            assertTrue(log.get(0).startsWith("closing a session that made no SFTP request for ") && log.get(0).endsWith(": key K from 127.0.0.1"),
                    log.toString());
        }
    }
}
