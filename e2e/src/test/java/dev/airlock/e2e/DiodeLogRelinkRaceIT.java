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
 * Red-team pass S, S3: before each session diode-receive removes its udp-receiver log
 * {@code .diode-udp-receiver.P.log} ("made anew by this open: a link planted at its name is gone")
 * and a moment later opens the same name with the shell's {@code 2>}, which follows a symbolic link.
 * A stranger who can write a shared (sticky) inbox sees the name go (inotify) and links it at once
 * to a file the receiver may write: here a real bundle waiting in the inbox for its import, which
 * udp-receiver's log then truncates and overwrites (where fs.protected_symlinks is 0, the kernel's
 * default; where it is 1, the open fails and the session is lost instead). Real udpcast on lo; the
 * stranger is user nobody where setpriv is there.
 */
class DiodeLogRelinkRaceIT {
    private static final Random RANDOM = new Random();

    @TempDir
    Path tmp;

    @Test
    void diodeReceive_aStrangersLinkUnderItsLogsName_doesNotOverwriteAWaitingBundle() throws Exception {
        assumeTrue(Tools.has("udp-receiver") && Tools.has("udp-sender"), "udpcast is not installed");
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        Files.setAttribute(tmp, "unix:mode", 0755);
        Files.setAttribute(inbox, "unix:mode", 01777); // shared, sticky
        int port = DiodeRig.freePortPair();
        byte[] waiting = new byte[100_000];
        RANDOM.nextBytes(waiting);
        Path real = Files.write(inbox.resolve("daily-000007.airlock.tar"), waiting); // delivered, waiting for its import
        byte[] bundle = new byte[200_000];
        RANDOM.nextBytes(bundle);
        Path sent = Files.write(tmp.resolve("daily-000008.airlock.tar"), bundle);
        Path plant = Files.writeString(tmp.resolve("plant.py"), PLANT);
        Files.setAttribute(plant, "unix:mode", 0644);
        List<String> cmd = new java.util.ArrayList<>(Tools.has("setpriv")
                ? List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups") : List.of());
        cmd.addAll(List.of(Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3", plant.toString(),
                inbox.toString(), String.valueOf(port), real.toString()));
        Process stranger = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("stranger.out").toFile()).start();
        Process rx = new ProcessBuilder("timeout", "90", DiodeRig.repo().resolve("scripts/diode-receive").toString(), "--interface", "lo",
                "--port", String.valueOf(port), "--sessions", "2", "--idle-exit", "25", inbox.toString())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("rx.out").toFile()).start();
        Thread.sleep(1000);
        Tools.Result tx = Tools.run(List.of(DiodeRig.repo().resolve("scripts/diode-send").toString(), "--interface", "lo", "--port",
                String.valueOf(port), "--copies", "2", sent.toString()), Map.of(), null);
        rx.waitFor(100, TimeUnit.SECONDS);
        stranger.destroy();
        String out = Files.readString(tmp.resolve("rx.out")) + Files.readString(tmp.resolve("stranger.out"));
        assertArrayEquals(waiting, Files.readAllBytes(real), "the waiting bundle was overwritten through the stranger's link: " + out);
        Path got = inbox.resolve("daily-000008.airlock.tar");
        assertTrue(Files.isRegularFile(got), "the real bundle, sent twice, never arrived: " + out + tx.stderr());
        assertArrayEquals(bundle, Files.readAllBytes(got));
    }

    /** The stranger: inotify on the inbox; as the receiver's log goes, a link of his under its name to the file given. */
    private static final String PLANT = """
            import ctypes, os, struct, sys
            inbox, port, target = sys.argv[1], sys.argv[2], sys.argv[3]
            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            fd = libc.inotify_init()
            libc.inotify_add_watch(fd, inbox.encode(), 0x200)  # IN_DELETE
            log = ".diode-udp-receiver.%s.log" % port
            while True:
                buf = os.read(fd, 65536)
                i = 0
                while i < len(buf):
                    wd, mask, cookie, ln = struct.unpack_from("iIII", buf, i)
                    name = buf[i + 16:i + 16 + ln].rstrip(b"\\0").decode()
                    i += 16 + ln
                    if name == log:
                        try:
                            os.symlink(target, os.path.join(inbox, log))
                            print("linked", log, "to", target, flush=True)
                        except OSError as e:
                            print("late", e, flush=True)
            """;


}
