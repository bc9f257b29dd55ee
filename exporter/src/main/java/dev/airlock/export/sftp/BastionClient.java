package dev.airlock.export.sftp;

import dev.airlock.error.AirlockException;
import dev.airlock.io.Trace;
import java.io.IOException;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.sshd.client.ClientBuilder;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.auth.pubkey.UserAuthPublicKeyFactory;
import org.apache.sshd.client.config.hosts.HostConfigEntryResolver;
import org.apache.sshd.client.keyverifier.RejectAllServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.NamedFactory;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.SshException;
import org.apache.sshd.common.cipher.BuiltinCiphers;
import org.apache.sshd.common.cipher.Cipher;
import org.apache.sshd.common.config.keys.FilePasswordProvider;
import org.apache.sshd.common.kex.BuiltinDHFactories;
import org.apache.sshd.common.kex.KexProposalOption;
import org.apache.sshd.common.kex.KeyExchangeFactory;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;
import org.apache.sshd.common.keyprovider.KeyIdentityProvider;
import org.apache.sshd.common.signature.Signature;
import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.sftp.SftpModuleProperties;

/**
 * The SSH client of a push: one target, one identity, strict known_hosts, and nothing read from
 * {@code ~/.ssh} (no config file, no default identities, no agent, no password or keyboard login).
 * Every wait is bounded by the idle timeout: connecting, the key exchange and login, opening a
 * channel, each SFTP reply, a full channel window; heartbeats every quarter of it end a session
 * whose peer stopped answering.
 */
final class BastionClient implements AutoCloseable {
    /** Cipher preference: AES-GCM first (AES-NI and CLMUL in the JVM), then what OpenSSH offers by default. */
    private static final List<BuiltinCiphers> CIPHERS = List.of(BuiltinCiphers.aes128gcm, BuiltinCiphers.aes256gcm,
            BuiltinCiphers.aes128ctr, BuiltinCiphers.aes256ctr, BuiltinCiphers.cc20p1305_openssh);

    /**
     * Key exchange preference: ML-KEM hybrid (post-quantum, OpenSSH 9.9 and later), then X25519 and the
     * NIST curves. sntrup761 (OpenSSH 9.0 to 9.8) is left out on purpose: its key generation runs as
     * cold Java code here and costs about half a second of CPU per connection, and what crosses is
     * signed, not secret, so a harvest-now-decrypt-later attacker gains little from it.
     */
    private static final List<BuiltinDHFactories> KEX = List.of(BuiltinDHFactories.mlkem768x25519, BuiltinDHFactories.curve25519,
            BuiltinDHFactories.curve25519_libssh, BuiltinDHFactories.ecdhp256, BuiltinDHFactories.ecdhp384,
            BuiltinDHFactories.ecdhp521);

    private final SftpTarget target;
    private final KnownHosts knownHosts;
    private final KeyPair identity;
    private final Duration idle;
    private final SshClient client;

    BastionClient(SftpTarget target, KnownHosts knownHosts, KeyPair identity, Duration idle) {
        this.target = target;
        this.knownHosts = knownHosts;
        this.identity = identity;
        this.idle = idle;
        SshClient c = SshClient.setUpDefaultClient();
        c.setHostConfigEntryResolver(HostConfigEntryResolver.EMPTY);
        c.setKeyIdentityProvider(KeyIdentityProvider.EMPTY_KEYS_PROVIDER);
        c.setFilePasswordProvider(FilePasswordProvider.EMPTY);
        c.setUserAuthFactories(List.of(UserAuthPublicKeyFactory.INSTANCE));
        c.setServerKeyVerifier(RejectAllServerKeyVerifier.INSTANCE);
        List<NamedFactory<Signature>> signatures = new ArrayList<>(knownHosts.hostKeyAlgorithms(target.host(), target.port()));
        c.setSignatureFactories(signatures);
        List<NamedFactory<Cipher>> ciphers = new ArrayList<>();
        CIPHERS.stream().filter(BuiltinCiphers::isSupported).forEach(ciphers::add);
        c.setCipherFactories(ciphers);
        List<KeyExchangeFactory> kex = new ArrayList<>();
        KEX.stream().filter(BuiltinDHFactories::isSupported).map(ClientBuilder.DH2KEX).forEach(kex::add);
        c.setKeyExchangeFactories(kex);
        CoreModuleProperties.IO_CONNECT_TIMEOUT.set(c, idle);
        CoreModuleProperties.AUTH_TIMEOUT.set(c, idle);
        CoreModuleProperties.IDLE_TIMEOUT.set(c, idle);
        CoreModuleProperties.WINDOW_TIMEOUT.set(c, idle);
        CoreModuleProperties.CHANNEL_OPEN_TIMEOUT.set(c, idle);
        CoreModuleProperties.HEARTBEAT_INTERVAL.set(c, idle.dividedBy(4).isZero() ? Duration.ofMillis(1) : idle.dividedBy(4));
        CoreModuleProperties.HEARTBEAT_NO_REPLY_MAX.set(c, 4);
        SftpModuleProperties.SFTP_CHANNEL_OPEN_TIMEOUT.set(c, idle);
        if (Trace.on()) {
            c.addSessionListener(new TraceSteps());
        }
        c.start();
        this.client = c;
    }

    /**
     * Connects, checks the host key and logs in. A refused host key or login is final
     * ({@link AirlockException}); anything else (refused or dropped connection, a timeout) is an
     * {@link IOException} for the caller to retry.
     */
    ClientSession connect() throws IOException {
        KnownHosts.Verifier verifier = knownHosts.verifier(target);
        // Set on the client, not the session: the key exchange starts as soon as the session exists.
        // Connections are made one at a time, so each sees its own verifier.
        client.setServerKeyVerifier(verifier);
        Trace.mark("ssh: connecting");
        ClientSession session = client.connect(target.user(), target.host(), target.port()).verify(idle).getSession();
        try {
            session.addPublicKeyIdentity(identity);
            session.auth().verify(idle);
            Trace.mark("ssh: logged in to " + target.hostPort() + " (" + session.getNegotiatedKexParameter(KexProposalOption.ALGORITHMS)
                    + ", " + session.getNegotiatedKexParameter(KexProposalOption.C2SENC) + ")");
            return session;
        } catch (IOException | RuntimeException e) {
            session.close(true);
            AirlockException refusal = verifier.refusal();
            if (refusal != null) {
                throw refusal;
            }
            if (e instanceof SshException s && s.getDisconnectCode() == SshConstants.SSH2_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE) {
                throw AirlockException.authRefused(target.hostPort() + " refused the login of " + target.user() + " with "
                        + KnownHosts.describe(identity.getPublic()) + ": is that public key in the user's authorized_keys?");
            }
            throw e;
        }
    }

    Duration idle() {
        return idle;
    }

    @Override
    public void close() {
        client.stop();
    }

    /** With AIRLOCK_TRACE=1: when each step of the SSH handshake happened, for tuning the time to the first byte. */
    private static final class TraceSteps implements SessionListener {
        @Override
        public void sessionPeerIdentificationReceived(Session session, String version, List<String> extraLines) {
            Trace.mark("ssh: server is " + version);
        }

        @Override
        public void sessionEvent(Session session, Event event) {
            Trace.mark("ssh: " + event);
        }
    }
}
