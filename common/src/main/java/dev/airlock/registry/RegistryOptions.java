package dev.airlock.registry;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/**
 * How to talk to registries.
 *
 * @param insecureHosts {@code HOST[:PORT]} spoken to over plain HTTP; every other host is HTTPS
 * @param caFile extra CAs (PEM) trusted beside the system store, or null
 * @param credentials where credentials come from
 * @param maxAttempts tries per request on 429/5xx/connection errors, at least 1
 * @param initialBackoff the first wait; it doubles each retry, with jitter, up to 30 s
 * @param idleTimeout how long a connection, a response header or a body (either direction) may move no
 *     byte before the attempt is abandoned as a transient failure (and retried)
 * @param skipVerifyHosts {@code HOST[:PORT]} spoken to over HTTPS without checking its certificate
 *     (skopeo's per-registry {@code insecure}; the connection is encrypted but not authenticated)
 * @param tlsVerify false for skopeo's {@code --tls-verify=false}: no certificate is checked for any
 *     registry, and a registry that answers HTTPS with plain HTTP is spoken to over HTTP
 * @param certDir a directory whose {@code *.crt} files are CAs trusted beside the system store
 *     (containers' {@code certs.d} form), or null
 */
public record RegistryOptions(Set<String> insecureHosts, Path caFile, CredentialStore credentials, int maxAttempts,
        Duration initialBackoff, Duration idleTimeout, Set<String> skipVerifyHosts, boolean tlsVerify, Path certDir) {
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);


    public RegistryOptions {
        insecureHosts = Set.copyOf(insecureHosts);
        skipVerifyHosts = Set.copyOf(skipVerifyHosts);
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts < 1");
        }
        if (idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("idleTimeout <= 0");
        }
    }

    public static RegistryOptions defaults() {
        return new RegistryOptions(Set.of(), null, CredentialStore.NONE, 5, Duration.ofMillis(250), DEFAULT_IDLE_TIMEOUT,
                Set.of(), true, null);
    }

    /** Whether the certificate of {@code host} is checked at all. */
    public boolean verifiesCertificateOf(String host) {
        return tlsVerify && !skipVerifyHosts.contains(host);
    }

    public RegistryOptions withInsecure(Set<String> hosts) {
        return new RegistryOptions(hosts, caFile, credentials, maxAttempts, initialBackoff, idleTimeout, skipVerifyHosts, tlsVerify, certDir);
    }

    public RegistryOptions withCaFile(Path file) {
        return new RegistryOptions(insecureHosts, file, credentials, maxAttempts, initialBackoff, idleTimeout, skipVerifyHosts, tlsVerify, certDir);
    }

    public RegistryOptions withCredentials(CredentialStore store) {
        return new RegistryOptions(insecureHosts, caFile, store, maxAttempts, initialBackoff, idleTimeout, skipVerifyHosts, tlsVerify, certDir);
    }

    public RegistryOptions withRetries(int attempts, Duration backoff) {
        return new RegistryOptions(insecureHosts, caFile, credentials, attempts, backoff, idleTimeout, skipVerifyHosts, tlsVerify, certDir);
    }

    public RegistryOptions withIdleTimeout(Duration timeout) {
        return new RegistryOptions(insecureHosts, caFile, credentials, maxAttempts, initialBackoff, timeout, skipVerifyHosts, tlsVerify, certDir);
    }

    public RegistryOptions withSkipVerify(Set<String> hosts) {
        return new RegistryOptions(insecureHosts, caFile, credentials, maxAttempts, initialBackoff, idleTimeout, hosts, tlsVerify, certDir);
    }

    public RegistryOptions withTlsVerify(boolean verify) {
        return new RegistryOptions(insecureHosts, caFile, credentials, maxAttempts, initialBackoff, idleTimeout, skipVerifyHosts, verify, certDir);
    }

    public RegistryOptions withCertDir(Path dir) {
        return new RegistryOptions(insecureHosts, caFile, credentials, maxAttempts, initialBackoff, idleTimeout, skipVerifyHosts, tlsVerify, dir);
    }
}
