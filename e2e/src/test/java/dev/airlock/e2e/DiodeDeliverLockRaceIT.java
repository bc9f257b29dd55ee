package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.airlock.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass S, S4: before each delivery diode-receive checks {@code .diode-deliver.lock}
 * (own_file: a link, a FIFO or another user's file there is removed) and then opens the name with
 * the shell's {@code 8>>}, which follows a link and waits on a FIFO. Until the lock was first made (a
 * new inbox), a stranger who can write a shared (sticky) inbox puts a link there, sees it removed
 * (inotify) and puts a FIFO there at once: the receiver hangs in the open for good (where
 * fs.protected_fifos is 0, the kernel's default; where it is 1, the open fails and the arrival is
 * dropped, every time he does it again). Real udpcast on lo; the stranger is user nobody where
 * setpriv is there.
 */
class DiodeDeliverLockRaceIT {
    private static final Random RANDOM = new Random();

    @TempDir
    Path tmp;

    @Test
    void diodeReceive_aStrangersFifoUnderItsDeliveryLock_doesNotStopDeliveries() throws Exception {
        assumeTrue(Tools.has("udp-receiver") && Tools.has("udp-sender"), "udpcast is not installed");
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        Files.setAttribute(tmp, "unix:mode", 0755);
        Files.setAttribute(inbox, "unix:mode", 01777); // shared, sticky, new: no delivery lock yet
        int port = DiodeRig.freePortPair();
        byte[] bundle = new byte[200_000];
        RANDOM.nextBytes(bundle);
        Path sent = Files.write(tmp.resolve("daily-000001.airlock.tar"), bundle);
        Path plant = Files.writeString(tmp.resolve("plant.py"), PLANT);
        Files.setAttribute(plant, "unix:mode", 0644);
        List<String> cmd = new java.util.ArrayList<>(Tools.has("setpriv")
                ? List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups") : List.of());
        cmd.addAll(List.of(Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3", plant.toString(),
                inbox.toString()));
        Process stranger = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("stranger.out").toFile()).start();
        for (int i = 0; i < 50 && !Files.exists(inbox.resolve(".diode-deliver.lock"), java.nio.file.LinkOption.NOFOLLOW_LINKS); i++) {
            Thread.sleep(100);
        }
        Process rx = new ProcessBuilder("timeout", "40", DiodeRig.repo().resolve("scripts/diode-receive").toString(), "--interface", "lo",
                "--port", String.valueOf(port), "--sessions", "2", "--idle-exit", "15", inbox.toString())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("rx.out").toFile()).start();
        Thread.sleep(1000);
        Tools.Result tx = Tools.run(List.of(DiodeRig.repo().resolve("scripts/diode-send").toString(), "--interface", "lo", "--port",
                String.valueOf(port), "--copies", "2", sent.toString()), Map.of(), null);
        rx.waitFor(60, TimeUnit.SECONDS);
        stranger.destroy();
        String out = Files.readString(tmp.resolve("rx.out")) + Files.readString(tmp.resolve("stranger.out"));
        Path got = inbox.resolve("daily-000001.airlock.tar");
        assertTrue(Files.isRegularFile(got), "the real bundle, sent twice, never arrived (exit " + rx.exitValue() + "): " + out
                + tx.stderr());
        assertArrayEquals(bundle, Files.readAllBytes(got));
    }

    /** The stranger: a link under the lock's name, then inotify on the inbox: as it is removed, a FIFO of his under the name at once. */
    private static final String PLANT = """
            import ctypes, os, struct, sys
            inbox = sys.argv[1]
            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            fd = libc.inotify_init()
            libc.inotify_add_watch(fd, inbox.encode(), 0x200)  # IN_DELETE
            lock = os.path.join(inbox, ".diode-deliver.lock")
            os.symlink("/nonexistent", lock)
            while True:
                buf = os.read(fd, 65536)
                i = 0
                while i < len(buf):
                    wd, mask, cookie, ln = struct.unpack_from("iIII", buf, i)
                    name = buf[i + 16:i + 16 + ln].rstrip(b"\\0").decode()
                    i += 16 + ln
                    if name == ".diode-deliver.lock":
                        try:
                            os.mkfifo(lock)
                            print("a FIFO under", name, flush=True)
                        except OSError as e:
                            print("late", e, flush=True)
            """;


}
