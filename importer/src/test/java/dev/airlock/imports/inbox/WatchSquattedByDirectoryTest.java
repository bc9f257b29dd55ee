package dev.airlock.imports.inbox;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.crypto.SignatureBlock;
import dev.airlock.digest.Digest;
import dev.airlock.error.AirlockException;
import dev.airlock.imports.ImportRequest;
import dev.airlock.imports.TargetNaming;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass R, R2: a stranger who can write a shared (sticky) inbox makes a directory of his own,
 * not empty, under the predictable name of the next set's volume. The real volume is delivered beside
 * it ({@code NAME.conflict-SHA16}); the signed list names it, but the copy cannot take the name, and a
 * directory is only named in the log: the set waits for good, every later bundle of its channel behind
 * it, until an admin removes his directory. (Run as root; his directory is nobody's.)
 */
@org.junit.jupiter.api.condition.EnabledIf("asRoot")
class WatchSquattedByDirectoryTest {
    @TempDir
    Path root;

    @Test
    void watch_aStrangersDirectoryUnderAVolumesName_doesNotKeepTheSetOut() throws Exception {
        squatted(SignedSetFixture.BUNDLE + ".000");
    }

    /** The same under the list's name: the real list is kept beside it. */
    @Test
    void watch_aStrangersDirectoryUnderTheListsName_doesNotKeepTheSetOut() throws Exception {
        squatted(SignedSetFixture.LIST);
    }

    /** The same under the signature's name. */
    @Test
    void watch_aStrangersDirectoryUnderTheSignaturesName_doesNotKeepTheSetOut() throws Exception {
        squatted(SignedSetFixture.LIST + ".asc");
    }

    private void squatted(String squat) throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        Files.setAttribute(inbox, "unix:mode", 01777); // shared, sticky
        SignedSetFixture.Keys keys = SignedSetFixture.keys(root);
        byte[] volume = "the real volume".getBytes(StandardCharsets.UTF_8);
        byte[] list = SignedSetFixture.list(volume);
        Path his = Files.createDirectory(inbox.resolve(squat)); // his, first, with a file in it
        Files.writeString(his.resolve("x"), "his");
        Files.setAttribute(his.resolve("x"), "unix:uid", 65534);
        Files.setAttribute(his, "unix:uid", 65534);
        byte[] asc = SignatureBlock.signNaming(list, List.of(keys.signer()));
        for (Object[] f : new Object[][] {{SignedSetFixture.BUNDLE + ".000", volume}, {SignedSetFixture.LIST + ".asc", asc},
                {SignedSetFixture.LIST, list}}) {
            String name = (String) f[0];
            byte[] bytes = (byte[]) f[1];
            SignedSetFixture.put(inbox, name.equals(squat) ? name + ".conflict-" + Digest.sha256Of(bytes).hex().substring(0, 16) : name, bytes);
        }
        CountDownLatch imported = new CountDownLatch(1);
        List<String> lines = new CopyOnWriteArrayList<>();
        ImportRequest template = new ImportRequest(null, keys.trust(), new TargetNaming("127.0.0.1:5000", List.of()), root.resolve("state"),
                1, false);
        InboxWatcher w = new InboxWatcher(inbox, new WatchOptions(Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofSeconds(1)),
                template, r -> {
                    imported.countDown();
                    throw AirlockException.local("the registry is away", null); // enough: the real set was tried
                }, lines::add);
        Thread t = new Thread(w::run, "watch");
        t.start();
        try {
            assertTrue(imported.await(10, TimeUnit.SECONDS), () -> "the real set is never imported:\n"
                    + String.join("\n", List.copyOf(lines).subList(0, Math.min(6, lines.size()))));
        } finally {
            w.stop();
            t.join(20_000);
        }
    }

    static boolean asRoot() {
        try {
            return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (Exception e) {
            return false;
        }
    }
}
