package dev.airlock.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * OpenSSH's own {@code sshd}, run as a plain process on a free loopback port with its own host key,
 * {@code sshd_config} and {@code authorized_keys} under a temp dir: the bastion of the SFTP tests.
 * The login user is the one running the tests (root in CI: {@code PermitRootLogin prohibit-password});
 * SFTP is {@code internal-sftp}. {@link #log()} holds sshd's own log (connections, keys, logins).
 */
public final class TestSshd implements AutoCloseable {
    public static final Path SSHD = Path.of("/usr/sbin/sshd");

    private final Path dir;
    private final int port;
    private final Path hostKey;
    private final Path authorizedKeys;
    private final Path inbox;
    private final Path logFile;
    private Process process;

    private TestSshd(Path dir, int port) {
        this.dir = dir;
        this.port = port;
        this.hostKey = dir.resolve("ssh_host_ed25519_key");
        this.authorizedKeys = dir.resolve("authorized_keys");
        this.inbox = dir.resolve("inbox");
        this.logFile = dir.resolve("sshd.log");
    }

    /** Whether OpenSSH's sshd and ssh-keygen are installed. */
    public static boolean available() {
        return Files.isExecutable(SSHD) && Tools.has("ssh-keygen");
    }

    /** Starts sshd in {@code dir} (created) and waits until it listens. */
    public static TestSshd start(Path dir) throws Exception {
        Files.createDirectories(dir);
        TestSshd s = new TestSshd(dir, TestRegistry.freePort());
        keygen("ed25519", "", s.hostKey);
        Files.writeString(s.authorizedKeys, "");
        Files.createDirectories(s.inbox);
        String user = System.getProperty("user.name");
        Files.writeString(dir.resolve("sshd_config"), String.join("\n",
                "ListenAddress 127.0.0.1",
                "HostKey " + s.hostKey,
                "PidFile none",
                "UsePAM no",
                "StrictModes no",
                "UseDNS no",
                "PermitRootLogin prohibit-password",
                "AllowUsers " + user,
                "AuthorizedKeysFile " + s.authorizedKeys,
                "PubkeyAuthentication yes",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "MaxStartups 50",
                "LogLevel VERBOSE",
                "Subsystem sftp internal-sftp",
                ""));
        if ("root".equals(user)) {
            // Privilege separation needs its empty directory (the Debian service creates it at boot).
            Path run = Path.of("/run/sshd");
            if (!Files.isDirectory(run)) {
                Files.createDirectories(run);
                Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
        }
        s.launch();
        return s;
    }

    private void launch() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(SSHD.toString(), "-D", "-e", "-f", dir.resolve("sshd_config").toString(), "-p",
                String.valueOf(port)).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        process = pb.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("sshd exited (" + process.exitValue() + "): " + log());
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                Thread.sleep(20);
            }
        }
        throw new IllegalStateException("sshd did not listen on " + port + ": " + log());
    }

    /** Makes a key pair with ssh-keygen ({@code type}: ed25519, ecdsa, rsa); {@code passphrase} "" for none. */
    public static void keygen(String type, String passphrase, Path key) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("ssh-keygen", "-q", "-t", type, "-N", passphrase, "-C", "airlock-test", "-f",
                key.toString()));
        if (type.equals("rsa")) {
            cmd.addAll(List.of("-b", "3072"));
        }
        Tools.run(cmd, Map.of(), null).ok();
    }

    /**
     * A new client key of {@code type}, authorized to log in; returns the private key file (the
     * public one is beside it as {@code .pub}).
     */
    public Path authorizedKey(String type, String passphrase) throws Exception {
        Path key = dir.resolve("id_" + type + "_" + System.nanoTime());
        keygen(type, passphrase, key);
        Files.writeString(authorizedKeys, Files.readString(key.resolveSibling(key.getFileName() + ".pub")), StandardOpenOption.APPEND);
        return key;
    }

    public String host() {
        return "127.0.0.1";
    }

    public int port() {
        return port;
    }

    public String user() {
        return System.getProperty("user.name");
    }

    /** The directory pushes go to. */
    public Path inbox() {
        return inbox;
    }

    /** {@code sftp://USER@127.0.0.1:PORT/INBOX}. */
    public String url() {
        return "sftp://" + user() + "@" + host() + ":" + port + inbox;
    }

    /** The host's public key line ({@code ssh-ed25519 AAAA... comment}). */
    public String hostPublicKey() throws IOException {
        return Files.readString(hostKey.resolveSibling(hostKey.getFileName() + ".pub")).trim();
    }

    /** The host key's fingerprint as {@code ssh-keygen -lf} prints it: {@code SHA256:...}. */
    public String hostKeyFingerprint() throws Exception {
        String line = Tools.run("ssh-keygen", "-lf", hostKey.resolveSibling(hostKey.getFileName() + ".pub").toString()).ok().stdout();
        return line.split(" ")[1];
    }

    /** Writes a known_hosts file listing this host's key as {@code [127.0.0.1]:PORT}, as ssh writes it for a non-22 port. */
    public Path knownHosts(Path file) throws IOException {
        return knownHosts(file, port);
    }

    /** The same for a client that reaches this host through a relay on {@code viaPort}. */
    public Path knownHosts(Path file, int viaPort) throws IOException {
        Files.writeString(file, "[" + host() + "]:" + viaPort + " " + hostPublicKey() + "\n");
        return file;
    }

    /** The same entry, hashed by {@code ssh-keygen -H} (as with HashKnownHosts yes). */
    public Path hashedKnownHosts(Path file) throws Exception {
        knownHosts(file);
        Tools.run("ssh-keygen", "-q", "-H", "-f", file.toString()).ok();
        Files.deleteIfExists(file.resolveSibling(file.getFileName() + ".old"));
        if (!Files.readString(file).startsWith("|1|")) {
            throw new AssertionError("ssh-keygen -H did not hash " + file + ": " + Files.readString(file));
        }
        return file;
    }

    /** A known_hosts file listing another ed25519 key for this host: the host key "changed". */
    public Path knownHostsWithOtherKey(Path file) throws Exception {
        Path other = dir.resolve("other_host_key_" + System.nanoTime());
        keygen("ed25519", "", other);
        String pub = Files.readString(other.resolveSibling(other.getFileName() + ".pub")).trim();
        Files.writeString(file, "[" + host() + "]:" + port + " " + pub + "\n");
        return file;
    }

    /** sshd's log so far: connections, host keys, accepted and refused logins. */
    public String log() throws IOException {
        return Files.exists(logFile) ? Files.readString(logFile) : "";
    }

    @Override
    public void close() throws Exception {
        if (process != null) {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
            process = null;
        }
    }
}
