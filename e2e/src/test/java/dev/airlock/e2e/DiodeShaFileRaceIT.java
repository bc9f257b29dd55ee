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
 * Red-team pass S, S2: diode-receive writes an arrival to a random dot-name {@code $tmp} (mktemp,
 * 0600) and its sha256 to {@code $tmp.sha}, a name known as soon as {@code $tmp} appears, opened
 * with the shell's {@code >} (no O_EXCL) a moment later. A stranger who can read and write a shared
 * (sticky) inbox sees {@code $tmp} appear (inotify) and puts a directory (or, where
 * fs.protected_regular is 0, a file of his that he then rewrites) under {@code $tmp.sha} first: the
 * hashing end of the pipeline cannot open it, tee dies of SIGPIPE, and the arrival is dropped as
 * short, every copy of it, every time it is sent. With his own file there he chooses the sha256 the
 * receiver compares (a damaged arrival passed as intact, then every intact copy dropped as its
 * duplicate). Real udpcast on lo; the stranger's directory is given to nobody.
 */
class DiodeShaFileRaceIT {
    private static final Random RANDOM = new Random();

    @TempDir
    Path tmp;

    @Test
    void diodeReceive_aStrangersDirectoryUnderTheShaFilesName_doesNotDropTheArrival() throws Exception {
        assumeTrue(Tools.has("udp-receiver") && Tools.has("udp-sender"), "udpcast is not installed");
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        Files.setAttribute(tmp, "unix:mode", 0755);
        Files.setAttribute(inbox, "unix:mode", 01777); // shared, sticky
        int port = DiodeRig.freePortPair();
        byte[] bundle = new byte[200_000];
        RANDOM.nextBytes(bundle);
        Path sent = Files.write(tmp.resolve("daily-000001.airlock.tar"), bundle);
        Path plant = Files.writeString(tmp.resolve("plant.py"), PLANT);
        Files.setAttribute(plant, "unix:mode", 0644);
        List<String> asStranger = Tools.has("setpriv") ? List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups") : List.of();
        List<String> cmd = new java.util.ArrayList<>(asStranger);
        cmd.addAll(List.of(Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3", plant.toString(), inbox.toString(), String.valueOf(port)));
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
        Path got = inbox.resolve("daily-000001.airlock.tar");
        assertTrue(Files.isRegularFile(got), "the real bundle, sent twice, never arrived: " + out + tx.stderr());
        assertArrayEquals(bundle, Files.readAllBytes(got));
    }

    /** The stranger (user nobody where setpriv is there): inotify on the inbox; each new dot-name of the receiver's, at once a directory under the name plus {@code .sha}. */
    private static final String PLANT = """
            import ctypes, os, struct, sys
            inbox, port = sys.argv[1], sys.argv[2]
            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            fd = libc.inotify_init()
            libc.inotify_add_watch(fd, inbox.encode(), 0x100)  # IN_CREATE
            prefix = ".diode.%s." % port
            while True:
                buf = os.read(fd, 65536)
                i = 0
                while i < len(buf):
                    wd, mask, cookie, ln = struct.unpack_from("iIII", buf, i)
                    name = buf[i + 16:i + 16 + ln].rstrip(b"\\0").decode()
                    i += 16 + ln
                    if name.startswith(prefix) and not name.endswith(".sha"):
                        try:
                            os.mkdir(os.path.join(inbox, name + ".sha"))
                            print("planted", name + ".sha", flush=True)
                        except OSError as e:
                            print("late", name, e, flush=True)
            """;


}
