package dev.airlock.imports.serve;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.testing.TestSshd;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.keyverifier.AcceptAllServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.config.keys.FilePasswordProvider;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.apache.sshd.sftp.client.SftpClient;
import org.apache.sshd.sftp.client.SftpClientFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass V (issue 17, V1): a session closed by the server while its login is being checked
 * (here: dropped to make room for newer connections not logged in yet, which anyone who can reach
 * the port may open) is reported closed before it is reported logged in. MINA reports the login all
 * the same, and {@link KeyShares} counted it then: a session that never closes again, counted for
 * good against its key and {@code --max-sessions}. Each such race won costs the real exporter's key a
 * slot until serve restarts; with its slots all taken this way (one, with --max-sessions 1) its every
 * later login was refused ("no key holds more of them than this one"). The race is made certain here
 * by holding the login's thread on a log line it writes (the authorized keys re-read) while a
 * stranger's connections make the server drop it; the key then logs in again past the idle timeout.
 */
class ServeSessionClosedDuringLoginIT {
    @TempDir
    Path tmp;

    private Path inbox;
    private Path clientKey;
    private Path authorizedKeys;
    private InboxServer server;
    private SshClient client;
    private final List<String> log = new ArrayList<>();
    private final AtomicInteger rereads = new AtomicInteger();
    private volatile boolean armed;
    private final CountDownLatch inLogin = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);

    @BeforeEach
    void setUp() throws Exception {
        inbox = Files.createDirectories(tmp.resolve("inbox"));
        clientKey = tmp.resolve("client_ed25519");
        TestSshd.keygen("ed25519", "", clientKey);
        authorizedKeys = Files.writeString(tmp.resolve("authorized_keys"), Files.readString(clientKey.resolveSibling("client_ed25519.pub")));
        client = SshClient.setUpDefaultClient();
        client.setServerKeyVerifier(AcceptAllServerKeyVerifier.INSTANCE);
        client.start();
    }

    @AfterEach
    void tearDown() {
        release.countDown();
        if (server != null) {
            server.close();
        }
        client.stop();
    }

    private void log(String line) {
        synchronized (log) {
            log.add(line);
        }
        if (armed && line.startsWith("authorized keys re-read")) {
            if (rereads.incrementAndGet() == 1) {
                touch(Instant.now().plusSeconds(7)); // the query's look: the signed request's look re-reads it again
                return;
            }
            inLogin.countDown(); // the signed login request, checked now: held here while the server drops the session
            try {
                release.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void touch(Instant when) {
        try {
            Files.setLastModifiedTime(authorizedKeys, FileTime.from(when));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private String log() {
        synchronized (log) {
            return String.join("\n", log);
        }
    }

    private ClientSession connect() throws Exception {
        ClientSession s = client.connect("airlock", "127.0.0.1", server.port()).verify(Duration.ofSeconds(10)).getSession();
        try (InputStream in = Files.newInputStream(clientKey)) {
            s.addPublicKeyIdentity(SecurityUtils.loadKeyPairIdentities(null, null, in, FilePasswordProvider.EMPTY).iterator().next());
        }
        return s;
    }

    @Test
    void aSessionDroppedWhileItsLoginIsChecked_isNotCountedForGood_andTheKeyLogsInAgain() throws Exception {
        server = InboxServer.start(new ServeSettings("127.0.0.1", 0, tmp.resolve("host_key"), authorizedKeys, inbox, 0, 1,
                Duration.ofSeconds(2), 1), this::log);
        ClientSession victim = connect();
        touch(Instant.now().plusSeconds(3)); // its next login look re-reads the file, and says so
        armed = true;
        victim.auth(); // not waited for: its signed request is held in the server
        assertTrue(inLogin.await(20, TimeUnit.SECONDS), "the login was never checked: " + log());
        List<Socket> crowd = new ArrayList<>();
        try {
            for (int i = 0; i < SessionLimits.PER_SOURCE; i++) {
                crowd.add(new Socket("127.0.0.1", server.port())); // a stranger's connections: the oldest pending one goes
            }
            long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!log().contains("to make room") && System.nanoTime() < end) {
                Thread.sleep(20);
            }
            assertTrue(log().contains("to make room"), "the held login was not dropped: " + log());
            Thread.sleep(300);
            release.countDown(); // the login check goes on, and succeeds
            Thread.sleep(1000);
        } finally {
            for (Socket s : crowd) {
                s.close();
            }
            victim.close(true);
        }
        armed = false;
        Thread.sleep(3000); // past the idle timeout (2 s): it frees no slot either
        try (ClientSession again = connect()) {
            again.auth().verify(Duration.ofSeconds(10));
            try (SftpClient sftp = SftpClientFactory.instance().createSftpClient(again)) {
                assertTrue(again.isOpen(), log());
            }
        } catch (Exception e) {
            throw new AssertionError("the key cannot log in again once a session was dropped during its login: " + e + "\n" + log(), e);
        }
    }
}
