package dev.airlock.testing;

import dev.airlock.registry.CredentialStore;
import dev.airlock.registry.Credentials;
import dev.airlock.registry.RegistryClient;
import dev.airlock.registry.RegistryOptions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * One real registry on a free loopback port: Debian's {@code docker-registry} run as a process with
 * its own config and storage under a temp dir. Plain HTTP, or HTTPS with a generated CA and
 * htpasswd basic auth. Where the binary is absent, {@link RegistryExtension} falls back to
 * {@code registry:2} through Testcontainers.
 */
public final class TestRegistry implements AutoCloseable {
    public static final String BINARY = "docker-registry";
    public static final String USER = "airlock";
    public static final String PASSWORD = "s3cret-test-pass";

    private final String host;
    private final Path dir;
    private final TestCa ca;
    private final AutoCloseable process;
    /** The {@code docker-registry} config, for a registry this class runs as a process (null otherwise). */
    private final Path config;
    private Process running;

    TestRegistry(String host, Path dir, TestCa ca, AutoCloseable process) {
        this.host = host;
        this.dir = dir;
        this.ca = ca;
        this.process = process;
        this.config = null;
    }

    private TestRegistry(String host, Path dir, TestCa ca, Path config, Process running) {
        this.host = host;
        this.dir = dir;
        this.ca = ca;
        this.process = this::stop;
        this.config = config;
        this.running = running;
    }

    public static boolean binaryAvailable() {
        return Tools.has(BINARY);
    }

    /** Starts {@code docker-registry serve}; {@code tls} adds HTTPS and basic auth. */
    public static TestRegistry startProcess(Path dir, boolean tls) throws Exception {
        Files.createDirectories(dir);
        int port = freePort();
        TestCa ca = null;
        StringBuilder cfg = new StringBuilder();
        cfg.append("version: 0.1\n");
        cfg.append("log:\n  level: error\n  accesslog:\n    disabled: true\n");
        cfg.append("storage:\n  filesystem:\n    rootdirectory: ").append(dir.resolve("data")).append('\n');
        cfg.append("  delete:\n    enabled: true\n");
        cfg.append("http:\n  addr: 127.0.0.1:").append(port).append('\n');
        if (tls) {
            ca = TestCa.create(dir.resolve("tls"));
            cfg.append("  tls:\n    certificate: ").append(ca.serverCertPem).append("\n    key: ").append(ca.serverKeyPem).append('\n');
            Path htpasswd = dir.resolve("htpasswd");
            Files.writeString(htpasswd, Htpasswd.line(USER, PASSWORD));
            cfg.append("auth:\n  htpasswd:\n    realm: airlock-test\n    path: ").append(htpasswd).append('\n');
        }
        Path config = dir.resolve("config.yml");
        Files.writeString(config, cfg.toString());
        String host = "127.0.0.1:" + port;
        return new TestRegistry(host, dir, ca, config, launch(config, dir, port));
    }

    private static Process launch(Path config, Path dir, int port) throws Exception {
        Path log = dir.resolve("registry.log");
        ProcessBuilder pb = new ProcessBuilder(BINARY, "serve", config.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        // A new upload secret on every start, as a real restart without a configured secret has:
        // upload sessions opened before a restart are then refused ("invalid secret").
        pb.environment().put("REGISTRY_HTTP_SECRET", Long.toHexString(new java.security.SecureRandom().nextLong()));
        Process p = pb.start();
        waitForPort(port, p, log);
        return p;
    }

    /** Whether {@link #stop()} and {@link #start()} work: a registry run as a process (not a container, not a proxy view). */
    public boolean restartable() {
        return config != null;
    }

    /**
     * Stops the registry process (SIGTERM, then SIGKILL after 5 s): its port refuses connections
     * until {@link #start()}. The storage stays.
     */
    public synchronized void stop() throws InterruptedException {
        requireRestartable();
        Process p = running;
        running = null;
        if (p != null) {
            p.destroy();
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    /** Starts the registry again on the same port, with the same config and storage (after {@link #stop()}). */
    public synchronized void start() throws Exception {
        requireRestartable();
        if (running != null && running.isAlive()) {
            return;
        }
        running = launch(config, dir, Integer.parseInt(host.substring(host.lastIndexOf(':') + 1)));
    }

    /** Stops and starts the registry: the same port and storage, a new process. */
    public void restart() throws Exception {
        stop();
        start();
    }

    private void requireRestartable() {
        if (config == null) {
            throw new UnsupportedOperationException("only a docker-registry process started by TestRegistry can be stopped and"
                    + " started again (this one is a container or a view through a proxy)");
        }
    }

    /**
     * This registry as seen through {@code proxy}: {@link #host()}, {@link #cliFlags()} and
     * {@link #client()} name the proxy's {@code 127.0.0.1:PORT}; the storage is this registry's.
     * Closing the view closes nothing.
     */
    public TestRegistry through(FaultProxy proxy) {
        if (tls()) {
            throw new IllegalArgumentException("FaultProxy forwards plain HTTP only");
        }
        return new TestRegistry(proxy.host(), dir, null, () -> { });
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void waitForPort(int port, Process p, Path log) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IllegalStateException("docker-registry exited: " + Files.readString(log));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                Thread.sleep(25);
            }
        }
        throw new IllegalStateException("docker-registry did not listen on " + port + ": " + Files.readString(log));
    }

    /** {@code 127.0.0.1:PORT}. */
    public String host() {
        return host;
    }

    public boolean tls() {
        return ca != null;
    }

    /** The CA file to trust, or null for a plain registry. */
    public Path caFile() {
        return ca == null ? null : ca.caPem;
    }

    public Path dir() {
        return dir;
    }

    /** Writes a docker config.json that logs into this registry; null for a plain one. */
    public Path authFile() throws IOException {
        if (!tls()) {
            return null;
        }
        Path f = dir.resolve("auth.json");
        String auth = java.util.Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes());
        Files.writeString(f, "{\"auths\":{\"" + host + "\":{\"auth\":\"" + auth + "\"}}}");
        return f;
    }

    /** CLI flags that reach this registry: --plain-http or --ca-file plus --auth-file. */
    public List<String> cliFlags() throws IOException {
        List<String> flags = new ArrayList<>();
        if (tls()) {
            flags.addAll(List.of("--ca-file", caFile().toString(), "--auth-file", authFile().toString()));
        } else {
            flags.addAll(List.of("--plain-http", host));
        }
        return flags;
    }

    /** skopeo flags for this registry (for commands taking docker:// references). */
    public List<String> skopeoFlags(String prefix) {
        if (tls()) {
            return List.of("--" + prefix + "cert-dir", ca.caPem.getParent().toString(), "--" + prefix + "creds", USER + ":" + PASSWORD);
        }
        return List.of("--" + prefix + "tls-verify=false");
    }

    /** A client configured for this registry. */
    public RegistryClient client() {
        CredentialStore creds = h -> h.equals(host) && tls() ? Optional.of(new Credentials(USER, PASSWORD)) : Optional.empty();
        RegistryOptions o = RegistryOptions.defaults()
                .withInsecure(tls() ? Set.of() : Set.of(host))
                .withCaFile(caFile())
                .withCredentials(creds)
                .withRetries(3, Duration.ofMillis(50));
        return new RegistryClient(o);
    }

    @Override
    public void close() throws Exception {
        process.close();
    }
}
