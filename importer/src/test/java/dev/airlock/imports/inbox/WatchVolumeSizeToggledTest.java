package dev.airlock.imports.inbox;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.bundle.BundleInput;
import dev.airlock.error.AirlockException;
import dev.airlock.imports.ImportRequest;
import dev.airlock.imports.TargetNaming;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass U (issue 17, U3): a stranger's file of the listed size under a volume name of a
 * signed set whose real volume is still on its way makes the set complete by its names. He keeps
 * changing its length (ftruncate, shorter then back) and setting its modification time back, in a
 * loop: the import's size check (before any byte is hashed) finds it shorter than listed and refuses
 * the set as malformed, and by the time the watcher compares the set's stamps (size, modification
 * time, inode) it is as it was. Malformed was refused whole, with no look at which file was not the
 * list's: the real list, signature and volume went to rejected/. Runs as root: the import stands in
 * for the stranger's loop, shortening his file just before its own check and putting it back after.
 */
class WatchVolumeSizeToggledTest {
    private static final String BUNDLE = SignedSetFixture.BUNDLE;
    private static final String LIST = SignedSetFixture.LIST;
    private static final byte[] V0 = "the real volume 0".getBytes(StandardCharsets.UTF_8);
    private static final byte[] V1 = "the real volume 1".getBytes(StandardCharsets.UTF_8);
    private static final byte[] FORGED = "a strangers vol 1".getBytes(StandardCharsets.UTF_8); // of the listed size

    @TempDir
    Path root;

    @Test
    void watch_aStrangersVolumeShortOnlyWhileTheImportLooks_neverTakesTheRealSetToRejected() throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        SignedSetFixture.Keys k = SignedSetFixture.keys(root);
        byte[] list = SignedSetFixture.list(V0, V1);
        Files.write(inbox.resolve(LIST), list);
        Files.write(inbox.resolve(LIST + ".asc"), k.signer().sign(list));
        Files.write(inbox.resolve(BUNDLE + ".000"), V0);
        Path his = Files.write(inbox.resolve(BUNDLE + ".001"), FORGED); // the stranger's, before the real one
        try (var s = Files.list(inbox)) {
            for (Path p : s.toList()) {
                Files.setLastModifiedTime(p, FileTime.from(Instant.now().minusSeconds(60)));
            }
        }
        CountDownLatch taken = new CountDownLatch(1);
        List<String> lines = new CopyOnWriteArrayList<>();
        ImportRequest template = new ImportRequest(null, k.trust(), new TargetNaming("127.0.0.1:5000", List.of()), root.resolve("state"),
                1, false);
        InboxWatcher w = new InboxWatcher(inbox, new WatchOptions(Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofSeconds(1)),
                template, r -> {
                    if (java.util.Arrays.equals(StrangersLoop.read(r.bundle().resolveSibling(BUNDLE + ".001")), V1)) {
                        taken.countDown();
                        throw AirlockException.local("the registry is away", null); // enough: the real set was tried
                    }
                    FileTime was = StrangersLoop.mtime(his);
                    StrangersLoop.truncate(his, FORGED.length - 1); // the stranger's loop: shorter now
                    try {
                        BundleInput.open(r.bundle(), k.trust(), false).close(); // the import's own checks
                        throw new AssertionError("a set with a volume shorter than listed passed the import's checks");
                    } finally {
                        StrangersLoop.truncate(his, FORGED.length); // and back, its time set back, before the watcher looks again
                        StrangersLoop.setMtime(his, was);
                    }
                }, lines::add);
        Thread t = new Thread(w::run, "watch");
        t.start();
        try {
            Thread.sleep(1500); // a few listings
            assertFalse(Files.exists(inbox.resolve(InboxLayout.REJECTED).resolve(LIST)), "the real list went to rejected/: " + lines);
            assertTrue(Files.exists(inbox.resolve(LIST)) && Files.exists(inbox.resolve(BUNDLE + ".000")), String.join("\n", lines));
            Path sent = Files.write(inbox.resolve(".incoming"), V1);
            dev.airlock.io.NoReplaceDelivery.deliver(sent, inbox.resolve(BUNDLE + ".001")); // the real volume, next round
            assertTrue(taken.await(10, TimeUnit.SECONDS), "the real set was never tried: " + String.join("\n", lines));
        } finally {
            w.stop();
            t.join(20_000);
        }
    }
}
