package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.airlock.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass H (issue 17, H4 and "a stranger cannot stop the next one from arriving"): watch's
 * inbox scan keeps, for every file in the inbox, its attributes, a stamp and a sighting in several
 * maps, some 600 bytes a file, with no bound on how many files. Anyone who can send can leave empty
 * files (serve's quota counts bytes, not files): 400,000 of them are OutOfMemoryError with a stack
 * trace in the launcher's 192 MiB heap, on every scan, so nothing in the inbox is imported again.
 * Fixed since: names that cannot be a bundle are dropped before their attributes are read and
 * counted past a few, and a scan holds at most InboxScan.MAX_FILES bundle-like names. Here 100,000
 * files in a 40 MiB heap (the old scan needed some 60 MiB for them), to keep the test short.
 */
class InboxManyFilesMemoryIT {
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();

    @TempDir
    Path tmp;

    @Test
    void watchOnce_anInboxOfAHundredThousandEmptyFiles_inA40MiBHeap_isNotOutOfMemory() throws Exception {
        Tools.Result k = Tools.run(List.of(REPO.resolve("scripts/airlock-export").toString(), "keygen", "--key",
                tmp.resolve("k.asc").toString(), "--cert", tmp.resolve("k.pub.asc").toString(), "--uid", "t <t@example.org>"), Map.of(), null);
        assertEquals(0, k.exitCode(), k.stderr());
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        for (int i = 0; i < 100_000; i++) {
            Files.createFile(inbox.resolve(String.format("n%06d", i)));
        }
        Tools.Result r = Tools.run(List.of(REPO.resolve("scripts/airlock-import").toString(), "watch", "--once", "--settle", "1ms",
                "--registry", "127.0.0.1:1", "--trust", tmp.resolve("k.pub.asc").toString(), "--state", tmp.resolve("state").toString(),
                inbox.toString()), Map.of("AIRLOCK_JAVA_OPTS", "-XX:+UseSerialGC -Xmx40m"), null);
        assertFalse(r.stderr().contains("OutOfMemoryError"), r.stderr().lines().limit(3).toList().toString());
        assertEquals(0, r.exitCode(), r.stderr());
    }
}
