package dev.airlock.imports.inbox;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.airlock.crypto.SignatureBlock;
import dev.airlock.digest.Digest;
import dev.airlock.io.NoReplaceDelivery;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass R, R1b (of R1's fix): past {@code -100} the delivery rule numbers a copy at random,
 * and watch takes copies numbered so. A stranger who holds a volume's name and its 100 numbered
 * conflict names also makes hundreds of files of the volume's listed size (sparse: no disk) under
 * numbers that sort before any the rule can draw ({@code -100NNNNN}); each was hashed before the real
 * volume's copy was reached, at every scan that found their stamps new (he touches them): a watcher
 * kept hashing his zeros. Only the copies numbered up to 100 and the ones this watcher's user owns
 * (the receivers deliver as it) may be the volume. (Run as root, the stranger's files are nobody's.)
 */
@org.junit.jupiter.api.condition.EnabledIf("asRoot")
class InboxScanRandomCopiesCostTest {
    private static final int COPIES = 600;
    private static final long SIZE = 16 << 20;

    @TempDir
    Path root;

    @Test
    void aStrangersSparseCopiesUnderRandomNumbers_areNeverHashed() throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        SignedSetFixture.Keys keys = SignedSetFixture.keys(root);
        byte[] volume = new byte[(int) SIZE];
        volume[0] = 1; // the real volume: one byte set in 16 MiB
        byte[] list = SignedSetFixture.list(volume);
        SignedSetFixture.put(inbox, SignedSetFixture.LIST + ".asc", SignatureBlock.signNaming(list, List.of(keys.signer())));
        SignedSetFixture.put(inbox, SignedSetFixture.LIST, list);
        String name = SignedSetFixture.BUNDLE + ".000";
        String named = name + ".conflict-" + Digest.sha256Of(volume).hex().substring(0, 16);
        for (int n = 0; n <= 100 + COPIES; n++) {
            String his = n == 0 ? name : n == 1 ? named : n <= 100 ? named + "-" + n : named + "-" + (10_000_000 + n);
            Path p = inbox.resolve(his);
            try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
                f.setLength(n <= 100 ? 3 : SIZE); // past 100: of the listed size, all zeros, no disk
            }
            Files.setLastModifiedTime(p, FileTime.from(Instant.now().minusSeconds(60)));
            Files.setAttribute(p, "unix:uid", 65534);
        }
        Path received = Files.write(root.resolve("received"), volume);
        NoReplaceDelivery.deliver(received, inbox.resolve(name)); // the receiver's: a copy at a random number
        Files.setLastModifiedTime(inbox.resolve(Files.list(inbox).map(p -> p.getFileName().toString())
                .filter(f -> f.startsWith(named + "-") && !f.startsWith(named + "-1000")).filter(f -> f.length() > named.length() + 4)
                .findFirst().orElseThrow()), FileTime.from(Instant.now().minusSeconds(60)));
        InboxScan scan = new InboxScan(inbox, Duration.ofMillis(200), InboxScan.MAX_FILES, keys.trust());
        long start = System.nanoTime();
        InboxScan.Candidate c = scan.scan().candidates().stream().filter(x -> x.key().equals(SignedSetFixture.LIST)).findFirst()
                .orElseThrow();
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(InboxScan.State.READY, c.state(), c.note());
        Path chosen = c.arrangement().promote().stream().filter(p -> p.getFileName().toString().startsWith(name)).findFirst().orElseThrow();
        assertArrayEquals(volume, Files.readAllBytes(chosen));
        org.junit.jupiter.api.Assertions.assertTrue(millis < 2_000, "one scan took " + millis + " ms hashing the stranger's "
                + COPIES + " sparse copies of " + SIZE + " bytes");
    }

    static boolean asRoot() {
        try {
            return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (Exception e) {
            return false;
        }
    }
}
