package dev.airlock.imports.serve;

import dev.airlock.cli.LogText;
import dev.airlock.cli.Units;
import dev.airlock.error.AirlockException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.auth.pubkey.UserAuthPublicKeyFactory;
import org.apache.sshd.server.forward.RejectAllForwardingFilter;
import org.apache.sshd.server.session.ServerSession;
import org.apache.sshd.sftp.SftpModuleProperties;
import org.apache.sshd.common.file.virtualfs.VirtualFileSystemFactory;

/**
 * The SFTP inbox: an embedded SSH server (Apache MINA SSHD) that lets the keys in an
 * {@code authorized_keys} file upload files into one directory, and does nothing else. Public-key
 * login only (no password, keyboard-interactive, host-based or GSSAPI); the only channel is a
 * session, and the only thing a session may start is the SFTP subsystem ({@link InboxSftpSubsystem}):
 * no shell, exec, port forwarding (local, remote, X11) or agent forwarding. Before login, connections
 * are bounded per address and in all, must log in within 30 s (or the idle timeout, if shorter) and
 * may try six keys; after login, at most {@code maxSessions} sessions ({@link SessionLimits}). A
 * session that moves nothing for the idle timeout is closed.
 *
 * <p>One line per event goes to {@code log}: start, sessions (key fingerprint, user name and
 * client address), files received, refusals (refused keys with their fingerprints); what a
 * stranger can cause before login is throttled ({@link ThrottledLog}). Every line is made
 * printable ({@link LogText}): names, paths and user names are the client's choice. No CLI types
 * in here.
 */
public final class InboxServer implements AutoCloseable {
    static final AttributeKey<String> KEY_FINGERPRINT = new AttributeKey<>();
    /** Lines of one kind a stranger can cause, per {@link #STRANGER_WINDOW}; the rest are summed up. */
    private static final int STRANGER_LINES = 10;
    private static final Duration STRANGER_WINDOW = Duration.ofMinutes(1);
    /**
     * SFTP channels one session may hold open at once. Each is a server thread, and an authorized
     * session could otherwise open thousands; a sender uses one.
     */
    static final int MAX_CHANNELS_PER_SESSION = 10;
    /** How long {@link #close} waits for the subsystems to close their files (and log what was discarded). */
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);

    private final ServeSettings settings;
    private final Path inbox;
    private final Consumer<String> log;
    private final Quota quota;
    private final ThrottledLog strangers;
    private final OpenWriters writers = new OpenWriters();
    private final Set<InboxSftpSubsystem> running = new HashSet<>();
    private SshServer sshd;
    private volatile SftpIdle idle;
    private HostKey hostKey;
    /** Where the {@code .part} files of pushes are kept ({@link PartsDirectory}). */
    private Path parts;
    private java.util.Set<java.nio.file.attribute.PosixFilePermission> fileMode;
    private int port;

    private InboxServer(ServeSettings settings, Path inbox, Consumer<String> log, Quota quota) {
        this.settings = settings;
        this.inbox = inbox;
        this.log = log;
        this.quota = quota;
        this.strangers = new ThrottledLog(this::log, STRANGER_LINES, STRANGER_WINDOW);
    }

    /**
     * Checks the inbox, the authorized keys and the host key (generating it when missing), then
     * listens. Bad settings are usage errors (exit 2), a host key that cannot be written a local
     * one (exit 1); nothing listens then.
     */
    public static InboxServer start(ServeSettings s, Consumer<String> log) {
        Path inbox = s.inbox().toAbsolutePath().normalize();
        if (!Files.isDirectory(inbox)) {
            throw AirlockException.usage("inbox " + s.inbox() + " does not exist or is not a directory");
        }
        if (!Files.isWritable(inbox)) {
            throw AirlockException.local("inbox " + s.inbox() + " is not writable", null);
        }
        dev.airlock.io.FileOwners.refuseSharedWithoutSticky(inbox, "inbox");
        dev.airlock.imports.inbox.InboxWatcher.refuseLinksInSharedDirectories(inbox);
        if (s.maxSessions() < 1) {
            throw AirlockException.usage("--max-sessions must be at least 1");
        }
        Quota quota;
        try {
            quota = new Quota(Files.getFileStore(inbox), s.maxUploadSize(), s.minFree());
        } catch (IOException e) {
            throw AirlockException.local("cannot read the file system of inbox " + inbox + ": " + e.getMessage(), e);
        }
        InboxServer server = new InboxServer(s, inbox, log, quota);
        try {
            LeftoverUploads.remove(inbox, server::log);
            AuthorizedKeys keys = AuthorizedKeys.read(s.authorizedKeys(), server::log, (session, line) -> server.strangers.log(
                    SessionLimits.REFUSED_KEYS, host(session.getClientAddress()), line));
            server.hostKey = HostKey.loadOrGenerate(s.hostKey());
            server.parts = PartsDirectory.prepare(inbox, server::log);
            server.fileMode = PartsDirectory.umaskMode(server.parts);
            PartsDirectory.logUnlistedKeys(server.parts, keys.current().stream().map(HostKey::fingerprint).toList(), server::log);
            server.listen(keys);
            return server;
        } catch (RuntimeException e) {
            server.strangers.close();
            if (server.idle != null) {
                server.idle.close();
            }
            throw e;
        }
    }

    /** Public-key login, one session channel, SFTP only, and the limits; not started. */
    private SshServer configure(AuthorizedKeys keys) {
        SshServer sshd = SshServer.setUpDefaultServer();
        sshd.setHost(settings.host());
        sshd.setPort(settings.port());
        sshd.setKeyPairProvider(KeyPairProvider.wrap(hostKey.pair()));
        sshd.setUserAuthFactories(List.of(UserAuthPublicKeyFactory.INSTANCE));
        sshd.setPublickeyAuthenticator(keys);
        sshd.setPasswordAuthenticator(null);
        sshd.setKeyboardInteractiveAuthenticator(null);
        sshd.setGSSAuthenticator(null);
        sshd.setHostBasedAuthenticator(null);
        sshd.setShellFactory(null);
        sshd.setCommandFactory(null);
        sshd.setAgentFactory(null);
        sshd.setForwardingFilter(RejectAllForwardingFilter.INSTANCE);
        sshd.setChannelFactories(List.of(new SessionChannels(MAX_CHANNELS_PER_SESSION, this, this::log)));
        sshd.setFileSystemFactory(new VirtualFileSystemFactory(inbox));
        sshd.setSubsystemFactories(List.of(InboxSftpSubsystem.factory(this)));
        Duration idle = settings.idleTimeout();
        CoreModuleProperties.IDLE_TIMEOUT.set(sshd, idle);
        // Login (OpenSSH's LoginGraceTime, MaxAuthTries): MINA enforces both and asks SessionLimits before it disconnects.
        CoreModuleProperties.AUTH_TIMEOUT.set(sshd, idle.compareTo(SessionLimits.LOGIN_GRACE) < 0 ? idle : SessionLimits.LOGIN_GRACE);
        CoreModuleProperties.MAX_AUTH_REQUESTS.set(sshd, SessionLimits.MAX_AUTH_TRIES);
        // A backstop behind SessionChannels: MINA (2.20.0, AbstractConnectionService.registerChannel) ends the
        // session when a channel opens with more than this many open already.
        CoreModuleProperties.MAX_CONCURRENT_CHANNELS.set(sshd, MAX_CHANNELS_PER_SESSION);
        CoreModuleProperties.SERVER_IDENTIFICATION.set(sshd, "airlock-inbox");
        // Version 3, as OpenSSH speaks it; only the OpenSSH extensions an upload needs are announced.
        SftpModuleProperties.SFTP_VERSION.set(sshd, 3);
        SftpModuleProperties.OPENSSH_EXTENSIONS.set(sshd, "fsync@openssh.com=1,posix-rename@openssh.com=1,limits@openssh.com=1");
        SftpModuleProperties.CLIENT_EXTENSIONS.set(sshd, "");
        // Counted as sessions are created, before the key exchange: MINA's own hook at accept time
        // (IoServiceEventListener) would leave a refused socket open.
        SessionLimits limits = new SessionLimits(this, settings.maxSessions(), strangers);
        sshd.addSessionListener(limits);
        sshd.setSessionDisconnectHandler(limits);
        return sshd;
    }

    private void listen(AuthorizedKeys keys) {
        SshServer sshd = configure(keys);
        Duration idle = settings.idleTimeout();
        this.idle = new SftpIdle(idle, this);
        try {
            sshd.start();
        } catch (IOException e) {
            sshd.close(true);
            throw AirlockException.usage("cannot listen on " + settings.host() + ":" + settings.port() + ": " + e.getMessage());
        }
        this.sshd = sshd;
        this.port = ((InetSocketAddress) sshd.getBoundAddresses().iterator().next()).getPort();
        log("host key " + settings.hostKey() + (hostKey.generated() ? " generated: " : ": ") + hostKey.type() + " " + hostKey.fingerprint());
        String h = settings.host();
        boolean wildcard = h.equals("0.0.0.0") || h.equals("::") || h.equals("[::]") || h.equals("*");
        log("known_hosts line for the sending side: " + hostKey.knownHostsLine(wildcard ? "HOST" : h, port)
                + (wildcard ? "  (HOST: the name or address the sender connects to)" : ""));
        log("listening on " + h + ":" + port + ", inbox " + inbox + ", " + keys.size() + " authorized key" + (keys.size() == 1 ? "" : "s")
                + ", at most " + settings.maxSessions() + " sessions of " + MAX_CHANNELS_PER_SESSION + " channels, idle timeout " + idle.toSeconds() + " s, before login at most "
                + SessionLimits.PER_SOURCE + " connections per address and " + SessionLimits.IN_ALL + " in all"
                + (settings.maxUploadSize() > 0 ? ", at most " + Units.bytes(settings.maxUploadSize()) + " per file" : "")
                + ", keeping " + Units.bytes(settings.minFree()) + " free");
    }

    /** The port listened on (the one picked, when the settings asked for 0). */
    public int port() {
        return port;
    }

    public HostKey hostKey() {
        return hostKey;
    }

    Path inbox() {
        return inbox;
    }

    /** The directory of serve's own where {@code NAME.part} files are kept. */
    Path parts() {
        return parts;
    }

    Quota quota() {
        return quota;
    }

    /** The mode the umask gives a file serve makes: a plain upload's, 0600 while written, once delivered. */
    java.util.Set<java.nio.file.attribute.PosixFilePermission> fileMode() {
        return fileMode;
    }

    /** The SFTP-level idle timeout of logged-in sessions. */
    SftpIdle idle() {
        return idle;
    }

    /** The {@code .part} files open for writing, across all sessions. */
    OpenWriters writers() {
        return writers;
    }

    void subsystemStarted(InboxSftpSubsystem s) {
        synchronized (running) {
            running.add(s);
        }
    }

    void subsystemEnded(InboxSftpSubsystem s) {
        synchronized (running) {
            running.remove(s);
            running.notifyAll();
        }
    }

    /** Waits, at most {@code limit}, for every subsystem's request loop to end (its open files closed and logged). */
    private void awaitSubsystems(Duration limit) {
        long end = System.nanoTime() + limit.toNanos();
        synchronized (running) {
            try {
                for (long left = limit.toMillis(); !running.isEmpty() && left > 0; left = (end - System.nanoTime()) / 1_000_000) {
                    running.wait(left);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Every line of the server's, made printable: it may hold names a client chose. */
    void log(String line) {
        log.accept(LogText.printable(line));
    }

    /** {@code SHA256:… (user NAME) from ADDRESS}. */
    String describe(ServerSession session) {
        String key = session.getAttribute(KEY_FINGERPRINT);
        return (key != null ? "key " + key + " (user " + session.getUsername() + ")" : "an unauthenticated client") + " from "
                + address(session.getClientAddress());
    }

    /** {@code HOST:PORT} of a client, {@code [V6]:PORT} for IPv6. */
    static String address(SocketAddress a) {
        if (a instanceof InetSocketAddress i) {
            String host = host(a);
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + i.getPort();
        }
        return String.valueOf(a);
    }

    /** The client's IP address alone: what the bounds before login count by. */
    static String host(SocketAddress a) {
        if (a instanceof InetSocketAddress i) {
            return i.getAddress() != null ? i.getAddress().getHostAddress() : i.getHostString();
        }
        return String.valueOf(a);
    }

    /** fsync of the inbox directory, so a rename into it survives a crash. */
    void syncInbox() throws IOException {
        try (FileChannel d = FileChannel.open(inbox, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    /** Stops listening and closes every session; uploads not closed by their clients are discarded ({@code .part} files kept). */
    @Override
    public void close() {
        if (sshd != null) {
            try {
                sshd.stop(true);
            } catch (IOException e) {
                log("stopping the server: " + e.getMessage());
            }
            sshd = null;
            awaitSubsystems(CLOSE_WAIT); // their "discarded" lines come before "stopped"
            strangers.close();
            idle.close();
            log("stopped");
        }
    }
}
