package dev.airlock.imports.inbox;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.bundle.BundleManifest;
import dev.airlock.bundle.VolumeList;
import dev.airlock.crypto.BundleSigner;
import dev.airlock.crypto.OpenPgpKeys;
import dev.airlock.crypto.TrustPolicy;
import dev.airlock.digest.Digest;
import dev.airlock.error.AirlockException;
import dev.airlock.imports.ImportRequest;
import dev.airlock.imports.ImportResult;
import dev.airlock.imports.TargetNaming;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass Y (issue 17, R1): a user's real volume set, copied into the shared inbox, first looked
 * at while a stranger holds the bound of opens of other users' files left waiting (his FIFOs, W's R1):
 * every read of its list and signature is refused as busy. The watcher's look remembers what it found by
 * the files' stamps (the list's shape, whether a signature verifies the list, the pair search's
 * "cannot be of the pair"), so a busy read, no fact about the file, was remembered as one: once the
 * stranger lets go, the set's own files, unchanged, are still taken for a list no signature verifies:
 * the list is tried alone (the import reads its volumes beside it by name) and moved to done/ alone,
 * its signature and volumes left in the inbox for good.
 */
class WatchSetLookedAtBusyTest {
    private static final String BUNDLE = "daily-000001.airlock.tar";
    private static final String LIST = VolumeList.listName(BUNDLE);
    private static final byte[] V0 = "the real volume 0".getBytes(StandardCharsets.UTF_8);
    private static final byte[] V1 = "the real volume 1".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path root;

    @Test
    void watch_aUsersRealSetFirstLookedAtWhileOpensAreBusy_isImportedWholeOnceTheyAreReleased() throws Exception {
        run(false);
    }

    @Test
    void watch_aUsersRealSetWithAStrangersCopyBesideItsList_firstLookedAtWhileOpensAreBusy_isImportedWholeOnceTheyAreReleased()
            throws Exception {
        run(true);
    }

    @Test
    void watch_aUsersRealSetWhoseLastVolumeIsStillOnItsWay_firstLookedAtWhileOpensAreBusy_isNotRejected() throws Exception {
        run(false, true);
    }

    private void run(boolean strangersCopy) throws Exception {
        run(strangersCopy, false);
    }

    private void run(boolean strangersCopy, boolean lastLater) throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        OpenPgpKeys.Generated g = OpenPgpKeys.generate("Exporter <e@airlock.test>", null);
        BundleSigner signer = new BundleSigner(OpenPgpKeys.readSecretKey(Files.write(root.resolve("key.asc"), g.secretArmored())), null);
        TrustPolicy trust = new TrustPolicy(OpenPgpKeys.readCertificates(Files.write(root.resolve("cert.asc"), g.certArmored())), 1);
        byte[] list = new VolumeList(VolumeList.FORMAT, "daily", 1, BUNDLE, "sha256:" + "0".repeat(64), V0.length + V1.length, V0.length,
                List.of(new VolumeList.Volume(BUNDLE + ".000", V0.length, Digest.sha256Of(V0).toString()),
                        new VolumeList.Volume(BUNDLE + ".001", V1.length, Digest.sha256Of(V1).toString()))).toJson();
        UserPrincipalLookupService users = inbox.getFileSystem().getUserPrincipalLookupService();
        Path away = Files.createDirectory(root.resolve("away"));
        List<Path> fifos = new ArrayList<>(WatchForgedVolumeBusyTest.strangersWaitingOpens(root, away)); // the stranger's, first
        if (strangersCopy) {
            Path his = Files.write(inbox.resolve(LIST + ".conflict-" + "0".repeat(16)), "not a list".getBytes(StandardCharsets.UTF_8));
            Files.setOwner(his, users.lookupPrincipalByName("nobody"));
        }
        List<Path> set = new ArrayList<>(List.of(Files.write(inbox.resolve(BUNDLE + ".000"), V0),
                Files.write(inbox.resolve(LIST + ".asc"), signer.sign(list)), Files.write(inbox.resolve(LIST), list)));
        if (!lastLater) {
            set.add(Files.write(inbox.resolve(BUNDLE + ".001"), V1));
        }
        for (Path p : set) {
            Files.setOwner(p, users.lookupPrincipalByName("daemon")); // a user's real set, copied in
        }
        try (var s = Files.list(inbox)) {
            for (Path p : s.toList()) {
                Files.setLastModifiedTime(p, FileTime.from(Instant.now().minusSeconds(60)));
            }
        }
        AtomicBoolean busy = new AtomicBoolean(true);
        List<String> lines = new CopyOnWriteArrayList<>();
        ImportRequest template = new ImportRequest(null, trust, new TargetNaming("127.0.0.1:5000", List.of()), root.resolve("state"), 1, false);
        InboxWatcher w = new InboxWatcher(inbox, new WatchOptions(Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofSeconds(1)),
                template, r -> {
                    if (busy.get()) {
                        throw AirlockException.local(r.bundle() + ": not opened: 16 opens of other users' files already wait", null); // what the import says
                    }
                    if (!Files.exists(inbox.resolve(BUNDLE + ".001"))) { // what the import says of a volume not here yet
                        throw AirlockException.malformed("volume " + BUNDLE + ".001 (2 of 2 in " + LIST + ") is missing from " + inbox
                                + "; copy it from the medium again");
                    }
                    lines.add("imported " + r.bundle());
                    return applied();
                }, lines::add);
        Thread t = new Thread(w::run, "watch");
        t.start();
        try {
            Thread.sleep(3_000); // looked at, and tried, while the stranger holds the bound
            for (Path f : fifos) { // the stranger lets them go
                FileChannel.open(away.resolve(f.getFileName()), StandardOpenOption.READ, StandardOpenOption.WRITE).close();
            }
            fifos.clear();
            busy.set(false);
            if (lastLater) {
                Thread.sleep(3_000); // the last volume comes through the diode a little later
                Path v1 = Files.write(inbox.resolve(BUNDLE + ".001"), V1);
                Files.setOwner(v1, users.lookupPrincipalByName("daemon"));
                Files.setLastModifiedTime(v1, FileTime.from(Instant.now().minusSeconds(60)));
            }
            Path done = inbox.resolve(InboxLayout.DONE);
            for (long end = System.nanoTime() + 15_000_000_000L; System.nanoTime() < end && !Files.exists(done.resolve(BUNDLE + ".001")); ) {
                Thread.sleep(50);
            }
            Thread.sleep(1_000);
            System.out.println(String.join("\n", lines));
            for (String n : List.of(LIST, LIST + ".asc", BUNDLE + ".000", BUNDLE + ".001")) {
                assertFalse(Files.exists(inbox.resolve(InboxLayout.REJECTED).resolve(n)), n + " of the user's real set went to rejected/: " + lines);
                assertTrue(Files.exists(done.resolve(n)), n + " of the user's real set is not in done/ (imported whole) once the stranger let go: "
                        + lines);
            }
        } finally {
            w.stop();
            for (Path f : fifos) {
                FileChannel.open(away.resolve(f.getFileName()), StandardOpenOption.READ, StandardOpenOption.WRITE).close();
            }
            t.join(20_000);
        }
    }

    /**
     * What is not remembered of a busy read must not stop the look at the others: the receivers' real
     * pair, kept beside the set's names (serve's or diode-receive's delivery rule) behind a stranger's
     * list and signature sent first under them, is found while he holds the bound (his files, unread, wait).
     */
    @Test
    void watch_theReceiversRealPairKeptBesideAStrangersSentFirst_isFoundWhileOpensAreBusy() throws Exception {
        keptBeside(false);
    }

    /** His busy files cost the search nothing: charged by their size, two lists of 32 MiB spent each scan's budget before the real pair. */
    @Test
    void watch_theReceiversRealPairKeptBesideAStrangersLargeListsSentFirst_isFoundWhileOpensAreBusy() throws Exception {
        keptBeside(true);
    }

    private void keptBeside(boolean large) throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        OpenPgpKeys.Generated g = OpenPgpKeys.generate("Exporter <e@airlock.test>", null);
        BundleSigner signer = new BundleSigner(OpenPgpKeys.readSecretKey(Files.write(root.resolve("key.asc"), g.secretArmored())), null);
        TrustPolicy trust = new TrustPolicy(OpenPgpKeys.readCertificates(Files.write(root.resolve("cert.asc"), g.certArmored())), 1);
        byte[] list = new VolumeList(VolumeList.FORMAT, "daily", 1, BUNDLE, "sha256:" + "0".repeat(64), V0.length + V1.length, V0.length,
                List.of(new VolumeList.Volume(BUNDLE + ".000", V0.length, Digest.sha256Of(V0).toString()),
                        new VolumeList.Volume(BUNDLE + ".001", V1.length, Digest.sha256Of(V1).toString()))).toJson();
        byte[] asc = signer.sign(list);
        UserPrincipalLookupService users = inbox.getFileSystem().getUserPrincipalLookupService();
        for (Path his : List.of(Files.write(inbox.resolve(LIST), "his list".getBytes(StandardCharsets.UTF_8)),
                Files.write(inbox.resolve(LIST + ".asc"), "his signature".getBytes(StandardCharsets.UTF_8)))) {
            Files.setOwner(his, users.lookupPrincipalByName("nobody")); // sent first under the set's names
        }
        for (int i = 0; large && i < 2; i++) {
            Path his = inbox.resolve(LIST + ".conflict-" + String.valueOf((char) ('a' + i)).repeat(16));
            try (FileChannel c = FileChannel.open(his, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                c.truncate(0).position(VolumeList.MAX_BYTES - 1).write(java.nio.ByteBuffer.wrap(new byte[] {'}'})); // sparse, at the bound
            }
            Files.setOwner(his, users.lookupPrincipalByName("nobody"));
        }
        Files.write(inbox.resolve(LIST + ".conflict-" + Digest.sha256Of(list).hex().substring(0, 16)), list); // the receivers' (this user's)
        Files.write(inbox.resolve(LIST + ".asc.conflict-" + Digest.sha256Of(asc).hex().substring(0, 16)), asc);
        Files.write(inbox.resolve(BUNDLE + ".000"), V0);
        Files.write(inbox.resolve(BUNDLE + ".001"), V1);
        try (var s = Files.list(inbox)) {
            for (Path p : s.toList()) {
                Files.setLastModifiedTime(p, FileTime.from(Instant.now().minusSeconds(60)));
            }
        }
        Path away = Files.createDirectory(root.resolve("away"));
        List<Path> fifos = new ArrayList<>(WatchForgedVolumeBusyTest.strangersWaitingOpens(root, away)); // held throughout
        List<String> lines = new CopyOnWriteArrayList<>();
        ImportRequest template = new ImportRequest(null, trust, new TargetNaming("127.0.0.1:5000", List.of()), root.resolve("state"), 1, false);
        InboxWatcher w = new InboxWatcher(inbox, new WatchOptions(Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofSeconds(1)),
                template, r -> {
                    lines.add("imported " + r.bundle());
                    return applied();
                }, lines::add);
        Thread t = new Thread(w::run, "watch");
        t.start();
        try {
            for (long end = System.nanoTime() + 15_000_000_000L; System.nanoTime() < end && lines.stream().noneMatch(l -> l.startsWith("imported"));) {
                Thread.sleep(50);
            }
            System.out.println(String.join("\n", lines));
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("imported")), "the receivers' real set was not imported: " + lines);
            assertTrue(Files.exists(inbox.resolve(InboxLayout.DONE).resolve(BUNDLE + ".001")) || Files.exists(inbox.resolve(BUNDLE + ".001")),
                    "volume 001 lost: " + lines);
            assertFalse(Files.exists(inbox.resolve(InboxLayout.REJECTED).resolve(BUNDLE + ".000")), "volume 000 went to rejected/: " + lines);
        } finally {
            w.stop();
            for (Path f : fifos) {
                FileChannel.open(away.resolve(f.getFileName()), StandardOpenOption.READ, StandardOpenOption.WRITE).close();
            }
            t.join(20_000);
        }
    }

    /**
     * A busy look tells nothing, and the set must not be tried on it: the receivers' real list and
     * volumes, a stranger's signature under the set's signature name (the real one still on its way),
     * looked at while he holds the bound, waits as a set whose list no signature here verifies. Tried,
     * the import (he lets go a moment before it reads) finds his signature and refuses the set: its
     * real list and volumes go to rejected/ (the import's refusal here stands in for the real one's).
     */
    @Test
    void watch_theReceiversRealListBesideAStrangersSignature_lookedAtWhileOpensAreBusy_isNotTriedNorRejected() throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        OpenPgpKeys.Generated g = OpenPgpKeys.generate("Exporter <e@airlock.test>", null);
        TrustPolicy trust = new TrustPolicy(OpenPgpKeys.readCertificates(Files.write(root.resolve("cert.asc"), g.certArmored())), 1);
        byte[] list = new VolumeList(VolumeList.FORMAT, "daily", 1, BUNDLE, "sha256:" + "0".repeat(64), V0.length + V1.length, V0.length,
                List.of(new VolumeList.Volume(BUNDLE + ".000", V0.length, Digest.sha256Of(V0).toString()),
                        new VolumeList.Volume(BUNDLE + ".001", V1.length, Digest.sha256Of(V1).toString()))).toJson();
        UserPrincipalLookupService users = inbox.getFileSystem().getUserPrincipalLookupService();
        Path his = Files.write(inbox.resolve(LIST + ".asc"), "his signature".getBytes(StandardCharsets.UTF_8));
        Files.setOwner(his, users.lookupPrincipalByName("nobody"));
        Files.write(inbox.resolve(LIST), list); // the receivers' (this user's)
        Files.write(inbox.resolve(BUNDLE + ".000"), V0);
        Files.write(inbox.resolve(BUNDLE + ".001"), V1);
        try (var s = Files.list(inbox)) {
            for (Path p : s.toList()) {
                Files.setLastModifiedTime(p, FileTime.from(Instant.now().minusSeconds(60)));
            }
        }
        Path away = Files.createDirectory(root.resolve("away"));
        List<Path> fifos = new ArrayList<>(WatchForgedVolumeBusyTest.strangersWaitingOpens(root, away));
        List<String> lines = new CopyOnWriteArrayList<>();
        ImportRequest template = new ImportRequest(null, trust, new TargetNaming("127.0.0.1:5000", List.of()), root.resolve("state"), 1, false);
        InboxWatcher w = new InboxWatcher(inbox, new WatchOptions(Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofSeconds(1)),
                template, r -> {
                    lines.add("tried " + r.bundle());
                    throw AirlockException.untrusted(LIST + ".asc does not verify " + LIST); // what the import says once he let go
                }, lines::add);
        Thread t = new Thread(w::run, "watch");
        t.start();
        try {
            Thread.sleep(3_000);
            System.out.println(String.join("\n", lines));
            for (String n : List.of(LIST, BUNDLE + ".000", BUNDLE + ".001")) {
                assertFalse(Files.exists(inbox.resolve(InboxLayout.REJECTED).resolve(n)), n + " of the receivers' real set went to rejected/: "
                        + lines);
            }
            assertTrue(lines.stream().noneMatch(l -> l.startsWith("tried")), "the set was tried on a busy look: " + lines);
        } finally {
            w.stop();
            for (Path f : fifos) {
                FileChannel.open(away.resolve(f.getFileName()), StandardOpenOption.READ, StandardOpenOption.WRITE).close();
            }
            t.join(20_000);
        }
    }

    private static ImportResult applied() {
        BundleManifest m = new BundleManifest(BundleManifest.FORMAT, "daily", 1, null, "2026-01-01T00:00:00Z", "test", null, List.of(), List.of(),
                List.of(), null);
        return new ImportResult(m, Digest.parse("sha256:" + "1".repeat(64)), List.of(), List.of(), 0, 0, 0, 0, 0, false);
    }
}
