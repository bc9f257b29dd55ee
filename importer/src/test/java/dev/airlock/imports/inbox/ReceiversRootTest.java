package dev.airlock.imports.inbox;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.airlock.io.FileOwners;
import dev.airlock.testing.OtherUserClasspath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass T, T10: a watcher run as the service user (not root) took root's files in the inbox
 * for a stranger's: an admin's {@code sudo cp BUNDLE INBOX/} fell under the rules that keep the
 * receivers' files over a stranger's (R1b, R4, R5, T5), and could lose to a stranger's copy. Root may
 * already write, rename or remove anything there, so his files are the receivers' too. Here
 * {@link Receivers} is asked in a JVM as user nobody, the inbox's owner being another user (54,320).
 * Runs as root with setpriv only (the test's JVM must make root's and other users' files).
 */
@EnabledIf("dev.airlock.testing.OtherUserClasspath#asRootWithSetpriv")
class ReceiversRootTest {
    @TempDir
    Path root;

    @Test
    void asAServiceUser_rootsFilesAreTheReceivers_andAnotherUsersAreAStrangers() throws Exception {
        Files.setAttribute(root, "unix:mode", 0755);
        Path inbox = Files.createDirectory(root.resolve("inbox"));
        Files.setAttribute(inbox, "unix:uid", 54_320);
        Files.setAttribute(inbox, "unix:mode", 01777);
        Path admins = Files.writeString(inbox.resolve("admins.tar"), "copied in by root");
        Path owners = Files.writeString(inbox.resolve("owners.tar"), "the inbox owner's");
        Files.setAttribute(owners, "unix:uid", 54_320);
        Path strangers = Files.writeString(inbox.resolve("strangers.tar"), "another user's");
        Files.setAttribute(strangers, "unix:uid", 12_345);
        Path imp = OtherUserClasspath.copyOf(Receivers.class, root.resolve("importer"));
        Path com = OtherUserClasspath.copyOf(FileOwners.class, root.resolve("common"));
        Path main = Files.writeString(root.resolve("Ask.java"), """
                public class Ask {
                    public static void main(String[] a) throws Exception {
                        Class<?> c = Class.forName("dev.airlock.imports.inbox.Receivers");
                        var of = c.getDeclaredMethod("of", java.nio.file.Path.class);
                        var theirs = c.getDeclaredMethod("theirs", java.nio.file.Path.class);
                        var stranger = c.getDeclaredMethod("stranger", java.nio.file.Path.class);
                        of.setAccessible(true);
                        theirs.setAccessible(true);
                        stranger.setAccessible(true);
                        Object r = of.invoke(null, java.nio.file.Path.of(a[0]));
                        for (int i = 1; i < a.length; i++) {
                            java.nio.file.Path f = java.nio.file.Path.of(a[i]);
                            System.out.println(f.getFileName() + " " + theirs.invoke(r, f) + " " + stranger.invoke(r, f));
                        }
                    }
                }
                """);
        Files.setAttribute(main, "unix:mode", 0644);
        Process p = new ProcessBuilder("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", imp + ":" + com, main.toString(),
                inbox.toString(), admins.toString(), owners.toString(), strangers.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        p.waitFor(120, TimeUnit.SECONDS);
        assertEquals(String.join("\n", "admins.tar true false", "owners.tar true false", "strangers.tar false true"), out);
    }
}
