package dev.airlock.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass R, R3: which files are the watcher's own (the receivers deliver as its user) decides
 * which of two files of a set's signed bytes is kept ({@link SignedCopies}: a stranger's copy, an
 * admin's chmod of the real file). The watcher's user was read as the owner of the link
 * {@code /proc/self}, which is root's whoever looks: run as the service user airlock, the watcher took
 * itself for root, and the rule never applied (the tests run as root, where it happens to be right).
 * Here {@link FileOwners}, where the watcher, its delivery rule and the scan learn who they are, is
 * loaded by a JVM run as user nobody, through {@code setpriv}.
 */
@org.junit.jupiter.api.condition.EnabledIf("dev.airlock.testing.OtherUserClasspath#asRootWithSetpriv")
class FileOwnersSelfTest {
    @TempDir
    Path root;

    @Test
    void asAnotherUser_theWatchersOwnUserIsThatUser() throws Exception {
        Files.setAttribute(root, "unix:mode", 0755);
        Path com = dev.airlock.testing.OtherUserClasspath.copyOf(FileOwners.class, root.resolve("common"));
        Path main = Files.writeString(root.resolve("Self.java"), """
                public class Self {
                    public static void main(String[] a) throws Exception {
                        System.out.println(dev.airlock.io.FileOwners.SELF);
                    }
                }
                """);
        Files.setAttribute(main, "unix:mode", 0644);
        Process p = new ProcessBuilder("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", com.toString(), main.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        p.waitFor(60, TimeUnit.SECONDS);
        assertEquals("65534", out,
                "the watcher run as nobody takes itself for user " + out);
    }
}
