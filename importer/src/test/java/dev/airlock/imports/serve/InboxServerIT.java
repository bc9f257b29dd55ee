package dev.airlock.imports.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.error.AirlockException;
import dev.airlock.testing.TestSshd;
import dev.airlock.testing.Tools;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.keyverifier.AcceptAllServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.config.keys.FilePasswordProvider;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.apache.sshd.sftp.client.SftpClient;
import org.apache.sshd.sftp.client.SftpClientFactory;
import org.apache.sshd.sftp.common.SftpConstants;
import org.apache.sshd.sftp.common.SftpException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SFTP inbox against OpenSSH's own clients ({@code sftp -b} and {@code ssh}, batch mode, strict
 * host key checking against the known_hosts line the server prints): uploads land under their name
 * only once closed, every way out of the inbox fails, the quota and the session limit hold, and
 * nothing but SFTP is served.
 */
class InboxServerIT {
    @TempDir
    Path tmp;

    private Path inbox;
    private Path clientKey;
    private Path authorizedKeys;
    private final List<String> log = new ArrayList<>();
    private InboxServer server;

    @BeforeEach
    void keys() throws Exception {
        Assumptions.assumeTrue(Tools.has("sftp") && Tools.has("ssh") && Tools.has("ssh-keygen"),
                "SFTP inbox test skipped: it needs OpenSSH's sftp, ssh and ssh-keygen (apt-get install openssh-client)");
        inbox = Files.createDirectories(tmp.resolve("inbox"));
        clientKey = tmp.resolve("client_ed25519");
        TestSshd.keygen("ed25519", "", clientKey);
        authorizedKeys = tmp.resolve("authorized_keys");
        Files.writeString(authorizedKeys, "# the bastion\n" + Files.readString(pub(clientKey)));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private ServeSettings settings(long maxUpload, long minFree, Duration idle, int maxSessions) {
        return new ServeSettings("127.0.0.1", 0, tmp.resolve("host_key"), authorizedKeys, inbox, maxUpload, minFree, idle, maxSessions);
    }

    private InboxServer start(ServeSettings s) {
        server = InboxServer.start(s, line -> {
            synchronized (log) {
                log.add(line);
            }
        });
        return server;
    }

    private InboxServer start() {
        return start(settings(0, 1, Duration.ofSeconds(30), 8));
    }

    private String log() {
        synchronized (log) {
            return String.join("\n", log);
        }
    }

    private static Path pub(Path key) {
        return key.resolveSibling(key.getFileName() + ".pub");
    }

    /** A known_hosts file made of the line the server printed, as an admin would copy it. */
    private Path knownHosts() throws IOException {
        String line = log().lines().filter(l -> l.startsWith("known_hosts line for the sending side: ")).findFirst().orElseThrow()
                .substring("known_hosts line for the sending side: ".length());
        return Files.writeString(tmp.resolve("known_hosts"), line + "\n");
    }

    private List<String> sshOptions() throws IOException {
        return List.of("-F", "/dev/null", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o",
                "UserKnownHostsFile=" + knownHosts(), "-o", "GlobalKnownHostsFile=/dev/null", "-o", "IdentitiesOnly=yes", "-o",
                "IdentityAgent=none", "-o", "ConnectTimeout=10", "-i", clientKey.toString());
    }

    /** {@code sftp -b} with these commands, run in {@code tmp/local}. */
    private Tools.Result sftp(String... commands) throws Exception {
        Path local = Files.createDirectories(tmp.resolve("local"));
        Path batch = Files.writeString(tmp.resolve("batch"), String.join("\n", commands) + "\n");
        List<String> cmd = new ArrayList<>(List.of("sftp", "-b", batch.toString(), "-P", String.valueOf(server.port())));
        cmd.addAll(sshOptions());
        cmd.add("airlock@127.0.0.1");
        return Tools.run(cmd, Map.of(), local);
    }

    /** {@code sftp -b} with stdout and stderr merged in order, as a terminal shows them. */
    private Tools.Result sftpMerged(List<String> commands) throws Exception {
        Path local = Files.createDirectories(tmp.resolve("local"));
        Path batch = Files.writeString(tmp.resolve("batch"), String.join("\n", commands) + "\n");
        List<String> cmd = new ArrayList<>(List.of("sftp", "-b", batch.toString(), "-P", String.valueOf(server.port())));
        cmd.addAll(sshOptions());
        cmd.add("airlock@127.0.0.1");
        String line = String.join(" ", cmd.stream().map(a -> "'" + a.replace("'", "'\\''") + "'").toList()) + " 2>&1";
        return Tools.run(List.of("sh", "-c", line), Map.of(), local);
    }

    private Path localFile(String name, int size, long seed) throws IOException {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return Files.write(Files.createDirectories(tmp.resolve("local")).resolve(name), b);
    }

    /** The inbox's entries but serve's own directory of {@code .part} files ({@link PartsDirectory}). */
    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).flatMap(n -> n.equals(PartsDirectory.NAME) ? partsIn(dir.resolve(n)) : Stream.of(n)).sorted().toList();
        }
    }

    /** The {@code .part} files serve keeps in its own directory, in a directory for each key, named as {@code DIR/NAME} (the directories are serve's). */
    private static Stream<String> partsIn(Path parts) {
        try (Stream<Path> s = Files.walk(parts)) {
            return s.filter(Files::isRegularFile).map(p -> parts.getFileName() + "/" + p.getFileName()).toList().stream();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The one {@code .part} of that name serve keeps (in the directory of the key that wrote it). */
    private Path part(String name) throws IOException {
        try (Stream<Path> s = Files.walk(inbox.resolve(PartsDirectory.NAME))) {
            List<Path> found = s.filter(p -> p.getFileName().toString().equals(name)).toList();
            assertEquals(1, found.size(), found.toString());
            return found.get(0);
        }
    }

    // ------------------------------------------------------------------ uploads

    @Test
    void sftpPut_withStrictHostKey_landsUnderItsName_byteIdentical_andIsLogged() throws Exception {
        start();
        Path f = localFile("scanners-000001.airlock.tar", 300_000, 1);
        Tools.Result r = sftp("put scanners-000001.airlock.tar");
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals(List.of("scanners-000001.airlock.tar"), names(inbox), "only the final name, no temporary left");
        assertArrayEquals(Files.readAllBytes(f), Files.readAllBytes(inbox.resolve("scanners-000001.airlock.tar")));
        String clientFp = Tools.run("ssh-keygen", "-lf", pub(clientKey).toString()).ok().stdout().split(" ")[1];
        assertTrue(log().contains("session opened by key " + clientFp + " (user airlock) from 127.0.0.1:"), log());
        assertTrue(log().contains("received scanners-000001.airlock.tar (300000 bytes) from key " + clientFp), log());
    }

    @Test
    void aPlainName_isWrittenUnderADotName_andAppearsOnlyWhenClosed_aDroppedUploadLeavesNothing() throws Exception {
        start();
        try (SshClient client = SshClient.setUpDefaultClient()) {
            client.setServerKeyVerifier(AcceptAllServerKeyVerifier.INSTANCE);
            client.start();
            try (ClientSession s = login(client); SftpClient sftp = SftpClientFactory.instance().createSftpClient(s)) {
                SftpClient.CloseableHandle h = sftp.open("/a.tar", EnumSet.of(SftpClient.OpenMode.Write, SftpClient.OpenMode.Create,
                        SftpClient.OpenMode.Truncate));
                sftp.write(h, 0, new byte[1000]);
                List<String> during = names(inbox);
                assertEquals(1, during.size(), during.toString());
                assertTrue(during.get(0).matches("\\.a\\.tar\\.[0-9a-f]{12}\\.upload"), during.toString());
                h.close();
                assertEquals(List.of("a.tar"), names(inbox));
                assertEquals(1000, Files.size(inbox.resolve("a.tar")));

                // The connection goes before the close: nothing under the name, and the temporary file is removed.
                sftp.write(sftp.open("b.tar", EnumSet.of(SftpClient.OpenMode.Write, SftpClient.OpenMode.Create)), 0, new byte[500]);
                assertEquals(2, names(inbox).size());
                s.close(true);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            // the server removes the temporary file, then logs it: wait for both
            while ((names(inbox).size() > 1 || !log().contains("upload of b.tar from key")) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(List.of("a.tar"), names(inbox));
            assertTrue(log().contains("upload of b.tar from key"), log());
        }
    }

    /**
     * Red-team pass V, V6: a temporary upload made with the umask's mode (0644) could be opened by
     * any user who can read the inbox, who then took a read lock on it before serve's own lock and
     * held the put for as long as he liked. It is made 0600 (no one else can open it) and gets the
     * mode any file serve makes has only when it is delivered, complete.
     */
    @Test
    void aPlainUploadsTemporaryFile_isServesAloneWhileWritten_andTheDeliveredFileHasTheUsualMode() throws Exception {
        start();
        Path probe = Files.createFile(tmp.resolve("mode-probe")); // the umask serve (this JVM) creates files with
        try (SshClient client = SshClient.setUpDefaultClient()) {
            client.setServerKeyVerifier(AcceptAllServerKeyVerifier.INSTANCE);
            client.start();
            try (ClientSession s = login(client); SftpClient sftp = SftpClientFactory.instance().createSftpClient(s)) {
                SftpClient.CloseableHandle h = sftp.open("/a.tar", EnumSet.of(SftpClient.OpenMode.Write, SftpClient.OpenMode.Create,
                        SftpClient.OpenMode.Truncate));
                sftp.write(h, 0, new byte[1000]);
                Path temp = inbox.resolve(names(inbox).get(0));
                assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(temp)),
                        "no other user may open the upload while it is written");
                h.close();
            }
        }
        assertEquals(PosixFilePermissions.toString(Files.getPosixFilePermissions(probe)),
                PosixFilePermissions.toString(Files.getPosixFilePermissions(inbox.resolve("a.tar"))), "delivered with the umask's mode");
    }

    private ClientSession login(SshClient client) throws Exception {
        return login(client, clientKey);
    }

    private ClientSession login(SshClient client, Path key) throws Exception {
        ClientSession s = client.connect("airlock", "127.0.0.1", server.port()).verify(Duration.ofSeconds(10)).getSession();
        try (InputStream in = Files.newInputStream(key)) {
            s.addPublicKeyIdentity(SecurityUtils.loadKeyPairIdentities(null, null, in, FilePasswordProvider.EMPTY).iterator().next());
        }
        s.auth().verify(Duration.ofSeconds(10));
        return s;
    }

    // ------------------------------------------------------------------ confinement

    @Test
    void everyWayOutOfTheInboxFails_andNothingOutsideChanges() throws Exception {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("secret"), "secret\n");
        Files.createSymbolicLink(inbox.resolve("link"), outside.resolve("secret"));
        Files.createSymbolicLink(inbox.resolve("evil.part"), outside.resolve("secret"));
        Files.createSymbolicLink(inbox.resolve("linkdir"), outside);
        Files.writeString(Files.createDirectories(inbox.resolve("done")).resolve("old.tar"), "done\n");
        Files.createDirectories(inbox.resolve("rejected"));
        start();
        localFile("f", 1000, 2);
        Map<String, String> before = snapshot(tmp);

        String[][] attempts = {
            {"put f ../escaped", "dot-dot"},
            {"put f /../escaped", "dot-dot from the root"},
            {"put f " + outside.resolve("abs"), "absolute path outside"},
            {"put f done/x", "into done/"},
            {"put f rejected/x", "into rejected/"},
            {"put f linkdir/x", "through a symlinked directory"},
            {"put f .hidden", "a dot name"},
            {"get /etc/passwd", "read /etc/passwd"},
            {"get ../../../../../../etc/passwd", "read /etc/passwd by dot-dot"},
            {"get link", "read through a symlink"},
            {"get evil.part", "read back a .part that is a symlink"},
            {"get done/old.tar", "read from done/"},
            {"ls /", "list the root"},
            {"ls", "list the inbox"},
            {"ls done", "list done/"},
            {"ls /etc", "list /etc"},
            {"symlink /etc/passwd s", "make a symlink"},
            {"ln link hard", "make a hard link"},
            {"rename link moved", "rename a symlink"},
            {"rename evil.part evil", "rename a .part that is a symlink"},
            {"rename done/old.tar old.tar", "rename out of done/"},
            {"mkdir d", "make a directory"},
            {"rm link", "remove a file"},
            {"rmdir rejected", "remove a directory"},
            {"chmod 777 link", "change modes"},
            {"cd /etc", "change to /etc"},
        };
        // One batch; "-" lets sftp go on after a failed command. Its echo ("sftp> CMD") and the error lines are read in order.
        List<String> batch = new ArrayList<>();
        for (String[] a : attempts) {
            batch.add("-" + a[0]);
        }
        Tools.Result r = sftpMerged(batch);
        String[] segments = ("\n" + r.stdout()).split("\nsftp> ");
        assertEquals(attempts.length + 1, segments.length, r.stdout());
        for (int i = 0; i < attempts.length; i++) {
            String seg = segments[i + 1];
            assertTrue(seg.startsWith("-" + attempts[i][0]), seg);
            assertTrue(seg.matches("(?is).*(Permission denied|not found|No such file|Failure|failed|Couldn.t|Can.t|not supported|does not support|unsupported).*"),
                    attempts[i][1] + " (" + attempts[i][0] + ") must fail, but sftp said:\n" + seg);
            assertFalse(seg.contains("Uploading") && !seg.contains("denied") && !seg.contains("Failure"), seg);
        }
        // A .part put and renamed outside, after the rest failed
        assertNotEquals(0, sftp("put f x.part", "rename x.part ../x").exitCode(), "rename out of the inbox");
        assertNotEquals(0, sftp("put f y.part", "rename y.part done/y").exitCode(), "rename into done/");
        assertFalse(Files.exists(tmp.resolve("x")) || Files.exists(inbox.resolve("done/y")));
        Files.delete(part("x.part"));
        Files.delete(part("y.part"));
        // A .part is kept in serve's own directory, never at its name in the inbox: evil.part there, a
        // link out, is neither followed nor changed by a put of that name.
        assertEquals(0, sftp("put f evil.part").exitCode());
        assertTrue(Files.isSymbolicLink(inbox.resolve("evil.part")));
        Path evil = part("evil.part");
        Files.delete(evil);
        Files.delete(evil.getParent()); // the client key's directory of .part files, serve's own, kept for its next push

        assertEquals(before, snapshot(tmp), "nothing changed anywhere under the test directory");
        assertEquals("secret\n", Files.readString(outside.resolve("secret")));
        assertFalse(Files.exists(Path.of("/escaped")));
        assertTrue(log().contains("refused"), log());
    }

    /** Every path under {@code root} (not following links) with its size or link target, except the local download dir and logs. */
    private static Map<String, String> snapshot(Path root) throws IOException {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.toList()) {
                String rel = root.relativize(p).toString();
                if (rel.startsWith("local") || rel.equals("batch") || rel.equals("known_hosts")) {
                    continue;
                }
                m.put(rel, Files.isSymbolicLink(p) ? "-> " + Files.readSymbolicLink(p)
                        : Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS) ? "dir" : Files.size(p) + " bytes");
            }
        }
        return m;
    }

    @Test
    void protocolLevelRequests_theSftpClientCannotForm_areRefused() throws Exception {
        start();
        Files.writeString(inbox.resolve("a.tar"), "a");
        try (SshClient client = SshClient.setUpDefaultClient()) {
            client.setServerKeyVerifier(AcceptAllServerKeyVerifier.INSTANCE);
            client.start();
            try (ClientSession s = login(client); SftpClient sftp = SftpClientFactory.instance().createSftpClient(s)) {
                assertEquals(3, sftp.getVersion());
                assertStatus(SftpConstants.SSH_FX_PERMISSION_DENIED, () -> sftp.open("a.tar", EnumSet.of(SftpClient.OpenMode.Read)));
                assertStatus(SftpConstants.SSH_FX_PERMISSION_DENIED, () -> sftp.open("a.tar", EnumSet.of(SftpClient.OpenMode.Write,
                        SftpClient.OpenMode.Append)));
                assertStatus(SftpConstants.SSH_FX_PERMISSION_DENIED, () -> sftp.symLink("a.tar", "b.tar"));
                assertStatus(SftpConstants.SSH_FX_PERMISSION_DENIED, () -> sftp.remove("a.tar"));
                assertStatus(SftpConstants.SSH_FX_PERMISSION_DENIED, () -> sftp.canonicalPath("/etc"));
                assertStatus(SftpConstants.SSH_FX_PERMISSION_DENIED, () -> sftp.stat("/etc/passwd"));
                assertStatus(SftpConstants.SSH_FX_NO_SUCH_FILE, () -> sftp.stat("missing.tar"));
                assertEquals(1, sftp.stat("a.tar").getSize());
                assertEquals("/", sftp.canonicalPath("."));
            }
        }
        assertEquals(List.of("a.tar"), names(inbox));
    }

    @Test
    void aDeliveredFile_isNeverReplacedWithOtherBytes_butTheSameBytesMayArriveAgain() throws Exception {
        start();
        Files.writeString(inbox.resolve("c-000003.airlock.tar"), "the real bundle, waiting for import");
        try (SshClient client = SshClient.setUpDefaultClient()) {
            client.setServerKeyVerifier(AcceptAllServerKeyVerifier.INSTANCE);
            client.start();
            try (ClientSession s = login(client); SftpClient sftp = SftpClientFactory.instance().createSftpClient(s)) {
                var posix = sftp.getExtension(org.apache.sshd.sftp.client.extensions.openssh.OpenSSHPosixRenameExtension.class);
                assertTrue(posix.isSupported(), "serve offers posix-rename@openssh.com");
                try (OutputStream out = sftp.write("c-000003.airlock.tar.part")) {
                    out.write("a forged bundle under the same name".getBytes(StandardCharsets.UTF_8));
                }
                // kept beside it, which watch tries as that bundle (its signature decides): delivered, so the client succeeds
                posix.posixRename("c-000003.airlock.tar.part", "c-000003.airlock.tar");
                assertEquals("the real bundle, waiting for import", Files.readString(inbox.resolve("c-000003.airlock.tar")));

                // the same bytes again (a push retried after its rename went through): accepted, the .part goes
                try (OutputStream out = sftp.write("c-000003.airlock.tar.part")) {
                    out.write("the real bundle, waiting for import".getBytes(StandardCharsets.UTF_8));
                }
                posix.posixRename("c-000003.airlock.tar.part", "c-000003.airlock.tar");

                // a plain put under the same name: the same rule when the upload is closed
                try (OutputStream out = sftp.write("c-000003.airlock.tar")) {
                    out.write("another forged bundle, by plain put".getBytes(StandardCharsets.UTF_8));
                }
                // a name whose copy watch does not take (not a bundle or a part of a set): kept, and the client is told
                Files.writeString(inbox.resolve("notes.txt"), "an admin's note");
                assertThrows(IOException.class, () -> {
                    try (OutputStream out = sftp.write("notes.txt")) {
                        out.write("another note".getBytes(StandardCharsets.UTF_8));
                    }
                });
                try (OutputStream out = sftp.write("c-000003.airlock.tar")) {
                    out.write("the real bundle, waiting for import".getBytes(StandardCharsets.UTF_8));
                }
            }
        }
        String forged = "c-000003.airlock.tar.conflict-" + sha16("a forged bundle under the same name");
        String forged2 = "c-000003.airlock.tar.conflict-" + sha16("another forged bundle, by plain put");
        assertEquals(List.of("c-000003.airlock.tar", forged, forged2, "notes.txt", "notes.txt.conflict-" + sha16("another note")), names(inbox),
                "both others kept beside it, never lost");
        assertEquals("an admin's note", Files.readString(inbox.resolve("notes.txt")));
        assertEquals("the real bundle, waiting for import", Files.readString(inbox.resolve("c-000003.airlock.tar")));
        assertEquals("a forged bundle under the same name", Files.readString(inbox.resolve(forged)));
        assertEquals("another forged bundle, by plain put", Files.readString(inbox.resolve(forged2)));
        assertTrue(log().contains("kept rename of c-000003.airlock.tar (35 bytes) from "), log());
        assertTrue(log().contains(" as " + forged + ": c-000003.airlock.tar is already in the inbox with other content, never replaced;"
                + " watch tries it as c-000003.airlock.tar, its signature deciding"), log());
        assertTrue(log().contains("received c-000003.airlock.tar again"), log());
        assertTrue(log().contains("kept upload of c-000003.airlock.tar (35 bytes) from "), log());
    }

    /**
     * Red-team pass S, S5: a shared (sticky) inbox that serve writes, where another local user puts a
     * file of his under the {@code .part} name a push of a bundle will use (predictable: the channel and
     * sequence). The push cannot remove it (serve refuses removals) and writes it: serve, run as
     * airlock, cannot open his 0644 file (the push fails, every retry, for good); run as root (here) it
     * writes into his inode, and the rename delivers that inode under the bundle's name, a file he may
     * rewrite until the import reads it. His file must be set aside and the push's bytes delivered in
     * a file of serve's own user. (Run as root; his file is nobody's.)
     */
    @Test
    void aStrangersFileUnderAPushsPartName_isSetAside_andThePushDeliversAFileOfServesOwn() throws Exception {
        Assumptions.assumeTrue(Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid")), "runs as root");
        Files.setAttribute(inbox, "unix:mode", 01777);
        Path his = Files.writeString(inbox.resolve("c-000009.airlock.tar.part"), "");
        Files.setAttribute(his, "unix:uid", 65534);
        Files.setAttribute(his, "unix:mode", 0644);
        start();
        byte[] bundle = "the real bundle, pushed".getBytes(StandardCharsets.UTF_8);
        try (SshClient client = SshClient.setUpDefaultClient()) {
            client.setServerKeyVerifier(AcceptAllServerKeyVerifier.INSTANCE);
            client.start();
            try (ClientSession s = login(client); SftpClient sftp = SftpClientFactory.instance().createSftpClient(s)) {
                assertThrows(IOException.class, () -> sftp.remove("c-000009.airlock.tar.part")); // as push does: refused
                try (SftpClient.CloseableHandle h = sftp.open("c-000009.airlock.tar.part", EnumSet.of(SftpClient.OpenMode.Write,
                        SftpClient.OpenMode.Create, SftpClient.OpenMode.Truncate))) {
                    sftp.write(h, 0, bundle);
                }
                sftp.getExtension(org.apache.sshd.sftp.client.extensions.openssh.OpenSSHPosixRenameExtension.class)
                        .posixRename("c-000009.airlock.tar.part", "c-000009.airlock.tar");
            }
        }
        Path got = inbox.resolve("c-000009.airlock.tar");
        assertArrayEquals(bundle, Files.readAllBytes(got));
        assertEquals(0, (int) Files.getAttribute(got, "unix:uid"), "the delivered bundle is the stranger's file, his to rewrite: " + log());
    }

    /**
     * Red-team pass S, S5b: the same stranger racing: he watches the inbox (inotify) and makes his file
     * again under the {@code .part} name the moment serve renames his last one aside, before serve's
     * open. A push must still get its bundle delivered, in a file of serve's own user, within a few
     * tries. (Run as root; his racer is a Python inotify loop as user nobody.)
     */
    @Test
    void aStrangerRemakingHisFileUnderAPushsPartName_asItIsSetAside_doesNotHoldThePush() throws Exception {
        Assumptions.assumeTrue(Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid")), "runs as root");
        Files.setAttribute(tmp, "unix:mode", 0755);
        Files.setAttribute(inbox, "unix:mode", 01777);
        Path racer = Files.writeString(tmp.resolve("racer.py"), """
                import ctypes, os, struct, sys
                inbox, name = sys.argv[1], sys.argv[2]
                libc = ctypes.CDLL("libc.so.6", use_errno=True)
                fd = libc.inotify_init()
                libc.inotify_add_watch(fd, inbox.encode(), 0x40)  # IN_MOVED_FROM
                def plant():
                    try:
                        os.close(os.open(os.path.join(inbox, name), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
                    except OSError:
                        pass
                plant()
                print("ready", flush=True)
                while True:
                    buf = os.read(fd, 65536)
                    plant()
                """);
        Files.setAttribute(racer, "unix:mode", 0644);
        Process stranger = new ProcessBuilder("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3", racer.toString(), inbox.toString(),
                "c-000009.airlock.tar.part").redirectErrorStream(true).start();
        try {
            new java.io.BufferedReader(new java.io.InputStreamReader(stranger.getInputStream())).readLine();
            start();
            byte[] bundle = "the real bundle, pushed".getBytes(StandardCharsets.UTF_8);
            try (SshClient client = SshClient.setUpDefaultClient()) {
                client.setServerKeyVerifier(AcceptAllServerKeyVerifier.INSTANCE);
                client.start();
                try (ClientSession s = login(client); SftpClient sftp = SftpClientFactory.instance().createSftpClient(s)) {
                    for (int i = 0; i < 5 && !Files.exists(inbox.resolve("c-000009.airlock.tar")); i++) {
                        try {
                            try (SftpClient.CloseableHandle h = sftp.open("c-000009.airlock.tar.part", EnumSet.of(SftpClient.OpenMode.Write,
                                    SftpClient.OpenMode.Create, SftpClient.OpenMode.Truncate))) {
                                sftp.write(h, 0, bundle);
                            }
                            sftp.getExtension(org.apache.sshd.sftp.client.extensions.openssh.OpenSSHPosixRenameExtension.class)
                                    .posixRename("c-000009.airlock.tar.part", "c-000009.airlock.tar");
                        } catch (IOException e) {
                            Thread.sleep(200); // a push tries again
                        }
                    }
                }
            }
            Path got = inbox.resolve("c-000009.airlock.tar");
            assertTrue(Files.exists(got), "the push never got through in 5 tries: " + log());
            assertArrayEquals(bundle, Files.readAllBytes(got));
            assertEquals(0, (int) Files.getAttribute(got, "unix:uid"), "the delivered bundle is the stranger's file: " + log());
        } finally {
            stranger.destroyForcibly();
        }
    }

    private static String sha16(String content) {
        return dev.airlock.digest.Digest.sha256Of(content.getBytes(StandardCharsets.UTF_8)).hex().substring(0, 16);
    }

    /**
     * Two real SFTP sessions deliver the same name with other bytes and close (a plain put) or
     * rename (a {@code .part}, posix-rename) at the same moment, round after round: exactly one file
     * takes the name, the other is kept beside it, both byte-exact and both logged; both clients succeed (watch tries the copy as the bundle).
     */
    @Test
    void serve_twoSessionsClosingTheSameNameAtOnce_keepBoth_neverReplacing() throws Exception {
        start();
        int rounds = 60;
        try (SshClient client = SshClient.setUpDefaultClient()) {
            client.setServerKeyVerifier(AcceptAllServerKeyVerifier.INSTANCE);
            client.start();
            try (ClientSession s1 = login(client); ClientSession s2 = login(client);
                    SftpClient a = SftpClientFactory.instance().createSftpClient(s1);
                    SftpClient b = SftpClientFactory.instance().createSftpClient(s2)) {
                java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
                try {
                    for (int round = 0; round < rounds; round++) {
                        String name = "r-" + round + ".airlock.tar";
                        boolean secondAsPart = round % 2 == 1; // odd rounds: a put's close meets a .part's rename
                        String[] content = {"from the first session, round " + round, "the second session's bytes, " + round};
                        java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(2);
                        List<java.util.concurrent.Future<Boolean>> f = new ArrayList<>();
                        SftpClient[] clients = {a, b};
                        for (int i = 0; i < 2; i++) {
                            SftpClient c = clients[i];
                            String body = content[i];
                            boolean asPart = i == 1 && secondAsPart;
                            f.add(pool.submit(() -> deliverAtTheBarrier(c, name, body, asPart, together)));
                        }
                        int told = (f.get(0).get(30, TimeUnit.SECONDS) ? 0 : 1) + (f.get(1).get(30, TimeUnit.SECONDS) ? 0 : 1);
                        List<String> here = names(inbox).stream().filter(n -> n.startsWith(name)).toList();
                        assertEquals(2, here.size(), "round " + round + ": " + here + "\n" + log());
                        assertEquals(name, here.get(0), "round " + round);
                        String other = Files.readString(inbox.resolve(here.get(0))).equals(content[0]) ? content[1] : content[0];
                        assertEquals(name + ".conflict-" + sha16(other), here.get(1), "round " + round);
                        assertEquals(other, Files.readString(inbox.resolve(here.get(1))), "round " + round);
                        // both are delivered: the one kept beside the name is tried by watch as that bundle
                        assertEquals(0, told, "no client is told its bundle failed, round " + round);
                        String log = log();
                        assertEquals(1, log.lines().filter(l -> l.startsWith("received " + name + " (")).count(), "one took the name: " + log);
                        assertTrue(log.contains(" as " + here.get(1) + ": "), log);
                    }
                } finally {
                    pool.shutdownNow();
                }
            }
        }
        assertEquals(2 * rounds, names(inbox).size(), "no temporary file left: " + names(inbox));
    }

    /**
     * Delivers {@code body} as {@code name}: a plain put closed at the barrier, or (asPart) a
     * {@code NAME.part} written whole, then posix-renamed to {@code name} at the barrier. False if the
     * server answered with a failure.
     */
    private static boolean deliverAtTheBarrier(SftpClient c, String name, String body, boolean asPart,
            java.util.concurrent.CyclicBarrier together) throws Exception {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        try {
            if (asPart) {
                try (OutputStream out = c.write(name + ".part")) {
                    out.write(bytes);
                }
                together.await(10, TimeUnit.SECONDS);
                c.getExtension(org.apache.sshd.sftp.client.extensions.openssh.OpenSSHPosixRenameExtension.class)
                        .posixRename(name + ".part", name);
                return true;
            }
            SftpClient.CloseableHandle h = c.open(name, EnumSet.of(SftpClient.OpenMode.Write, SftpClient.OpenMode.Create,
                    SftpClient.OpenMode.Truncate));
            c.write(h, 0, bytes);
            together.await(10, TimeUnit.SECONDS);
            h.close();
            return true;
        } catch (SftpException e) {
            return false;
        }
    }

    private interface Call {
        void run() throws IOException;
    }

    private static void assertStatus(int status, Call c) {
        SftpException e = assertThrows(SftpException.class, c::run);
        assertEquals(status, e.getStatus(), e.getMessage());
    }

    // ------------------------------------------------------------------ quota

    @Test
    void anUploadBeyondMaxUploadSize_isRefused_andNothingIsLeft() throws Exception {
        start(settings(1 << 20, 1, Duration.ofSeconds(30), 8));
        localFile("big.tar", 2 << 20, 3);
        localFile("small.tar", 512 << 10, 4);
        Tools.Result r = sftp("put big.tar");
        assertNotEquals(0, r.exitCode(), r.stdout());
        assertTrue(r.stderr().contains("Failure") || r.stderr().toLowerCase().contains("couldn't"), r.stderr());
        assertEquals(List.of(), names(inbox), "neither big.tar nor its temporary file");
        assertTrue(log().contains("refused upload of big.tar") && log().contains("--max-upload-size"), log());

        // The same limit through the exporter's name: the .part goes too.
        r = sftp("put big.tar big.tar.part");
        assertNotEquals(0, r.exitCode());
        assertEquals(List.of(), names(inbox));

        assertEquals(0, sftp("put small.tar").exitCode(), "a file under the limit still goes in");
        assertEquals(List.of("small.tar"), names(inbox));
    }

    @Test
    void aWriteAt1TiBOffset_isJudgedByWhereItEnds_refused_andNoSparseFileIsLeft() throws Exception {
        start(); // no --max-upload-size: only --min-free, which the 1 TiB file would break (the disk holds far less)
        try (SshClient client = client(); ClientSession s = login(client); SftpClient sftp = SftpClientFactory.instance().createSftpClient(s)) {
            SftpClient.CloseableHandle part = sftp.open("c-000001.airlock.tar.part", EnumSet.of(SftpClient.OpenMode.Write,
                    SftpClient.OpenMode.Create));
            sftp.write(part, 0, new byte[1000]);
            sftp.write(part, 1000, new byte[1000]); // an ordinary resume at the end still goes
            assertStatus(SftpConstants.SSH_FX_FAILURE, () -> sftp.write(part, 1L << 40, new byte[16]));
            assertStatus(SftpConstants.SSH_FX_FAILURE, () -> part.close());

            // the same through a plain name (its temporary file)
            SftpClient.CloseableHandle plain = sftp.open("d.tar", EnumSet.of(SftpClient.OpenMode.Write, SftpClient.OpenMode.Create));
            assertStatus(SftpConstants.SSH_FX_FAILURE, () -> sftp.write(plain, 1L << 40, new byte[16]));
            assertStatus(SftpConstants.SSH_FX_FAILURE, () -> plain.close());
        }
        assertEquals(List.of(), names(inbox), "neither the .part nor a temporary file is left, sparse or not");
        assertTrue(log().contains("refused upload of c-000001.airlock.tar.part") && log().contains("--min-free"), log());
    }

    // ------------------------------------------------------------------ sessions

    @Test
    void oneSessionMoreThanMaxSessions_isRefused_andTheSlotIsFreedWhenOneCloses() throws Exception {
        start(settings(0, 1, Duration.ofSeconds(30), 1));
        localFile("f", 10, 5);
        try (SshClient client = SshClient.setUpDefaultClient()) {
            client.setServerKeyVerifier(AcceptAllServerKeyVerifier.INSTANCE);
            client.start();
            try (ClientSession held = login(client)) {
                awaitLog("session opened by", Duration.ofSeconds(10));
                Tools.Result second = sftp("put f");
                assertNotEquals(0, second.exitCode(), "a second session while one is open");
                assertTrue(log().contains("refused connection from 127.0.0.1:") && log().contains("--max-sessions"), log());
                assertFalse(Files.exists(inbox.resolve("f")));
            }
        }
        awaitLog("session closed: key", Duration.ofSeconds(10));
        assertEquals(0, sftp("put f").exitCode(), "the slot is free again");
    }

    /**
     * Red-team pass L (issue 17): --session-idle-timeout is MINA's idle timeout, which any SSH packet
     * renews, a keepalive included. Sessions that move nothing but whose client sends keepalives
     * (OpenSSH's ServerAliveInterval, common in ssh_config; or a hostile sender's choice) are never
     * closed: --max-sessions of them keep every push out for as long as they stay. "Idle" is idle at
     * the SFTP level: such sessions are closed after the timeout, and the sender gets in.
     */
    @Test
    void sessionsThatSendOnlyKeepalives_areClosedAfterTheIdleTimeout_andAPushGetsIn() throws Exception {
        start(settings(0, 1, Duration.ofSeconds(3), 2));
        localFile("f", 10, 5);
        List<Process> held = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                List<String> cmd = new ArrayList<>(List.of("sftp", "-P", String.valueOf(server.port()), "-o", "ServerAliveInterval=1"));
                cmd.addAll(sshOptions());
                cmd.add("airlock@127.0.0.1");
                held.add(new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start()); // stdin open: sftp waits
            }
            awaitLog("session opened by", Duration.ofSeconds(10));
            Thread.sleep(8_000); // well past the 3 s idle timeout; each client sent a keepalive every second
            Tools.Result push = sftp("put f");
            assertEquals(0, push.exitCode(), "a push while two sessions that moved nothing for 8 s (idle timeout 3 s) hold both slots:\n"
                    + push.stderr() + "\n" + log());
            assertTrue(Files.exists(inbox.resolve("f")));
        } finally {
            held.forEach(Process::destroy);
        }
    }

    /**
     * Red-team pass U (issue 17, U2): --max-sessions is one pool for every key. One authorized key
     * holding all of it (sessions that keep doing SFTP requests, so never idle) kept every other key's
     * push out for as long as it liked: each was closed right after its login. A key with fewer
     * sessions than the key holding the most gets in, the newest session of that key closed to make
     * room (its .part stays for resume); a key that already holds its share is refused as before.
     */
    @Test
    void oneKeyHoldingEverySession_doesNotKeepAnotherKeysPushOut() throws Exception {
        Path hogKey = tmp.resolve("hog_ed25519");
        TestSshd.keygen("ed25519", "", hogKey);
        Files.writeString(authorizedKeys, Files.readString(authorizedKeys) + Files.readString(pub(hogKey)));
        start(settings(0, 1, Duration.ofSeconds(30), 2));
        localFile("f", 10, 5);
        try (SshClient client = SshClient.setUpDefaultClient()) {
            client.setServerKeyVerifier(AcceptAllServerKeyVerifier.INSTANCE);
            client.start();
            List<ClientSession> hog = new ArrayList<>();
            try {
                for (int i = 0; i < 2; i++) {
                    hog.add(login(client, hogKey));
                }
                awaitLog("session opened by", Duration.ofSeconds(10));
                Tools.Result push = sftp("put f");
                assertEquals(0, push.exitCode(), "another key's push while one key holds every session:\n" + push.stderr() + "\n" + log());
                assertTrue(Files.exists(inbox.resolve("f")));
                assertTrue(log().contains("to make room for key"), log());
                hog.add(login(client)); // the other key holds a session again; the hog's sessions hold the other slot
                ClientSession more = null;
                try {
                    more = login(client, hogKey); // a key that holds its share gets no more
                    for (long end = System.nanoTime() + 5_000_000_000L; more.isOpen() && System.nanoTime() < end; ) {
                        Thread.sleep(20);
                    }
                    assertFalse(more.isOpen(), "a third session of the key that holds the most: " + log());
                } catch (Exception refused) {
                    // closed during its login: refused
                } finally {
                    if (more != null) {
                        more.close(true);
                    }
                }
            } finally {
                for (ClientSession s : hog) {
                    s.close(true);
                }
            }
        }
    }

    @Test
    void anIdleSession_isClosedAfterTheIdleTimeout() throws Exception {
        start(settings(0, 1, Duration.ofSeconds(1), 8));
        List<String> cmd = new ArrayList<>(List.of("sftp", "-P", String.valueOf(server.port())));
        cmd.addAll(sshOptions());
        cmd.add("airlock@127.0.0.1");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            awaitLog("session opened by", Duration.ofSeconds(10));
            long t0 = System.nanoTime();
            // sftp itself only notices when it next reads a command; the server's log shows the close.
            awaitLog("session closed: key", Duration.ofSeconds(5));
            long took = System.nanoTime() - t0;
            assertTrue(took > TimeUnit.MILLISECONDS.toNanos(800), "closed after " + took / 1_000_000 + " ms, before the idle timeout");
        } finally {
            p.destroyForcibly();
        }
    }

    private void awaitLog(String text, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!log().contains(text)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no '" + text + "' in the log within " + limit + ":\n" + log());
            }
            Thread.sleep(20);
        }
    }

    // ------------------------------------------------------------------ before login

    @Test
    void twentyIdleSocketsFromTheSendersOwnAddress_doNotLockItOut_theOldestAreClosedToMakeRoom() throws Exception {
        start();
        localFile("f", 1000, 7);
        List<Socket> idle = new ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) {
                Socket sock = new Socket();
                sock.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
                idle.add(sock); // sends nothing, ever
                greeting(sock); // the server has taken it
            }
            // the 11th to 20th each made the oldest make room (all come from 127.0.0.1, as the sender does)
            long t0 = System.nanoTime();
            Tools.Result r = sftp("put f");
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertEquals(0, r.exitCode(), r.stderr() + "\n" + log());
            assertTrue(took < 5000, "the upload took " + took + " ms");
            assertTrue(Files.exists(inbox.resolve("f")));
            assertTrue(log().contains(" s to make room: 11 connections from 127.0.0.1 not logged in yet (at most 10 per address;"
                    + " the oldest goes first))"), log());
            assertEquals(11, closedByServer(idle), "the 10 oldest idle sockets made room for the 10 newer ones, the 11th for the sender");
        } finally {
            for (Socket sock : idle) {
                sock.close();
            }
        }
    }

    /** Reads the server's {@code SSH-2.0-…} line, or up to the end of the stream, for at most 5 s. */
    private static void greeting(Socket sock) throws IOException {
        sock.setSoTimeout(5000);
        InputStream in = sock.getInputStream();
        for (int b = in.read(); b != -1 && b != '\n'; b = in.read()) {
            // the greeting's bytes
        }
    }

    /** How many of these sockets the server closed: each reads the server's greeting, then end of stream. */
    private static int closedByServer(List<Socket> sockets) throws IOException {
        int closed = 0;
        for (Socket sock : sockets) {
            sock.setSoTimeout(500);
            try (InputStream in = sock.getInputStream()) {
                while (in.read() != -1) {
                    // the greeting and the key exchange offer
                }
                closed++;
            } catch (java.net.SocketTimeoutException stillOpen) {
                // held open by the server, waiting for the login
            }
        }
        return closed;
    }

    @Test
    void sevenWrongKeysOnOneConnection_areCutOffAfterSix_eachRefusalLoggedWithItsFingerprint() throws Exception {
        start();
        List<Path> wrong = wrongKeys(7);
        try (SshClient client = client()) {
            ClientSession s = client.connect("airlock", "127.0.0.1", server.port()).verify(Duration.ofSeconds(10)).getSession();
            for (Path k : wrong) {
                s.addPublicKeyIdentity(keyPair(k));
            }
            assertThrows(IOException.class, () -> s.auth().verify(Duration.ofSeconds(10)));
            s.waitFor(EnumSet.of(ClientSession.ClientSessionEvent.CLOSED), Duration.ofSeconds(10));
            assertTrue(s.isClosed(), "the server disconnected");
        }
        awaitLog("more than 6 login attempts", Duration.ofSeconds(10));
        for (int i = 0; i < 7; i++) {
            String fp = Tools.run("ssh-keygen", "-lf", pub(wrong.get(i)).toString()).ok().stdout().split(" ")[1];
            String line = "refused key ssh-ed25519 " + fp + " (user airlock) from 127.0.0.1:";
            assertEquals(i < 6, log().contains(line), "key " + (i + 1) + ": " + line + "\n" + log());
        }
        assertTrue(log().contains("session closed: from 127.0.0.1:") && log().contains("(never logged in: user airlock, more than 6 login"
                + " attempts)"), log());
    }

    @Test
    void aFloodOfWrongKeys_logsTenLinesAWindow_andOneSummaryNamingTheAddress() throws Exception {
        start();
        List<Path> wrong = wrongKeys(6);
        try (SshClient client = client()) {
            for (int c = 0; c < 5; c++) {
                try (ClientSession s = client.connect("airlock", "127.0.0.1", server.port()).verify(Duration.ofSeconds(10)).getSession()) {
                    for (Path k : wrong) {
                        s.addPublicKeyIdentity(keyPair(k));
                    }
                    assertThrows(IOException.class, () -> s.auth().verify(Duration.ofSeconds(10)));
                }
            }
        }
        server.close(); // ends the window: the summary is written
        assertEquals(10, log().lines().filter(l -> l.startsWith("refused key ")).count(), log());
        assertTrue(log().contains("20 more refused keys in the last 60 s, not logged one by one (at most 10 a window): from 127.0.0.1 (20)"),
                log());
    }

    private List<Path> wrongKeys(int n) throws Exception {
        List<Path> keys = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Path k = tmp.resolve("wrong" + i);
            TestSshd.keygen("ed25519", "", k);
            keys.add(k);
        }
        return keys;
    }

    private static java.security.KeyPair keyPair(Path key) throws Exception {
        try (InputStream in = Files.newInputStream(key)) {
            return SecurityUtils.loadKeyPairIdentities(null, null, in, FilePasswordProvider.EMPTY).iterator().next();
        }
    }

    /** MINA's client with no keys of its own (only those a test adds) and any host key. */
    private static SshClient client() {
        SshClient client = SshClient.setUpDefaultClient();
        client.setServerKeyVerifier(AcceptAllServerKeyVerifier.INSTANCE);
        client.setKeyIdentityProvider(org.apache.sshd.common.keyprovider.KeyIdentityProvider.EMPTY_KEYS_PROVIDER);
        client.start();
        return client;
    }

    // ------------------------------------------------------------------ log lines

    @Test
    void aNameOrUserWithALineBreakOrEscape_isEscapedInTheServeLog_asWatchEscapesIt() throws Exception {
        start();
        String forged = "x\n2026-01-01T00:00:00Z received c-000009.airlock.tar (1 bytes)\u001b[2K.tar";
        try (SshClient client = client();
                ClientSession s = client.connect("air\nlock\u001b[31m", "127.0.0.1", server.port()).verify(Duration.ofSeconds(10))
                        .getSession()) {
            s.addPublicKeyIdentity(keyPair(clientKey));
            s.auth().verify(Duration.ofSeconds(10));
            try (SftpClient sftp = SftpClientFactory.instance().createSftpClient(s)) {
                assertStatus(SftpConstants.SSH_FX_PERMISSION_DENIED, () -> sftp.open(forged, EnumSet.of(SftpClient.OpenMode.Write,
                        SftpClient.OpenMode.Create)));
            }
        }
        awaitLog("session closed: key", Duration.ofSeconds(10));
        synchronized (log) {
            assertTrue(log.stream().noneMatch(l -> l.contains("\n") || l.contains("\u001b")), log.toString());
        }
        assertTrue(log().contains("refused open x\\n2026-01-01T00:00:00Z received c-000009.airlock.tar (1 bytes)\\u001b[2K.tar"), log());
        assertTrue(log().contains("(user air\\nlock\\u001b[31m) from 127.0.0.1:"), log());
    }

    // ------------------------------------------------------------------ nothing but SFTP

    @Test
    void execShellAndPortForwards_areRefused() throws Exception {
        start();
        Path marker = tmp.resolve("exec-ran");
        List<String> ssh = new ArrayList<>(List.of("ssh", "-p", String.valueOf(server.port())));
        ssh.addAll(sshOptions());

        List<String> exec = new ArrayList<>(ssh);
        exec.addAll(List.of("airlock@127.0.0.1", "touch " + marker));
        Tools.Result r = Tools.run(exec, Map.of(), null);
        assertNotEquals(0, r.exitCode(), "exec: " + r.stderr());
        assertFalse(Files.exists(marker), "the command must not have run");

        List<String> shell = new ArrayList<>(ssh);
        shell.addAll(List.of("-tt", "airlock@127.0.0.1"));
        assertNotEquals(0, Tools.run(shell, Map.of(), null).exitCode(), "shell");

        List<String> remote = new ArrayList<>(ssh);
        remote.addAll(List.of("-N", "-o", "ExitOnForwardFailure=yes", "-R", "0:127.0.0.1:" + server.port(), "airlock@127.0.0.1"));
        r = Tools.run(remote, Map.of(), null);
        assertNotEquals(0, r.exitCode());
        assertTrue(r.stderr().contains("remote port forwarding failed"), r.stderr());

        // -L: ssh listens here and asks the server for a direct-tcpip channel to the inbox's own port per connection.
        // Were it granted, a connection through it would read the server's "SSH-2.0-" greeting; refused, it reads nothing.
        int lport;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            lport = s.getLocalPort();
        }
        List<String> local = new ArrayList<>(ssh);
        local.addAll(List.of("-N", "-o", "ExitOnForwardFailure=yes", "-L", lport + ":127.0.0.1:" + server.port(), "airlock@127.0.0.1"));
        Process fwd = new ProcessBuilder(local).redirectErrorStream(true).redirectOutput(tmp.resolve("fwd.log").toFile()).start();
        try {
            awaitLog("session opened by", Duration.ofSeconds(10));
            byte[] got = readThrough(lport);
            assertEquals("", new String(got, StandardCharsets.US_ASCII), "nothing may come through a local forward");
        } finally {
            fwd.destroy();
            fwd.waitFor(5, TimeUnit.SECONDS);
            fwd.destroyForcibly();
        }
        assertTrue(Files.readString(tmp.resolve("fwd.log")).contains("open failed"), Files.readString(tmp.resolve("fwd.log")));
    }

    private static byte[] readThrough(int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                s.setSoTimeout(5000);
                OutputStream out = s.getOutputStream();
                out.write("SSH-2.0-probe\r\n".getBytes(StandardCharsets.US_ASCII));
                java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
                try {
                    s.getInputStream().transferTo(got);
                } catch (java.net.SocketException reset) {
                    // ssh resets the local connection when the server refuses the channel
                }
                return got.toByteArray();
            } catch (java.net.ConnectException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(50);
            }
        }
    }

    // ------------------------------------------------------------------ host key, bad settings

    @Test
    void aMissingHostKey_isGenerated0600_withTheFingerprintSshKeygenShows_andLoadedAgainNextTime() throws Exception {
        Path key = tmp.resolve("host_key");
        start();
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        String fp = Tools.run("ssh-keygen", "-lf", pub(key).toString()).ok().stdout().split(" ")[1];
        assertTrue(log().contains("host key " + key + " generated: ssh-ed25519 " + fp), log());
        String[] y = Tools.run("ssh-keygen", "-y", "-f", key.toString()).ok().stdout().trim().split(" ");
        String derived = y[0] + " " + y[1];
        assertTrue(Files.readString(pub(key)).startsWith(derived), "OpenSSH reads the private key and derives the same public key");
        assertTrue(log().contains("known_hosts line for the sending side: [127.0.0.1]:" + server.port() + " " + derived), log());
        server.close();
        log.clear();

        start();
        assertTrue(log().contains("host key " + key + ": ssh-ed25519 " + fp), log());
        server.close();
        server = null;

        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
        AirlockException e = assertThrows(AirlockException.class, this::start);
        assertEquals(AirlockException.Kind.USAGE, e.kind());
        assertTrue(e.getMessage().contains("readable or writable by group or others") && e.getMessage().contains("chmod 600"), e.getMessage());
    }

    @Test
    void badSettings_areUsageErrors_namingWhatIsWrong() throws Exception {
        Files.writeString(authorizedKeys, "from=\"10.0.0.1\" " + Files.readString(pub(clientKey)));
        AirlockException e = assertThrows(AirlockException.class, this::start);
        assertEquals(AirlockException.Kind.USAGE, e.kind());
        assertTrue(e.getMessage().contains("line 1: options (from) are not supported"), e.getMessage());

        Files.writeString(authorizedKeys, "# nobody\n");
        e = assertThrows(AirlockException.class, this::start);
        assertTrue(e.getMessage().contains("lists no key"), e.getMessage());

        Files.delete(authorizedKeys);
        e = assertThrows(AirlockException.class, this::start);
        assertEquals(AirlockException.Kind.USAGE, e.kind());
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());

        Files.writeString(authorizedKeys, Files.readString(pub(clientKey)));
        Files.delete(inbox);
        e = assertThrows(AirlockException.class, this::start);
        assertTrue(e.getMessage().contains("inbox " + inbox + " does not exist"), e.getMessage());
        Files.createDirectories(inbox);

        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            e = assertThrows(AirlockException.class, () -> start(new ServeSettings("127.0.0.1", taken.getLocalPort(),
                    tmp.resolve("host_key"), authorizedKeys, inbox, 0, 1, Duration.ofSeconds(5), 8)));
            assertEquals(AirlockException.Kind.USAGE, e.kind());
            assertTrue(e.getMessage().startsWith("cannot listen on 127.0.0.1:" + taken.getLocalPort()), e.getMessage());
        }
    }

    @Test
    void theServeCommand_reportsBadSettingsInOneLine_withExit2() throws Exception {
        Path cert = tmp.resolve("exporter.pub.asc");
        assertEquals(0, dev.airlock.imports.cli.ImportMain.run(new String[] {"keygen", "--uid", "e <e@airlock.test>", "--key",
            tmp.resolve("exporter.key.asc").toString(), "--cert", cert.toString()}, new java.io.PrintWriter(new java.io.StringWriter()),
                new java.io.PrintWriter(new java.io.StringWriter())));
        List<String> base = List.of("serve", "--host-key", tmp.resolve("host_key").toString(), "--authorized-keys",
                authorizedKeys.toString(), "--trust", cert.toString(), "--registry", "127.0.0.1:9/mirror", "--state",
                tmp.resolve("state").toString());
        String[][] cases = {
            {"--listen", "127.0.0.1:0", "--inbox", tmp.resolve("missing").toString()},
            {"--listen", "localhost", "--inbox", inbox.toString()},
            {"--listen", "127.0.0.1:0", "--inbox", inbox.toString(), "--max-upload-size", "lots"},
        };
        String[] expected = {"inbox " + tmp.resolve("missing") + " does not exist", "--listen 'localhost' is not HOST:PORT", "'lots' is not a size"};
        for (int i = 0; i < cases.length; i++) {
            List<String> args = new ArrayList<>(base);
            args.addAll(List.of(cases[i]));
            java.io.StringWriter out = new java.io.StringWriter();
            java.io.StringWriter err = new java.io.StringWriter();
            int code = dev.airlock.imports.cli.ImportMain.run(args.toArray(String[]::new), new java.io.PrintWriter(out),
                    new java.io.PrintWriter(err));
            assertEquals(2, code, err.toString());
            assertTrue(err.toString().startsWith("airlock-import: ") && err.toString().contains(expected[i]), err.toString());
        }
        assertFalse(Files.exists(tmp.resolve("host_key")) && Files.exists(tmp.resolve("missing")));
    }

    @Test
    void aKeyRemovedFromAuthorizedKeys_isRefusedFromTheNextLoginOn() throws Exception {
        start();
        localFile("f", 10, 6);
        assertEquals(0, sftp("put f").exitCode());
        Path other = tmp.resolve("other");
        TestSshd.keygen("ed25519", "", other);
        Files.writeString(authorizedKeys, Files.readString(pub(other)));
        Files.setLastModifiedTime(authorizedKeys, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
        Tools.Result r = sftp("put f g");
        assertNotEquals(0, r.exitCode());
        assertTrue(r.stderr().contains("Permission denied"), r.stderr());
        assertFalse(Files.exists(inbox.resolve("g")));
    }
}
