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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass Q, Q1 end to end: a stranger holds a set's volume name with his own file; the real
 * volume is kept beside it by the delivery rule; he writes its bytes into his file (same inode), which
 * keeps the name, the real volume going to rejected/ as "a copy kept beside" it. While the import
 * reads, he writes other bytes of the same size into his file and sets its modification time back:
 * the import refuses the digest, his file is set aside, and the set waits for good for a real volume
 * that is in rejected/ under a reason saying it is not of the listed sha256. The real set is imported.
 */
class WatchSquatterRefilledTest {
    private static final String BUNDLE = "daily-000001.airlock.tar";
    private static final String LIST = VolumeList.listName(BUNDLE);
    private static final byte[] VOLUME = "the real volume".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path root;

    @Test
    void watch_aSquattersVolumeRefilledThenChangedDuringTheImport_theRealSetIsStillImported() throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        OpenPgpKeys.Generated g = OpenPgpKeys.generate("Exporter <e@airlock.test>", null);
        BundleSigner signer = new BundleSigner(OpenPgpKeys.readSecretKey(Files.write(root.resolve("key.asc"), g.secretArmored())), null);
        TrustPolicy trust = new TrustPolicy(OpenPgpKeys.readCertificates(Files.write(root.resolve("cert.asc"), g.certArmored())), 1);
        byte[] list = new VolumeList(VolumeList.FORMAT, "daily", 1, BUNDLE, "sha256:" + "0".repeat(64), VOLUME.length, VOLUME.length,
                List.of(new VolumeList.Volume(BUNDLE + ".000", VOLUME.length, Digest.sha256Of(VOLUME).toString()))).toJson();
        Path his = old(Files.write(inbox.resolve(BUNDLE + ".000"), "his".getBytes(StandardCharsets.UTF_8))); // held before
        old(Files.write(inbox.resolve(BUNDLE + ".000.conflict-" + Digest.sha256Of(VOLUME).hex().substring(0, 16)), VOLUME)); // the real one
        old(Files.write(inbox.resolve(LIST + ".asc"), signer.sign(list)));
        old(Files.write(inbox.resolve(LIST), list));
        old(Files.write(his, VOLUME, StandardOpenOption.TRUNCATE_EXISTING)); // the stranger writes its bytes into his own file
        Object inode = Files.readAttributes(his, java.nio.file.attribute.BasicFileAttributes.class).fileKey(); // his file, wherever it goes
        CountDownLatch imported = new CountDownLatch(1);
        List<String> lines = new CopyOnWriteArrayList<>();
        ImportRequest template = new ImportRequest(null, trust, new TargetNaming("127.0.0.1:5000", List.of()), root.resolve("state"), 1, false);
        InboxWatcher w = new InboxWatcher(inbox, new WatchOptions(Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofSeconds(1)),
                template, r -> {
                    Path v = r.bundle().resolveSibling(BUNDLE + ".000");
                    try {
                        if (inode.equals(Files.readAttributes(v, java.nio.file.attribute.BasicFileAttributes.class).fileKey())) { // his inode took the name: he changes it while the import reads
                            FileTime t = Files.getLastModifiedTime(v);
                            Files.write(v, "THE REAL VOLUME".getBytes(StandardCharsets.UTF_8), StandardOpenOption.TRUNCATE_EXISTING);
                            Files.setLastModifiedTime(v, t);
                        }
                        if (!java.util.Arrays.equals(Files.readAllBytes(v), VOLUME)) {
                            throw AirlockException.digestMismatch(v + ": sha256 is not the listed one");
                        }
                    } catch (java.io.IOException e) {
                        throw AirlockException.local("cannot read " + v, e);
                    }
                    imported.countDown();
                    throw AirlockException.local("the registry is away", null); // enough: the real set was tried
                }, lines::add);
        Thread t = new Thread(w::run, "watch");
        t.start();
        try {
            assertTrue(imported.await(8, TimeUnit.SECONDS), "the real set is never imported:\n" + String.join("\n", lines)
                    + "\nrejected/: " + listing(inbox.resolve(InboxLayout.REJECTED)) + "\ninbox: " + listing(inbox));
        } finally {
            w.stop();
            t.join(20_000);
        }
    }

    /** The same with the signature: his inode under the .asc name, changed while the import reads; the set is refused whole. */
    @Test
    void watch_aSquattersSignatureRefilledThenChangedDuringTheImport_theRealSetIsStillImported() throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        OpenPgpKeys.Generated g = OpenPgpKeys.generate("Exporter <e@airlock.test>", null);
        BundleSigner signer = new BundleSigner(OpenPgpKeys.readSecretKey(Files.write(root.resolve("key.asc"), g.secretArmored())), null);
        TrustPolicy trust = new TrustPolicy(OpenPgpKeys.readCertificates(Files.write(root.resolve("cert.asc"), g.certArmored())), 1);
        byte[] list = new VolumeList(VolumeList.FORMAT, "daily", 1, BUNDLE, "sha256:" + "0".repeat(64), VOLUME.length, VOLUME.length,
                List.of(new VolumeList.Volume(BUNDLE + ".000", VOLUME.length, Digest.sha256Of(VOLUME).toString()))).toJson();
        byte[] asc = signer.sign(list);
        Path his = old(Files.write(inbox.resolve(LIST + ".asc"), "his".getBytes(StandardCharsets.UTF_8))); // held before
        old(Files.write(inbox.resolve(LIST + ".asc.conflict-" + Digest.sha256Of(asc).hex().substring(0, 16)), asc)); // the real one
        old(Files.write(inbox.resolve(BUNDLE + ".000"), VOLUME));
        old(Files.write(inbox.resolve(LIST), list));
        old(Files.write(his, asc, StandardOpenOption.TRUNCATE_EXISTING)); // the stranger writes its bytes into his own file
        Object inode = Files.readAttributes(his, java.nio.file.attribute.BasicFileAttributes.class).fileKey(); // his file, wherever it goes
        CountDownLatch imported = new CountDownLatch(1);
        List<String> lines = new CopyOnWriteArrayList<>();
        ImportRequest template = new ImportRequest(null, trust, new TargetNaming("127.0.0.1:5000", List.of()), root.resolve("state"), 1, false);
        InboxWatcher w = new InboxWatcher(inbox, new WatchOptions(Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofSeconds(1)),
                template, r -> {
                    Path a = r.bundle().resolveSibling(LIST + ".asc");
                    try {
                        if (inode.equals(Files.readAttributes(a, java.nio.file.attribute.BasicFileAttributes.class).fileKey())) { // his inode took the name: he changes it while the import reads
                            FileTime t = Files.getLastModifiedTime(a);
                            byte[] other = asc.clone();
                            other[other.length / 2] ^= 1;
                            Files.write(a, other, StandardOpenOption.TRUNCATE_EXISTING);
                            Files.setLastModifiedTime(a, t);
                        }
                        if (!java.util.Arrays.equals(Files.readAllBytes(a), asc)) {
                            throw AirlockException.untrusted(a + ": the signature does not verify");
                        }
                    } catch (java.io.IOException e) {
                        throw AirlockException.local("cannot read " + a, e);
                    }
                    imported.countDown();
                    throw AirlockException.local("the registry is away", null); // enough: the real set was tried
                }, lines::add);
        Thread t = new Thread(w::run, "watch");
        t.start();
        try {
            assertTrue(imported.await(8, TimeUnit.SECONDS), "the real set is never imported:\n" + String.join("\n", lines)
                    + "\nrejected/: " + listing(inbox.resolve(InboxLayout.REJECTED)) + "\ninbox: " + listing(inbox));
        } finally {
            w.stop();
            t.join(20_000);
        }
    }

    private static String listing(Path dir) throws Exception {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList().toString();
        }
    }

    private static Path old(Path p) throws Exception {
        Files.setLastModifiedTime(p, FileTime.from(Instant.now().minusSeconds(60)));
        return p;
    }
}
