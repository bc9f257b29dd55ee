package dev.airlock.imports.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass W (issue 17, R2): a stranger who can write the shared sticky inbox watches it
 * (inotify, IN_MOVED_FROM) and makes his directory (then a file) again under the name of serve's directory of
 * {@code .part} files the moment serve renames his last one aside (U4), before serve's mkdir: after
 * three such renames serve exited 1 at start, and under systemd's Restart=on-failure on every
 * start, so no push was ever taken. Run as root; his racer is a Python inotify loop as user nobody.
 */
class PartsDirectoryRacedTest {
    @TempDir
    Path tmp;

    @Test
    void aStrangerRemakingHisDirectoryAsItIsSetAside_doesNotKeepServeFromStarting() throws Exception {
        Assumptions.assumeTrue(Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid")), "runs as root");
        Files.setAttribute(tmp, "unix:mode", 0755);
        Path inbox = Files.createDirectory(tmp.resolve("inbox"));
        Files.setAttribute(inbox, "unix:mode", 01777);
        Path racer = Files.writeString(tmp.resolve("racer.py"), """
                import ctypes, os, sys
                inbox, name = sys.argv[1], sys.argv[2]
                libc = ctypes.CDLL("libc.so.6", use_errno=True)
                fd = libc.inotify_init()
                libc.inotify_add_watch(fd, inbox.encode(), 0x40)  # IN_MOVED_FROM
                def plant():  # a directory at first (U4), then a file: one call, and no directory can be renamed onto it
                    try:
                        if os.path.exists(os.path.join(inbox, "planted")):
                            os.close(os.open(os.path.join(inbox, name), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
                        else:
                            os.mkdir(os.path.join(inbox, name), 0o755)
                            os.close(os.open(os.path.join(inbox, "planted"), os.O_CREAT | os.O_WRONLY, 0o644))
                    except OSError:
                        pass
                plant()
                print("ready", flush=True)
                while True:
                    os.read(fd, 65536)
                    plant()
                """);
        Files.setAttribute(racer, "unix:mode", 0644);
        Process stranger = new ProcessBuilder("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3", racer.toString(), inbox.toString(),
                PartsDirectory.NAME).redirectErrorStream(true).start();
        List<String> log = new CopyOnWriteArrayList<>();
        try {
            new java.io.BufferedReader(new java.io.InputStreamReader(stranger.getInputStream())).readLine();
            for (int start = 0; start < 5; start++) { // serve started again and again (Restart=on-failure)
                Path parts;
                try {
                    parts = PartsDirectory.prepare(inbox, log::add);
                } catch (RuntimeException e) {
                    throw new AssertionError("serve's start " + (start + 1) + " failed: " + e.getMessage() + "\n" + String.join("\n", log), e);
                }
                assertEquals(0, (int) Files.getAttribute(parts, "unix:uid", LinkOption.NOFOLLOW_LINKS), String.join("\n", log));
                assertTrue(Files.isDirectory(parts, LinkOption.NOFOLLOW_LINKS));
                Files.move(parts, tmp.resolve("kept-" + start)); // the next start finds his again (as on a fresh inbox)
                Thread.sleep(100);
            }
        } finally {
            stranger.destroyForcibly();
        }
    }
}
