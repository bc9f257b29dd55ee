package dev.airlock.export.sftp;

import dev.airlock.error.AirlockException;
import dev.airlock.io.BoundedFiles;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.sshd.client.config.hosts.KnownHostEntry;
import org.apache.sshd.client.keyverifier.KnownHostsServerKeyVerifier;
import org.apache.sshd.client.keyverifier.RejectAllServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.signature.BuiltinSignatures;

/**
 * Strict host-key checking against an OpenSSH known_hosts file (plain, hashed and {@code [host]:port}
 * entries, {@code @revoked} markers): a host whose key the file does not list, or lists with a
 * different key, is refused, with the offered key's SHA256 fingerprint, before authentication and so
 * before any byte of a file is sent. Nothing is ever added to the file: no trust on first use.
 */
final class KnownHosts {
    /** Host-key algorithms we accept, in OpenSSH's order of preference (no SHA-1 ssh-rsa, no certificates). */
    private static final List<BuiltinSignatures> DEFAULT_ORDER = List.of(BuiltinSignatures.ed25519, BuiltinSignatures.nistp256,
            BuiltinSignatures.nistp384, BuiltinSignatures.nistp521, BuiltinSignatures.rsaSHA512, BuiltinSignatures.rsaSHA256);

    private final Path file;
    private final List<KnownHostEntry> entries;

    private KnownHosts(Path file, List<KnownHostEntry> entries) {
        this.file = file;
        this.entries = entries;
    }

    /** Reads {@code file}; a missing file lists no host (every host is then refused as unknown). */
    static KnownHosts read(Path file) {
        byte[] bytes;
        try {
            // Checked and bounded here; sshd's verifier reads the same path again when it connects.
            bytes = BoundedFiles.read(file, BoundedFiles.KEY_LIST);
        } catch (NoSuchFileException e) {
            return new KnownHosts(file, List.of());
        }
        try {
            return new KnownHosts(file, KnownHostEntry.readKnownHostEntries(new java.io.ByteArrayInputStream(bytes), true));
        } catch (IOException | RuntimeException e) {
            throw AirlockException.usage("cannot read known_hosts file " + file + ": " + e.getMessage());
        }
    }

    static Path defaultFile() {
        return Path.of(System.getProperty("user.home"), ".ssh", "known_hosts");
    }

    Path file() {
        return file;
    }

    /**
     * The signature algorithms to offer for the host key, those of the key types known_hosts lists
     * for {@code host}:{@code port} first (as OpenSSH orders them), so that a server with several
     * host keys shows the one we know rather than one we would take for a changed key.
     */
    List<BuiltinSignatures> hostKeyAlgorithms(String host, int port) {
        Set<BuiltinSignatures> order = new LinkedHashSet<>();
        for (KnownHostEntry e : entries) {
            if (e.getKeyEntry() == null || e.getMarker() != null || !e.isHostMatch(host, port)) {
                continue;
            }
            String type = e.getKeyEntry().getKeyType();
            if (KeyUtils.RSA_SHA512_KEY_TYPE_ALIAS.equals(type) || "ssh-rsa".equals(type)) {
                order.add(BuiltinSignatures.rsaSHA512);
                order.add(BuiltinSignatures.rsaSHA256);
            } else {
                DEFAULT_ORDER.stream().filter(s -> s.getName().equals(type)).forEach(order::add);
            }
        }
        order.addAll(DEFAULT_ORDER);
        return new ArrayList<>(order);
    }

    /** The key types known_hosts lists (not revoked) for {@code host}:{@code port}, in file order. */
    private Set<String> listedTypes(String host, int port) {
        Set<String> types = new LinkedHashSet<>();
        for (KnownHostEntry e : entries) {
            if (e.getKeyEntry() != null && e.getMarker() == null && e.isHostMatch(host, port)) {
                types.add(e.getKeyEntry().getKeyType());
            }
        }
        return types;
    }

    /** A verifier for one connection; after a refusal, {@link Verifier#refusal()} says why. */
    Verifier verifier(SftpTarget target) {
        return new Verifier(target);
    }

    final class Verifier extends KnownHostsServerKeyVerifier {
        private final SftpTarget target;
        private volatile AirlockException refusal;

        private Verifier(SftpTarget target) {
            super(RejectAllServerKeyVerifier.INSTANCE, file);
            this.target = target;
            setModifiedServerKeyAcceptor((session, address, entry, expected, actual) -> {
                Set<String> listed = listedTypes(target.host(), target.port());
                String offered = KeyUtils.getKeyType(actual);
                if (!listed.isEmpty() && !listed.contains(offered)) {
                    refusal = AirlockException.transientFailure("host key of " + target.hostPort() + " is of another type: it "
                            + "offers an " + offered + " key (" + KeyUtils.getFingerPrint(actual) + "), while " + file
                            + " lists only " + String.join(", ", listed) + " for it (" + describe(expected) + "). If the bastion's "
                            + "admin confirms this fingerprint (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub), add the key to "
                            + "known_hosts; refusing to connect", null);
                } else {
                    refusal = AirlockException.transientFailure("host key of " + target.hostPort() + " has CHANGED: it offers "
                            + describe(actual) + ", but " + file + " lists " + describe(expected) + " for it. Someone may be "
                            + "intercepting the connection, or the host was reinstalled: check the new fingerprint with its "
                            + "admin before replacing the entry; refusing to connect", null);
                }
                return false;
            });
        }

        @Override
        protected boolean acceptUnknownHostKey(ClientSession session, SocketAddress remote, PublicKey key) {
            refusal = AirlockException.transientFailure("host key of " + target.hostPort() + " is unknown: it offers "
                    + describe(key) + ", which " + file + (Files.exists(file) ? " does not list" : " (missing) cannot list")
                    + ". Never trusted on first use: compare this fingerprint with the one the bastion's admin reads with "
                    + "ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub and add the key to known_hosts "
                    + "(docs/ssh-bastion.md, \"Setting up, once\"); refusing to connect", null);
            return false;
        }

        @Override
        protected void handleRevokedKey(ClientSession session, SocketAddress remote, PublicKey key) {
            refusal = AirlockException.transientFailure("host key of " + target.hostPort() + " (" + describe(key)
                    + ") is marked @revoked in " + file + "; refusing to connect", null);
        }

        @Override
        public boolean verifyServerKey(ClientSession session, SocketAddress remote, PublicKey key) {
            boolean ok = super.verifyServerKey(session, remote, key);
            if (!ok && refusal == null) {
                refusal = AirlockException.transientFailure("host key of " + target.hostPort() + " (" + describe(key)
                        + ") could not be checked against " + file + "; refusing to connect", null);
            }
            return ok;
        }

        /** Why the host key was refused, or null if it was not. */
        AirlockException refusal() {
            return refusal;
        }
    }

    /** {@code ssh-ed25519 SHA256:...}, as {@code ssh-keygen -lf} shows a key. */
    static String describe(PublicKey key) {
        return KeyUtils.getKeyType(key) + " " + KeyUtils.getFingerPrint(key);
    }
}
