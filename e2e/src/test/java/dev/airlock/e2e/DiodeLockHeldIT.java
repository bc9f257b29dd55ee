package dev.airlock.e2e;

import static dev.airlock.e2e.DiodeRig.freePortPair;
import static dev.airlock.e2e.DiodeRig.repo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.airlock.testing.Tools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass T, T1 and T2: diode-receive's two locks have names known in advance in a shared
 * (sticky) inbox. T1: until {@code .diode-deliver.lock} was first made (a new inbox), a stranger's
 * directory there is renamed aside and the name left free for a moment; he watches the inbox
 * (inotify) and makes his directory again at once, four times over, and own_lock gives up: every
 * arrival is dropped ("cannot lock") for as long as he goes on. T2: a lock made with the shell's
 * umask (022: any run but the unit's) is readable by others, and a stranger who opens it and holds
 * flock(2) on it keeps the receiver waiting for the delivery lock for good (and, on the per-port
 * lock, keeps it from starting). Real udpcast on lo; the receiver runs as root as the other diode
 * tests do, the stranger as nobody (setpriv). T3: the name of an earlier version's log, never made
 * now and so free on every inbox: a stranger's directory there made every start exit 1 (rm -f of a
 * directory fails). T4: {@code .diode-damaged}, made only at the first damaged arrival and so free on
 * most inboxes: a stranger's file there made every later start exit 1 (a planted ledger is refused).
 */
class DiodeLockHeldIT {
    private static final Random RANDOM = new Random();

    @TempDir
    Path tmp;

    @Test
    void aStrangersDirectoryMadeAgainUnderTheDeliveryLock_doesNotDropArrivals() throws Exception {
        assumeTrue(Tools.has("udp-receiver") && Tools.has("udp-sender") && Tools.has("setpriv"), "udpcast or setpriv is not installed");
        Path inbox = sharedInbox();
        Path plant = Files.writeString(tmp.resolve("plant.py"), DIRECTORY_AGAIN);
        Files.setAttribute(plant, "unix:mode", 0644);
        Process stranger = asNobody(List.of(python(), plant.toString(), inbox.toString(), ".diode-deliver.lock"), "stranger.out");
        for (int i = 0; i < 50 && !Files.isDirectory(inbox.resolve(".diode-deliver.lock")); i++) {
            Thread.sleep(100);
        }
        try {
            byte[] bundle = receive(inbox, "daily-000001.airlock.tar", "rx.out");
            assertArrayEquals(bundle, Files.readAllBytes(inbox.resolve("daily-000001.airlock.tar")));
        } finally {
            stranger.destroy();
        }
    }

    @Test
    void aStrangerHoldingTheDeliveryLock_doesNotHoldDeliveries() throws Exception {
        strangerHolds(port -> ".diode-deliver.lock");
    }

    @Test
    void aStrangerHoldingThePortsLock_doesNotKeepTheReceiverFromStarting() throws Exception {
        strangerHolds(port -> ".diode-receive." + port + ".lock");
    }

    @Test
    void aStrangersDirectoryUnderTheOldLogsName_doesNotKeepTheReceiverFromStarting() throws Exception {
        assumeTrue(Tools.has("udp-receiver") && Tools.has("udp-sender") && Tools.has("setpriv"), "udpcast or setpriv is not installed");
        Path inbox = sharedInbox();
        int port = freePortPair();
        asNobody(List.of("mkdir", inbox.resolve(".diode-udp-receiver." + port + ".log").toString()), "stranger.out").waitFor();
        assertTrue(Files.isDirectory(inbox.resolve(".diode-udp-receiver." + port + ".log")));
        byte[] bundle = receive(inbox, port, "daily-000001.airlock.tar", "rx.out");
        assertArrayEquals(bundle, Files.readAllBytes(inbox.resolve("daily-000001.airlock.tar")));
    }

    @Test
    void aStrangersFileUnderTheDamagedLedgersName_doesNotKeepTheReceiverFromStartingAgain() throws Exception {
        assumeTrue(Tools.has("udp-receiver") && Tools.has("udp-sender") && Tools.has("setpriv"), "udpcast or setpriv is not installed");
        Path inbox = sharedInbox();
        int port = freePortPair();
        byte[] first = receive(inbox, port, "daily-000001.airlock.tar", "rx1.out"); // an inbox in use, never a damaged arrival
        assertArrayEquals(first, Files.readAllBytes(inbox.resolve("daily-000001.airlock.tar")));
        asNobody(List.of("touch", inbox.resolve(".diode-damaged").toString()), "stranger.out").waitFor();
        byte[] second = receive(inbox, port, "daily-000002.airlock.tar", "rx2.out"); // the receiver started again (an update, a reboot)
        assertArrayEquals(second, Files.readAllBytes(inbox.resolve("daily-000002.airlock.tar")));
    }

    /** A first bundle makes the locks (umask 022); then a stranger holds flock(2) on {@code lock} and a second bundle is sent. */
    private void strangerHolds(java.util.function.IntFunction<String> lock) throws Exception {
        assumeTrue(Tools.has("udp-receiver") && Tools.has("udp-sender") && Tools.has("setpriv") && Tools.has("flock"),
                "udpcast, setpriv or flock is not installed");
        Path inbox = sharedInbox();
        int port = freePortPair();
        byte[] first = receive(inbox, port, "daily-000001.airlock.tar", "rx1.out");
        assertArrayEquals(first, Files.readAllBytes(inbox.resolve("daily-000001.airlock.tar")));
        Process stranger = asNobody(List.of("flock", "-x", inbox.resolve(lock.apply(port)).toString(), "sleep", "120"), "stranger.out");
        Thread.sleep(1000);
        try {
            byte[] second = receive(inbox, port, "daily-000002.airlock.tar", "rx2.out");
            assertArrayEquals(second, Files.readAllBytes(inbox.resolve("daily-000002.airlock.tar")));
        } finally {
            stranger.destroy();
        }
    }

    /** Red-team pass U, U7: in a DIR others may write without the sticky bit, they could rename the receiver's own files and put links back. */
    @Test
    void anInboxOthersMayWriteWithoutTheStickyBit_isRefusedAtStart_withTheChmod_andNothingIsMadeThere() throws Exception {
        assumeTrue(Tools.has("udp-receiver"), "udpcast is not installed");
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        Files.setAttribute(tmp, "unix:mode", 0755);
        Files.setAttribute(inbox, "unix:mode", 0777);
        Tools.Result r = Tools.run(List.of("timeout", "20", repo().resolve("scripts/diode-receive").toString(), "--interface", "lo",
                "--port", String.valueOf(freePortPair()), "--idle-exit", "1", inbox.toString()), Map.of(), null);
        assertEquals(1, r.exitCode(), r.toString());
        assertTrue(r.stderr().contains("has no sticky bit") && r.stderr().contains("chmod +t " + inbox.toRealPath()), r.stderr());
        try (var s = Files.list(inbox)) {
            assertEquals(List.of(), s.toList());
        }
    }

    /** Red-team pass W, R3: an inbox in another (not root) user's directory, which he may move at any time, was accepted. */
    @Test
    void anInboxInAnotherUsersDirectory_isRefusedAtStart_withTheChown_andNothingIsMadeThere() throws Exception {
        assumeTrue(Tools.has("udp-receiver"), "udpcast is not installed");
        Path his = Files.createDirectories(tmp.resolve("home-nobody"));
        Path inbox = Files.createDirectories(his.resolve("inbox"));
        Files.setAttribute(tmp, "unix:mode", 0755);
        Files.setAttribute(his, "unix:mode", 0755);
        Files.setAttribute(his, "unix:uid", 65534);
        Tools.Result r = Tools.run(List.of("timeout", "20", repo().resolve("scripts/diode-receive").toString(), "--interface", "lo",
                "--port", String.valueOf(freePortPair()), "--idle-exit", "1", inbox.toString()), Map.of(), null);
        assertEquals(1, r.exitCode(), r.toString());
        assertTrue(r.stderr().contains("is in " + his.toRealPath() + ", which belongs to uid 65534")
                && r.stderr().contains("chown root " + his.toRealPath()), r.stderr());
        try (var s = Files.list(inbox)) {
            assertEquals(List.of(), s.toList());
        }
    }

    private Path sharedInbox() throws IOException {
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        Files.setAttribute(tmp, "unix:mode", 0755);
        Files.setAttribute(inbox, "unix:mode", 01777); // shared, sticky, new
        return inbox;
    }

    private byte[] receive(Path inbox, String name, String out) throws Exception {
        return receive(inbox, freePortPair(), name, out);
    }

    /** Sends a new bundle {@code name} twice (diode-send's default) to a receiver run for it; its bytes. */
    private byte[] receive(Path inbox, int port, String name, String out) throws Exception {
        byte[] bundle = new byte[200_000];
        RANDOM.nextBytes(bundle);
        Path sent = Files.write(Files.createDirectories(tmp.resolve("out")).resolve(name), bundle);
        Process rx = new ProcessBuilder("timeout", "40", repo().resolve("scripts/diode-receive").toString(), "--interface", "lo",
                "--port", String.valueOf(port), "--sessions", "2", "--idle-exit", "15", inbox.toString())
                .redirectErrorStream(true).redirectOutput(tmp.resolve(out).toFile()).start();
        Thread.sleep(1000);
        Tools.Result tx = Tools.run(List.of(repo().resolve("scripts/diode-send").toString(), "--interface", "lo", "--port",
                String.valueOf(port), "--copies", "2", sent.toString()), Map.of(), null);
        rx.waitFor(60, TimeUnit.SECONDS);
        String log = Files.readString(tmp.resolve(out));
        String stranger = Files.exists(tmp.resolve("stranger.out")) ? Files.readString(tmp.resolve("stranger.out")) : "";
        assertTrue(Files.isRegularFile(inbox.resolve(name)), name + ", sent twice, never arrived (exit " + rx.exitValue() + "): " + log
                + stranger + tx.stderr());
        return bundle;
    }

    private Process asNobody(List<String> command, String out) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"));
        cmd.addAll(command);
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve(out).toFile()).start();
    }

    private static String python() {
        return Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
    }

    /** The stranger: his directory under the name, and (inotify) made again the moment it is renamed away or removed. */
    private static final String DIRECTORY_AGAIN = """
            import ctypes, os, struct, sys
            inbox, name = sys.argv[1], sys.argv[2]
            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            fd = libc.inotify_init()
            libc.inotify_add_watch(fd, inbox.encode(), 0x40 | 0x200)  # IN_MOVED_FROM | IN_DELETE
            path = os.path.join(inbox, name)
            os.mkdir(path)
            while True:
                buf = os.read(fd, 65536)
                i = 0
                while i < len(buf):
                    wd, mask, cookie, ln = struct.unpack_from("iIII", buf, i)
                    seen = buf[i + 16:i + 16 + ln].rstrip(b"\\0").decode()
                    i += 16 + ln
                    if seen == name:
                        try:
                            os.mkdir(path)
                            print("a directory under", name, "again", flush=True)
                        except OSError as e:
                            print("late", e, flush=True)
            """;
}
