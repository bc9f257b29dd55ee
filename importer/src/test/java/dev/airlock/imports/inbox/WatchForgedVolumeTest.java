package dev.airlock.imports.inbox;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
 * Red-team pass N (issue 17): a volume's size is predictable (every volume but the last is the
 * exporter's volume size), and the list comes before a volume whenever that volume's first copy is
 * lost (a diode round that dropped it; the next round brings it, and drops the set's other files as
 * duplicates). A stranger's file of the listed size sent first under that volume's name, with no copy
 * beside it, made the set complete; the import refused it (a volume's sha256) and the whole real set
 * (its signed list, signature and intact volumes) went to rejected/, where the real volume, arriving
 * next, never found it: the channel waited until an admin acted. The signed list tells the stranger's
 * volume from the set's: it alone is set aside, and the set waits for the real one.
 */
class WatchForgedVolumeTest {
    private static final String BUNDLE = "daily-000001.airlock.tar";
    private static final String LIST = VolumeList.listName(BUNDLE);
    private static final byte[] V0 = "the real volume 0".getBytes(StandardCharsets.UTF_8);
    private static final byte[] V1 = "the real volume 1".getBytes(StandardCharsets.UTF_8);
    private static final byte[] FORGED = "a strangers vol 1".getBytes(StandardCharsets.UTF_8); // of the listed size

    @TempDir
    Path root;

    @Test
    void watch_aStrangersVolumeOfTheListedSize_isSetAsideAlone_andTheSetWaitsForTheRealOne() throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        OpenPgpKeys.Generated g = OpenPgpKeys.generate("Exporter <e@airlock.test>", null);
        BundleSigner signer = new BundleSigner(OpenPgpKeys.readSecretKey(Files.write(root.resolve("key.asc"), g.secretArmored())), null);
        TrustPolicy trust = new TrustPolicy(OpenPgpKeys.readCertificates(Files.write(root.resolve("cert.asc"), g.certArmored())), 1);
        byte[] list = SignedSetFixture.list(V0, V1);
        Files.write(inbox.resolve(BUNDLE + ".001"), FORGED); // the stranger's, first
        Files.write(inbox.resolve(BUNDLE + ".000"), V0); // the real set, its volume 001 lost on the way
        Files.write(inbox.resolve(LIST + ".asc"), signer.sign(list));
        Files.write(inbox.resolve(LIST), list);
        try (var s = Files.list(inbox)) {
            for (Path p : s.toList()) {
                Files.setLastModifiedTime(p, FileTime.from(Instant.now().minusSeconds(60)));
            }
        }
        CountDownLatch taken = new CountDownLatch(1);
        List<String> lines = new CopyOnWriteArrayList<>();
        ImportRequest template = new ImportRequest(null, trust, new TargetNaming("127.0.0.1:5000", List.of()), root.resolve("state"), 1, false);
        InboxWatcher w = new InboxWatcher(inbox, new WatchOptions(Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofSeconds(1)),
                template, r -> {
                    if (!java.util.Arrays.equals(read(r.bundle().resolveSibling(BUNDLE + ".001")), V1)) {
                        throw AirlockException.digestMismatch(BUNDLE + ".001 does not match its sha256 in " + LIST); // what the import says
                    }
                    taken.countDown();
                    throw AirlockException.local("the registry is away", null); // enough: the real set was tried
                }, lines::add);
        Thread t = new Thread(w::run, "watch");
        t.start();
        try {
            Path rejected = inbox.resolve(InboxLayout.REJECTED).resolve(BUNDLE + ".001");
            for (long end = System.nanoTime() + 10_000_000_000L; !Files.exists(rejected) && System.nanoTime() < end; ) {
                Thread.sleep(20);
            }
            Thread.sleep(500); // and a few more listings
            assertArrayEquals(FORGED, read(rejected), "the stranger's volume was never set aside: " + lines);
            assertFalse(Files.exists(inbox.resolve(InboxLayout.REJECTED).resolve(LIST)), "the real list went with it: " + lines);
            assertTrue(Files.exists(inbox.resolve(LIST)) && Files.exists(inbox.resolve(BUNDLE + ".000")), String.join("\n", lines));
            Path sent = Files.write(inbox.resolve(".incoming"), V1);
            dev.airlock.io.NoReplaceDelivery.deliver(sent, inbox.resolve(BUNDLE + ".001")); // the real volume, next round
            assertTrue(taken.await(10, TimeUnit.SECONDS), "the real set was never tried: " + lines);
        } finally {
            w.stop();
            t.join(20_000);
        }
    }

    /**
     * The same with the signature: a stranger's file sent first under the list's {@code .asc} name,
     * the real signature's first copy lost. The real list, which no signature here verifies, was
     * tried alone and rejected; the real signature, arriving next beside the stranger's, had no list
     * to verify, the list's second copy being dropped as a duplicate: the set was never imported.
     */
    @Test
    void watch_aStrangersSignatureWhileTheRealOneIsLost_theRealListWaitsForIt() throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        OpenPgpKeys.Generated g = OpenPgpKeys.generate("Exporter <e@airlock.test>", null);
        BundleSigner signer = new BundleSigner(OpenPgpKeys.readSecretKey(Files.write(root.resolve("key.asc"), g.secretArmored())), null);
        TrustPolicy trust = new TrustPolicy(OpenPgpKeys.readCertificates(Files.write(root.resolve("cert.asc"), g.certArmored())), 1);
        byte[] list = new VolumeList(VolumeList.FORMAT, "daily", 1, BUNDLE, "sha256:" + "0".repeat(64), V0.length, V0.length,
                List.of(new VolumeList.Volume(BUNDLE + ".000", V0.length, Digest.sha256Of(V0).toString()))).toJson();
        Files.writeString(inbox.resolve(LIST + ".asc"), "-----BEGIN PGP SIGNATURE-----\nnot one\n-----END PGP SIGNATURE-----\n");
        Files.write(inbox.resolve(BUNDLE + ".000"), V0); // the real set, its signature lost on the way
        Files.write(inbox.resolve(LIST), list);
        try (var s = Files.list(inbox)) {
            for (Path p : s.toList()) {
                Files.setLastModifiedTime(p, FileTime.from(Instant.now().minusSeconds(60)));
            }
        }
        CountDownLatch taken = new CountDownLatch(1);
        List<String> lines = new CopyOnWriteArrayList<>();
        ImportRequest template = new ImportRequest(null, trust, new TargetNaming("127.0.0.1:5000", List.of()), root.resolve("state"), 1, false);
        InboxWatcher w = new InboxWatcher(inbox, new WatchOptions(Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofSeconds(1)),
                template, r -> {
                    trust.verify(read(r.bundle()), read(r.bundle().resolveSibling(LIST + ".asc")), LIST); // as the import does, first
                    taken.countDown();
                    throw AirlockException.local("the registry is away", null); // enough: the real set was tried
                }, lines::add);
        Thread t = new Thread(w::run, "watch");
        t.start();
        try {
            Thread.sleep(1500); // a few listings
            assertFalse(Files.exists(inbox.resolve(InboxLayout.REJECTED).resolve(LIST)), "the real list was rejected alone: " + lines);
            Path sent = Files.write(inbox.resolve(".incoming"), signer.sign(list));
            dev.airlock.io.NoReplaceDelivery.deliver(sent, inbox.resolve(LIST + ".asc")); // the real signature, next round
            assertTrue(taken.await(10, TimeUnit.SECONDS), "the real set was never tried: " + lines);
        } finally {
            w.stop();
            t.join(20_000);
        }
    }

    private static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (java.io.IOException e) {
            return new byte[0];
        }
    }
}
