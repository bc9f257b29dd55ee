package dev.airlock.imports.inbox;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass L3 (issue 17): set names are predictable, and a stranger who sends first under the
 * name of a set's list or signature took the name from the real file, which the delivery rule keeps
 * beside it as {@code NAME.conflict-SHA16}: the set was tried with the stranger's file and refused
 * whole. The signed list decides: the copy whose signature verifies against the trusted keys is the
 * set's, and each stranger's file goes to {@code rejected/} with a reason naming the name it took.
 */
class WatchSquattedSetTest {
    private static final String BUNDLE = "daily-000001.airlock.tar";
    private static final String LIST = VolumeList.listName(BUNDLE);
    private static final byte[] VOLUME = "the real volume".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path root;
    Path inbox;
    TrustPolicy trust;
    BundleSigner signer;
    byte[] list;
    byte[] asc;

    @BeforeEach
    void signedSet() throws Exception {
        inbox = Files.createDirectories(root.resolve("inbox"));
        OpenPgpKeys.Generated g = OpenPgpKeys.generate("Exporter <e@airlock.test>", null);
        Path secret = Files.write(root.resolve("key.asc"), g.secretArmored());
        Path cert = Files.write(root.resolve("cert.asc"), g.certArmored());
        signer = new BundleSigner(OpenPgpKeys.readSecretKey(secret), null);
        trust = new TrustPolicy(OpenPgpKeys.readCertificates(cert), 1);
        list = list(VOLUME);
        asc = signer.sign(list);
    }

    private static byte[] list(byte[] volume) {
        return new VolumeList(VolumeList.FORMAT, "daily", 1, BUNDLE, "sha256:" + "0".repeat(64), volume.length, volume.length,
                List.of(new VolumeList.Volume(BUNDLE + ".000", volume.length, Digest.sha256Of(volume).toString()))).toJson();
    }

    private static String copyOf(String name, byte[] bytes) {
        return name + ".conflict-" + Digest.sha256Of(bytes).hex().substring(0, 16);
    }

    @Test
    void watch_aStrangersListUnderTheListsName_isRejectedAndTheSignedOneImportedWithItsVolumes() throws Exception {
        byte[] forged = list("a stranger's volume".getBytes(StandardCharsets.UTF_8)); // a list of this set, signed by no one trusted
        Files.write(inbox.resolve(LIST), forged); // the stranger's, first
        Files.write(inbox.resolve(BUNDLE + ".000"), VOLUME);
        Files.write(inbox.resolve(LIST + ".asc"), asc);
        Files.write(inbox.resolve(copyOf(LIST, list)), list); // the real list, kept beside the stranger's
        List<String> lines = watchUntilTried(r -> Files.exists(r.bundle()) && java.util.Arrays.equals(read(r.bundle()), list));
        assertArrayEquals(forged, Files.readAllBytes(inbox.resolve(InboxLayout.REJECTED).resolve(LIST)), String.join("\n", lines));
        assertTrue(Files.readString(inbox.resolve(InboxLayout.REJECTED).resolve(LIST + ".reason")).contains("squatted " + LIST));
    }

    @Test
    void watch_aStrangersSignatureUnderTheSignaturesName_isRejectedAndTheSetImportedWithTheSignedOne() throws Exception {
        byte[] junk = "-----BEGIN PGP SIGNATURE-----\nnot one\n-----END PGP SIGNATURE-----\n".getBytes(StandardCharsets.UTF_8);
        Files.write(inbox.resolve(LIST + ".asc"), junk); // the stranger's, first
        Files.write(inbox.resolve(BUNDLE + ".000"), VOLUME);
        Files.write(inbox.resolve(copyOf(LIST + ".asc", asc)), asc); // the real signature, kept beside the stranger's
        Files.write(inbox.resolve(LIST), list);
        List<String> lines = watchUntilTried(r -> java.util.Arrays.equals(read(r.bundle().resolveSibling(LIST + ".asc")), asc));
        assertArrayEquals(junk, Files.readAllBytes(inbox.resolve(InboxLayout.REJECTED).resolve(LIST + ".asc")), String.join("\n", lines));
        assertTrue(Files.readString(inbox.resolve(InboxLayout.REJECTED).resolve(LIST + ".asc.reason")).contains("squatted " + LIST + ".asc"));
    }

    @Test
    void watch_aStrangersFileUnderAVolumesName_isMovedToRejectedWithAReason_andTheRealVolumeTakesTheName() throws Exception {
        Files.createFile(inbox.resolve(BUNDLE + ".000")); // the stranger's, first
        Files.write(inbox.resolve(copyOf(BUNDLE + ".000", VOLUME)), VOLUME);
        Files.write(inbox.resolve(LIST + ".asc"), asc);
        Files.write(inbox.resolve(LIST), list);
        List<String> lines = watchUntilTried(r -> java.util.Arrays.equals(read(r.bundle().resolveSibling(BUNDLE + ".000")), VOLUME));
        Path rejected = inbox.resolve(InboxLayout.REJECTED);
        assertEquals(0, Files.size(rejected.resolve(BUNDLE + ".000")), String.join("\n", lines));
        String reason = Files.readString(rejected.resolve(BUNDLE + ".000.reason"));
        assertTrue(reason.contains("squatted " + BUNDLE + ".000") && reason.contains(LIST), reason);
        assertArrayEquals(VOLUME, Files.readAllBytes(inbox.resolve(BUNDLE + ".000")), "the real volume under its name");
        assertFalse(Files.exists(inbox.resolve(copyOf(BUNDLE + ".000", VOLUME))), "no copy left beside it");
        assertTrue(Files.exists(inbox.resolve(LIST)), "the set stays in the inbox, to be tried again");
    }

    @Test
    void watch_aStrangersListSentFirst_isRejectedAlone_andTheVolumesAndSignatureWaitForTheRealList() throws Exception {
        Files.writeString(inbox.resolve(LIST), "not a list"); // the stranger's, first
        Files.write(inbox.resolve(BUNDLE + ".000"), VOLUME); // then the real set, its list last
        Files.write(inbox.resolve(LIST + ".asc"), asc);
        try (Watching w = watch(r -> java.util.Arrays.equals(read(r.bundle()), list))) {
            Path rejected = inbox.resolve(InboxLayout.REJECTED).resolve(LIST);
            for (long end = System.nanoTime() + 10_000_000_000L; !Files.exists(rejected) && System.nanoTime() < end; ) {
                Thread.sleep(20);
            }
            Thread.sleep(500); // and a few more listings
            assertTrue(Files.exists(rejected), "the stranger's list was never tried: " + w.lines);
            assertTrue(Files.exists(inbox.resolve(BUNDLE + ".000")) && Files.exists(inbox.resolve(LIST + ".asc")),
                    "the real volume and signature went with the stranger's list: " + w.lines);
            assertArrayEquals(VOLUME, Files.readAllBytes(inbox.resolve(BUNDLE + ".000")));
            assertArrayEquals(asc, Files.readAllBytes(inbox.resolve(LIST + ".asc")));
            Path sent = Files.write(inbox.resolve(".incoming"), list);
            dev.airlock.io.NoReplaceDelivery.deliver(sent, inbox.resolve(LIST)); // the real list, sent last
            assertTrue(w.taken.await(10, TimeUnit.SECONDS), "the real set was never tried: " + w.lines);
        }
    }

    /**
     * Red-team pass N: a stranger who sends first under the list's name, then four other lists under
     * it whose hashes sort first (NAME.conflict-000…, a few hundred tries each), pushes the real list
     * past the four copies looked at: no list there verifies, the stranger's under the name is tried
     * alone and rejected, and the real one is left beside an empty name for good.
     */
    @Test
    void watch_fourStrangersListsSortedBeforeTheRealOne_theSignedListIsStillFound() throws Exception {
        Files.writeString(inbox.resolve(LIST), "not a list"); // the stranger's, first
        for (int i = 1; i <= 4; i++) {
            Files.writeString(inbox.resolve(LIST + ".conflict-000" + String.format("%013x", i)), "not a list " + i);
        }
        Files.write(inbox.resolve(BUNDLE + ".000"), VOLUME);
        Files.write(inbox.resolve(LIST + ".asc"), asc);
        Files.write(inbox.resolve(copyOf(LIST, list)), list); // the real list, the fifth copy by name
        watchUntilTried(r -> java.util.Arrays.equals(read(r.bundle()), list));
    }

    /**
     * Red-team pass N, N2 at scale: thirty lists that read as this set's and thirty signatures that
     * name the trusted key (its real signatures over other files: last month's .asc files will do),
     * all sent before the real pair and sorted before it by name. Every pair is checked once, within
     * a budget a scan, and the signed pair is still found.
     */
    @Test
    void watch_thirtyListsAndThirtyTrustedKeySignaturesSentFirst_theSignedPairIsStillFound() throws Exception {
        for (int i = 0; i < 30; i++) {
            byte[] forged = list(("a stranger's volume " + i).getBytes(StandardCharsets.UTF_8));
            byte[] old = signer.sign(("last month's list " + i).getBytes(StandardCharsets.UTF_8));
            String first = ".conflict-00" + String.format("%014x", i); // names ground to sort before the real pair's
            Files.write(inbox.resolve(i == 0 ? LIST : LIST + first), forged);
            Files.write(inbox.resolve(i == 0 ? LIST + ".asc" : LIST + ".asc" + first), old);
        }
        Thread.sleep(1100); // the real pair is delivered after them (status-change times are kept to the second here or finer)
        Files.write(inbox.resolve(BUNDLE + ".000"), VOLUME);
        Files.write(inbox.resolve(copyOf(LIST, list)), list);
        Files.write(inbox.resolve(copyOf(LIST + ".asc", asc)), asc);
        Watching w = watch(r -> java.util.Arrays.equals(read(r.bundle()), list));
        try (w) {
            assertTrue(w.taken.await(60, TimeUnit.SECONDS), "the real set was never tried: " + w.lines);
        }
        try (var r = Files.list(inbox.resolve(InboxLayout.REJECTED))) {
            assertEquals(60, r.filter(p -> !p.toString().endsWith(".reason")).count(), "every stranger's file set aside");
        }
        assertTrue(w.lines.stream().anyMatch(l -> l.contains("set aside 40 more copies beside volume set")), String.join("\n", w.lines));
        assertEquals(1, w.lines.stream().filter(l -> l.startsWith("looking for the signed list of " + LIST + " among the copies")).count(),
                "the search is said, once: " + String.join("\n", w.lines));
    }

    /**
     * Red-team pass N: the real list kept beside a stranger's unreadable one while its signature is
     * not there yet (sent after it: a diode round that dropped the damaged .asc, a file manager's
     * order): the stranger's list is tried alone and rejected, and the real list, beside a name that
     * is now empty, is never looked at again, its signature and volumes waiting with it for good.
     */
    @Test
    void watch_theRealListBesideAStrangersOne_whenTheStrangersIsRejectedAlone_isStillTaken() throws Exception {
        Files.writeString(inbox.resolve(LIST), "not a list"); // the stranger's, first
        Files.write(inbox.resolve(BUNDLE + ".000"), VOLUME);
        Files.write(inbox.resolve(copyOf(LIST, list)), list); // the real list, kept beside it; its .asc comes later
        try (Watching w = watch(r -> java.util.Arrays.equals(read(r.bundle()), list))) {
            Path rejected = inbox.resolve(InboxLayout.REJECTED).resolve(LIST);
            for (long end = System.nanoTime() + 10_000_000_000L; !Files.exists(rejected) && System.nanoTime() < end; ) {
                Thread.sleep(20);
            }
            assertTrue(Files.exists(rejected), "the stranger's list was never tried: " + w.lines);
            Path sent = Files.write(inbox.resolve(".incoming"), asc);
            dev.airlock.io.NoReplaceDelivery.deliver(sent, inbox.resolve(LIST + ".asc")); // the real signature
            assertTrue(w.taken.await(10, TimeUnit.SECONDS), "the real set was never tried: " + w.lines);
        }
    }

    /**
     * Red-team pass N: a shared folder's stranger can put a symbolic link (or a directory) under a
     * volume's name, which the scan never looks at: the real volume is kept beside it, chosen by the
     * signed list, and can never take its name (link(2) finds it taken), the set looked at again and
     * again, never imported.
     */
    @Test
    void watch_aStrangersSymlinkUnderAVolumesName_doesNotKeepTheSetOutForGood() throws Exception {
        Files.createSymbolicLink(inbox.resolve(BUNDLE + ".000"), Path.of("/dev/null")); // the stranger's, first
        Files.write(inbox.resolve(copyOf(BUNDLE + ".000", VOLUME)), VOLUME);
        Files.write(inbox.resolve(LIST + ".asc"), asc);
        Files.write(inbox.resolve(LIST), list);
        watchUntilTried(r -> java.util.Arrays.equals(read(r.bundle().resolveSibling(BUNDLE + ".000")), VOLUME));
    }

    private static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (java.io.IOException e) {
            return new byte[0];
        }
    }

    /**
     * Watches until the import is given the set as {@code real} says it should look; that import
     * then fails as one that is not the bundle's fault would (the set stays and is tried again).
     */
    private List<String> watchUntilTried(Function<ImportRequest, Boolean> real) throws Exception {
        try (Watching w = watch(real)) {
            assertTrue(w.taken.await(10, TimeUnit.SECONDS), "the real set was never tried: " + w.lines);
            return w.lines;
        }
    }

    /** A watcher over the inbox (its files made settled); the import refuses what {@code real} does not accept as a forgery. */
    private Watching watch(Function<ImportRequest, Boolean> real) throws Exception {
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
                    if (!real.apply(r)) {
                        throw AirlockException.untrusted(r.bundle() + " is not the signed set"); // what the import says of a forgery
                    }
                    taken.countDown();
                    throw AirlockException.local("the registry is away", null); // enough: the real set was tried
                }, lines::add);
        Thread t = new Thread(w::run, "watch");
        t.start();
        return new Watching(w, t, taken, lines);
    }

    private record Watching(InboxWatcher watcher, Thread thread, CountDownLatch taken, List<String> lines) implements AutoCloseable {
        @Override
        public void close() throws InterruptedException {
            watcher.stop();
            thread.join(20_000);
        }
    }
}
