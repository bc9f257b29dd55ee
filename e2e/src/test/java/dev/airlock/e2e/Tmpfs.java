package dev.airlock.e2e;

import dev.airlock.testing.Tools;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;

/**
 * A small tmpfs mounted on a test directory, for a real full disk. Needs root (CAP_SYS_ADMIN);
 * elsewhere the test is skipped with a message saying so.
 */
final class Tmpfs implements AutoCloseable {
    private static final Pattern NO_SPACE_LEFT = Pattern.compile("(?i)no space left on device|disk (is )?full");
    private final Path dir;

    private Tmpfs(Path dir) {
        this.dir = dir;
    }

    static Tmpfs mount(Path dir, String size) throws Exception {
        Tools.Result uid = Tools.run("id", "-u");
        Assumptions.assumeTrue(uid.exitCode() == 0 && uid.stdout().trim().equals("0"),
                "disk-full test skipped: it mounts a small tmpfs, which needs root (running as uid " + uid.stdout().trim() + ")");
        Files.createDirectories(dir);
        Tools.Result m = Tools.run("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", dir.toString());
        Assumptions.assumeTrue(m.exitCode() == 0, "disk-full test skipped: cannot mount a tmpfs on " + dir + " (" + m.stderr().trim()
                + "); it needs root with CAP_SYS_ADMIN");
        return new Tmpfs(dir);
    }

    /** Fills the file system to the last byte; returns the filler, whose deletion frees the space. */
    Path fill() throws IOException {
        Path filler = dir.resolve("filler");
        byte[] chunk = new byte[64 << 10];
        try (OutputStream out = Files.newOutputStream(filler)) {
            while (true) {
                out.write(chunk);
            }
        } catch (IOException e) {
            if (!NO_SPACE_LEFT.matcher(String.valueOf(e.getMessage())).find()) {
                throw e;
            }
        }
        // The last partial chunk may have fitted in part: write single bytes until nothing fits.
        try (OutputStream out = Files.newOutputStream(filler, java.nio.file.StandardOpenOption.APPEND)) {
            for (int i = 0; i < chunk.length; i++) {
                out.write(0);
                out.flush();
            }
        } catch (IOException expected) {
            // full
        }
        return filler;
    }

    void readOnly() throws Exception {
        Tools.run("mount", "-o", "remount,ro", dir.toString()).ok();
    }

    @Override
    public void close() throws Exception {
        Tools.Result r = Tools.run("umount", dir.toString());
        if (r.exitCode() != 0) {
            // Busy (a file left open by a run that failed): detach it so the temp dir can go.
            Tools.run("umount", "-l", dir.toString()).ok();
        }
    }
}
