package dev.airlock.imports.inbox;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.bundle.VolumeList;
import dev.airlock.crypto.BundleSigner;
import dev.airlock.crypto.OpenPgpKeys;
import dev.airlock.crypto.TrustPolicy;
import dev.airlock.digest.Digest;
import dev.airlock.error.AirlockException;
import dev.airlock.imports.ImportRequest;
import dev.airlock.imports.TargetNaming;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass O: a shared folder's stranger who sent first under a name of a volume set (its list,
 * or a listed volume) and then keeps writing to that file (a byte, or just a new modification time,
 * every few hundred milliseconds) held the real set for as long as he kept on: the real copies lay
 * beside the name, complete and signed, and the set was "still being written" for good, as the
 * unlisted trickle of red-team pass L did. A file under a set's name that cannot be the signed one
 * (the signed copy is here beside it) is no reason to wait.
 */
class WatchSquatterKeptWritingTest {
    private static final String BUNDLE = "daily-000001.airlock.tar";
    private static final String LIST = VolumeList.listName(BUNDLE);
    private static final byte[] VOLUME = "the real volume".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path root;
    Path inbox;
    TrustPolicy trust;
    byte[] list;
    byte[] asc;

    @BeforeEach
    void signedSet() throws Exception {
        inbox = Files.createDirectories(root.resolve("inbox"));
        OpenPgpKeys.Generated g = OpenPgpKeys.generate("Exporter <e@airlock.test>", null);
        BundleSigner signer = new BundleSigner(OpenPgpKeys.readSecretKey(Files.write(root.resolve("key.asc"), g.secretArmored())), null);
        trust = new TrustPolicy(OpenPgpKeys.readCertificates(Files.write(root.resolve("cert.asc"), g.certArmored())), 1);
        list = new VolumeList(VolumeList.FORMAT, "daily", 1, BUNDLE, "sha256:" + "0".repeat(64), VOLUME.length, VOLUME.length,
                List.of(new VolumeList.Volume(BUNDLE + ".000", VOLUME.length, Digest.sha256Of(VOLUME).toString()))).toJson();
        asc = signer.sign(list);
    }

    private static String copyOf(String name, byte[] bytes) {
        return name + ".conflict-" + Digest.sha256Of(bytes).hex().substring(0, 16);
    }

    @Test
    void watch_aStrangerKeepsWritingHisFileUnderAVolumesName_theRealSetIsStillTried() throws Exception {
        Files.write(inbox.resolve(BUNDLE + ".000"), new byte[0]); // the stranger's, first
        Files.write(inbox.resolve(copyOf(BUNDLE + ".000", VOLUME)), VOLUME);
        Files.write(inbox.resolve(LIST + ".asc"), asc);
        Files.write(inbox.resolve(LIST), list);
        assertTried(inbox.resolve(BUNDLE + ".000"));
    }

    @Test
    void watch_aStrangerKeepsWritingHisFileUnderTheListsName_theRealSetIsStillTried() throws Exception {
        Files.writeString(inbox.resolve(LIST), "not a list"); // the stranger's, first
        Files.write(inbox.resolve(BUNDLE + ".000"), VOLUME);
        Files.write(inbox.resolve(LIST + ".asc"), asc);
        Files.write(inbox.resolve(copyOf(LIST, list)), list);
        assertTried(inbox.resolve(LIST));
    }

    private static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (java.io.IOException e) {
            return new byte[0];
        }
    }

    /** Watches while the stranger appends a byte to his file {@code his} (by the file he opened, wherever it goes) every 200 ms; the real set must be tried within 15 s. */
    private void assertTried(Path his) throws Exception {
        try (var s = Files.list(inbox)) {
            for (Path p : s.toList()) {
                Files.setLastModifiedTime(p, FileTime.from(Instant.now().minusSeconds(60)));
            }
        }
        AtomicBoolean writing = new AtomicBoolean(true);
        java.nio.channels.FileChannel fd = java.nio.channels.FileChannel.open(his, StandardOpenOption.APPEND); // his file, wherever it goes
        Thread stranger = new Thread(() -> {
            while (writing.get()) {
                try {
                    fd.write(java.nio.ByteBuffer.wrap(new byte[] {'x'}));
                } catch (java.io.IOException e) {
                    return;
                }
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        stranger.start();
        CountDownLatch taken = new CountDownLatch(1);
        List<String> lines = new CopyOnWriteArrayList<>();
        ImportRequest template = new ImportRequest(null, trust, new TargetNaming("127.0.0.1:5000", List.of()), root.resolve("state"), 1, false);
        InboxWatcher w = new InboxWatcher(inbox, new WatchOptions(Duration.ofMillis(100), Duration.ofMillis(500), Duration.ofSeconds(1)),
                template, r -> {
                    byte[] l = read(r.bundle());
                    byte[] v = read(r.bundle().resolveSibling(BUNDLE + ".000"));
                    if (!java.util.Arrays.equals(l, list) || !java.util.Arrays.equals(v, VOLUME)) {
                        throw AirlockException.untrusted(r.bundle() + " is not the signed set");
                    }
                    taken.countDown();
                    throw AirlockException.local("the registry is away", null);
                }, lines::add);
        Thread t = new Thread(w::run, "watch");
        t.start();
        try {
            assertTrue(taken.await(15, TimeUnit.SECONDS), "the real set was never tried while the stranger kept writing: " + lines);
        } finally {
            writing.set(false);
            stranger.join();
            fd.close();
            w.stop();
            t.join(20_000);
        }
    }
}
