package dev.airlock.imports.inbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.error.AirlockException;
import dev.airlock.imports.ImportRequest;
import dev.airlock.imports.TargetNaming;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Red-team pass M (issue 17): {@code done/} and {@code rejected/} were taken as the watcher's
 * whoever owned them, unlike its control directory (C1). One that another user made (a sender with
 * a push login to a shared inbox, before the watcher's first start; or an admin's run as root) and
 * that the watcher cannot write stops the inbox: every forged file that claims a channel can never
 * be moved to {@code rejected/}, is "retried" for good, and its channel waits with it (seen as the
 * user nobody: the next real bundle of the channel was never picked up); every bundle imported can
 * never be moved to {@code done/}. Such a directory is refused at start, naming its owner, as the
 * control directory is.
 */
class WatchForeignDoneRejectedTest {
    @TempDir
    Path root;

    @ParameterizedTest
    @ValueSource(strings = {"done", "rejected"})
    void aDoneOrRejectedDirectoryOfAnotherUser_isRefusedAtStart_namingIt(String name) throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        Path dir = Files.createDirectories(inbox.resolve(name));
        int self = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        Assumptions.assumeTrue(self == 0, "needs root to give a directory to another user (tests run as root)");
        Files.setAttribute(dir, "unix:uid", 4242, LinkOption.NOFOLLOW_LINKS);
        List<String> log = new ArrayList<>();
        ImportRequest template = new ImportRequest(null, null, new TargetNaming("127.0.0.1:5000", List.of()), root.resolve("state"), 1, false);
        InboxWatcher w = new InboxWatcher(inbox, new WatchOptions(Duration.ofMillis(100), Duration.ofMillis(50), Duration.ofSeconds(1)),
                template, r -> {
                    throw new AssertionError("nothing to import here: " + r.bundle());
                }, log::add);
        AirlockException e = assertThrows(AirlockException.class, w::runOnce, "started with " + dir + " owned by uid 4242: " + log);
        assertEquals(AirlockException.Kind.LOCAL, e.kind(), e.getMessage());
        assertTrue(e.getMessage().startsWith(dir + " (") && e.getMessage().contains("belongs to uid 4242"), e.getMessage());
    }
}
