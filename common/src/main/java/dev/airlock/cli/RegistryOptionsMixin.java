package dev.airlock.cli;

import dev.airlock.error.AirlockException;
import dev.airlock.registry.DockerConfigCredentials;
import dev.airlock.registry.RegistryOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Option;

/** Registry connection flags shared by both programs. */
public final class RegistryOptionsMixin {
    private static final Duration MIN_IDLE = Duration.ofMillis(100);
    /** The most blobs moved at once that --parallel accepts. */
    public static final int MAX_PARALLEL = 64;

    /** Checks a --parallel value: 1 to {@link #MAX_PARALLEL}. */
    public static int parallel(int n) {
        if (n < 1 || n > MAX_PARALLEL) {
            throw AirlockException.usage("--parallel " + n + ": give 1 to " + MAX_PARALLEL);
        }
        return n;
    }

    @Option(names = "--insecure-registry", paramLabel = "HOST:PORT",
            description = "Speak plain HTTP to this registry (repeatable). Every other registry is HTTPS.")
    public List<String> insecure = new ArrayList<>();

    @Option(names = "--ca-file", paramLabel = "PEM", description = "Trust the CA certificates in this PEM file, besides the system store.")
    public Path caFile;

    @Option(names = "--auth-file", paramLabel = "FILE",
            description = "Registry credentials in docker config.json / containers auth.json form. "
                    + "Default: REGISTRY_AUTH_FILE, DOCKER_CONFIG/config.json, ~/.docker/config.json, XDG_RUNTIME_DIR/containers/auth.json.")
    public Path authFile;

    @Option(names = "--retries", paramLabel = "N", defaultValue = "5",
            description = "Tries per registry request on 429/5xx and connection errors (default: ${DEFAULT-VALUE}).")
    public int retries;

    @Option(names = "--idle-timeout", paramLabel = "DURATION", defaultValue = "60s", converter = Units.DurationConverter.class,
            description = "Give up on a connection or transfer that moves no byte for this long (e.g. 30s, 2m, 500ms;"
                    + " default: ${DEFAULT-VALUE}); the request is then retried like a dropped connection.")
    public Duration idleTimeout;

    /** Builds the options; {@code extraInsecure} and {@code extraCa} come from a config file and lose to flags. */
    public RegistryOptions toOptions(List<String> extraInsecure, Path extraCa) {
        if (retries < 1) {
            throw AirlockException.usage("--retries " + retries + ": give at least 1 (the number of tries per request)");
        }
        if (idleTimeout.compareTo(MIN_IDLE) < 0) {
            throw AirlockException.usage("--idle-timeout " + idleTimeout.toMillis() + "ms is too short to connect at all; give at least "
                    + MIN_IDLE.toMillis() + "ms");
        }
        Set<String> hosts = new HashSet<>(insecure);
        if (extraInsecure != null) {
            hosts.addAll(extraInsecure);
        }
        return RegistryOptions.defaults()
                .withInsecure(hosts)
                .withCaFile(caFile != null ? caFile : extraCa)
                .withCredentials(DockerConfigCredentials.standard(authFile, System.getenv()))
                .withRetries(retries, Duration.ofMillis(250))
                .withIdleTimeout(idleTimeout);
    }
}
