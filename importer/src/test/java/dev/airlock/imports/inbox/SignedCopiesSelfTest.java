package dev.airlock.imports.inbox;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.airlock.io.NoReplaceDelivery;
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
 * Here the class is loaded by a JVM run as user nobody, through {@code setpriv}.
 */
@org.junit.jupiter.api.condition.EnabledIf("asRoot")
class SignedCopiesSelfTest {
    @TempDir
    Path root;

    @Test
    void asAnotherUser_theWatchersOwnUserIsThatUser() throws Exception {
        Files.setAttribute(root, "unix:mode", 0755);
        Path imp = copy(Path.of(SignedCopies.class.getProtectionDomain().getCodeSource().getLocation().toURI()), root.resolve("importer"));
        Path com = copy(Path.of(NoReplaceDelivery.class.getProtectionDomain().getCodeSource().getLocation().toURI()), root.resolve("common"));
        Path main = Files.writeString(root.resolve("Self.java"), """
                public class Self {
                    public static void main(String[] a) throws Exception {
                        java.lang.reflect.Field f = Class.forName("dev.airlock.imports.inbox.SignedCopies").getDeclaredField("SELF");
                        f.setAccessible(true);
                        System.out.println(f.get(null));
                    }
                }
                """);
        Files.setAttribute(main, "unix:mode", 0644);
        Process p = new ProcessBuilder("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", imp + ":" + com, main.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        p.waitFor(60, TimeUnit.SECONDS);
        assertEquals("65534", out,
                "the watcher run as nobody takes itself for user " + out);
    }

    static Path copy(Path from, Path to) throws Exception {
        try (var s = Files.walk(from)) {
            for (Path f : s.toList()) {
                Path t = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(t);
                    Files.setAttribute(t, "unix:mode", 0755);
                } else {
                    Files.copy(f, t);
                    Files.setAttribute(t, "unix:mode", 0644);
                }
            }
        }
        return to;
    }

    static boolean asRoot() {
        try {
            return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid")) && dev.airlock.testing.Tools.has("setpriv");
        } catch (Exception | LinkageError e) {
            return false;
        }
    }
}
