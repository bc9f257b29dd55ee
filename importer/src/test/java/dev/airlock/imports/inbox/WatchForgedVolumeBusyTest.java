package dev.airlock.imports.inbox;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.bundle.VolumeList;
import dev.airlock.crypto.BundleSigner;
import dev.airlock.crypto.OpenPgpKeys;
import dev.airlock.crypto.TrustPolicy;
import dev.airlock.error.AirlockException;
import dev.airlock.imports.ImportRequest;
import dev.airlock.imports.TargetNaming;
import dev.airlock.io.UntrustedOpen;
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
 * Red-team pass X (issue 17, R5): after the import refused a set for a volume's sha256 (a stranger's
 * file of the listed size under a volume's name), the watcher reads the set's signed list again to
 * tell his volume from the set's ({@code SignedCopies.forgedVolumes}). A real set a user copied into
 * the shared inbox is another user's to {@code UntrustedOpen}; with 16 opens of other users' files
 * left waiting by then (the stranger's FIFOs, W's R1), the list's read was refused as busy, and a
 * list that cannot be read there counted as one that does not verify: the whole real set, its
 * signed list, signature and intact volumes, went to rejected/ with the stranger's file. And a real
 * volume it could not hash for the same reason was set aside as "another user's file that this
 * watcher cannot read". Busy is a local failure: the set is tried again.
 */
class WatchForgedVolumeBusyTest {
    private static final String BUNDLE = "daily-000001.airlock.tar";
    private static final String LIST = VolumeList.listName(BUNDLE);
    private static final byte[] V0 = "the real volume 0".getBytes(StandardCharsets.UTF_8);
    private static final byte[] V1 = "the real volume 1".getBytes(StandardCharsets.UTF_8);
    private static final byte[] FORGED = "a strangers vol 1".getBytes(StandardCharsets.UTF_8); // of the listed size

    @TempDir
    Path root;

    @Test
    void watch_aUsersRealSetRefusedForAStrangersVolume_whileOpensAreBusy_isNotRejected() throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        OpenPgpKeys.Generated g = OpenPgpKeys.generate("Exporter <e@airlock.test>", null);
        BundleSigner signer = new BundleSigner(OpenPgpKeys.readSecretKey(Files.write(root.resolve("key.asc"), g.secretArmored())), null);
        TrustPolicy trust = new TrustPolicy(OpenPgpKeys.readCertificates(Files.write(root.resolve("cert.asc"), g.certArmored())), 1);
        byte[] list = SignedSetFixture.list(V0, V1);
        UserPrincipalLookupService users = inbox.getFileSystem().getUserPrincipalLookupService();
        Path his = Files.write(inbox.resolve(BUNDLE + ".001"), FORGED); // the stranger's, first
        Files.setOwner(his, users.lookupPrincipalByName("nobody"));
        for (Path p : List.of(Files.write(inbox.resolve(BUNDLE + ".000"), V0), Files.write(inbox.resolve(LIST + ".asc"), signer.sign(list)),
                Files.write(inbox.resolve(LIST), list))) {
            Files.setOwner(p, users.lookupPrincipalByName("daemon")); // a user's real set, copied in; its volume 001 lost on the way
        }
        try (var s = Files.list(inbox)) {
            for (Path p : s.toList()) {
                Files.setLastModifiedTime(p, FileTime.from(Instant.now().minusSeconds(60)));
            }
        }
        Path away = Files.createDirectory(root.resolve("away"));
        List<Path> fifos = new ArrayList<>();
        AtomicBoolean tried = new AtomicBoolean();
        AtomicBoolean busied = new AtomicBoolean();
        List<String> lines = new CopyOnWriteArrayList<>();
        ImportRequest template = new ImportRequest(null, trust, new TargetNaming("127.0.0.1:5000", List.of()), root.resolve("state"), 1, false);
        InboxWatcher w = new InboxWatcher(inbox, new WatchOptions(Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofSeconds(1)),
                template, r -> {
                    if (tried.compareAndSet(false, true)) {
                        fifos.addAll(strangersWaitingOpens(root, away)); // the stranger's FIFOs, the bound reached while the import ran
                        busied.set(true);
                    }
                    throw AirlockException.digestMismatch(BUNDLE + ".001 does not match its sha256 in " + LIST); // what the import says
                }, lines::add);
        Thread t = new Thread(w::run, "watch");
        t.start();
        try {
            for (long end = System.nanoTime() + 20_000_000_000L; !busied.get() && System.nanoTime() < end; ) {
                Thread.sleep(20);
            }
            Thread.sleep(1500); // the refusal handled, a few more listings
            assertTrue(busied.get(), "the set was never tried: " + lines);
            System.out.println(String.join("\n", lines));
            assertFalse(Files.exists(inbox.resolve(InboxLayout.REJECTED).resolve(LIST)), "the user's real list went to rejected/: " + lines);
            assertFalse(Files.exists(inbox.resolve(InboxLayout.REJECTED).resolve(BUNDLE + ".000")),
                    "the user's real volume went to rejected/: " + lines);
        } finally {
            w.stop();
            for (Path f : fifos) { // the stranger lets them go
                FileChannel.open(away.resolve(f.getFileName()), StandardOpenOption.READ, StandardOpenOption.WRITE).close();
            }
            t.join(20_000);
        }
    }

    /** 16 opens of nobody's FIFOs left waiting (their names taken away, so this process cannot release them). */
    static List<Path> strangersWaitingOpens(Path root, Path away) {
        try {
            Path dir = Files.createDirectories(root.resolve("his"));
            List<Path> fifos = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                Path f = dir.resolve("fifo." + i);
                assertTrue(new ProcessBuilder("mkfifo", "-m", "0644", f.toString()).start().waitFor() == 0);
                Files.setOwner(f, f.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
                fifos.add(f);
                Thread opener = new Thread(() -> {
                    try {
                        UntrustedOpen.read(f).close();
                    } catch (java.io.IOException e) {
                        // left waiting, as the stranger wants
                    }
                });
                opener.setDaemon(true);
                opener.start();
            }
            Thread.sleep(700);
            for (Path f : fifos) {
                Files.move(f, away.resolve(f.getFileName()));
            }
            Thread.sleep(3_500); // the openers gave up; the opens still wait
            return fifos;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
