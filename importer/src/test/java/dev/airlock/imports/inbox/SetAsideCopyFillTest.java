package dev.airlock.imports.inbox;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.io.NoReplaceDelivery;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass R, R6: the watcher sets a stranger's file aside into rejected/ by the delivery rule,
 * link(2) first. Run as the service user (not root) where fs.protected_hardlinks is 1 (Debian's
 * default), link(2) of another user's file one cannot write fails with EPERM, which the rule takes for
 * a file system without hard links: it copies the file, block by block. A stranger's sparse file of
 * any size (no disk, no quota) under a set's name, or sent as a bundle to be rejected, is written out
 * in full into rejected/: his 256 MiB here (a few TB as easily) fill the disk the receivers and the
 * import need. Here the delivery rule runs in a JVM as user nobody (the watcher), the stranger's file is
 * root's. Skipped unless root, setpriv, and protected hard links.
 */
@org.junit.jupiter.api.condition.EnabledIf("possible")
class SetAsideCopyFillTest {
    @TempDir
    Path root;

    @Test
    void aStrangersSparseFileSetAside_isNotWrittenOutInFull() throws Exception {
        Files.setAttribute(root, "unix:mode", 0755);
        Path inbox = Files.createDirectory(root.resolve("inbox"));
        Path rejected = Files.createDirectory(inbox.resolve("rejected"));
        Files.setAttribute(rejected, "unix:uid", 65534);
        Files.setAttribute(inbox, "unix:uid", 65534);
        Files.setAttribute(inbox, "unix:mode", 01777); // shared, sticky, the watcher's
        Path his = inbox.resolve("daily-000001.airlock.tar.000");
        try (RandomAccessFile f = new RandomAccessFile(his.toFile(), "rw")) {
            f.setLength(256L << 20); // sparse: no disk
        }
        Files.setAttribute(his, "unix:mode", 0644);
        Path imp = dev.airlock.testing.OtherUserClasspath.copyOf(SignedCopies.class, root.resolve("importer"));
        Path com = dev.airlock.testing.OtherUserClasspath.copyOf(NoReplaceDelivery.class, root.resolve("common"));
        Path main = Files.writeString(root.resolve("Aside.java"), """
                public class Aside {
                    public static void main(String[] a) throws Exception {
                        System.out.println(dev.airlock.io.NoReplaceDelivery.deliver(java.nio.file.Path.of(a[0]), java.nio.file.Path.of(a[1])));
                    }
                }
                """);
        Files.setAttribute(main, "unix:mode", 0644);
        Process p = new ProcessBuilder("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", imp + ":" + com, main.toString(), his.toString(),
                rejected.resolve(his.getFileName()).toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        p.waitFor(120, TimeUnit.SECONDS);
        Process du = new ProcessBuilder("du", "-k", "--", rejected.resolve(his.getFileName()).toString()).redirectErrorStream(true).start();
        String kb = new String(du.getInputStream().readAllBytes()).strip().split("\\s+")[0];
        du.waitFor();
        assertTrue(Long.parseLong(kb) < 1024, "the stranger's sparse 256 MiB took " + kb + " KiB of disk in rejected/ (" + out + ")");
    }

    static boolean possible() {
        try {
            return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid")) && dev.airlock.testing.Tools.has("setpriv")
                    && Files.readString(Path.of("/proc/sys/fs/protected_hardlinks")).strip().equals("1");
        } catch (Exception | LinkageError e) {
            return false;
        }
    }
}
