package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17, H3 (red-team finding, helper rB): the report beside a bundle is a file from the medium,
 * but was hashed whole with no bound (ReportFile.check). Anyone who can add a file to the stick or
 * the inbox (a courier, not a signer) turns it into a sparse file of terabytes, which costs
 * nothing: verify, import and watch then hash zeros for hours before refusing the bundle (20 GiB
 * took 82 s on the test machine; ext4 allows 16 TiB). A report is a few KiB: a 64 GiB one must be
 * refused at once, by its size. Run through the real launcher so that a stalled process can be killed.
 */
class ReportSizeIT {
    @TempDir
    Path tmp;

    @Test
    void verify_refusesAHugeSparseReport_byItsSize_withoutHashingIt() throws Exception {
        Path launcher = WatchIT.launcher();
        Path[] keys = Fixture.keygen(tmp, "exporter");
        Path archive = HandMadeArchive.write(tmp.resolve("in/app.tar"), "mirror.example/app:1", 2, 20_000);
        Path bundle = HandMadeArchive.bundle(tmp, keys[0], "sparse", archive, List.of());
        Path report = bundle.resolveSibling(bundle.getFileName().toString().replaceFirst("\\.tar$", ".report.md"));
        try (RandomAccessFile f = new RandomAccessFile(report.toFile(), "rw")) {
            f.setLength(64L << 30); // sparse: no disk used
        }
        Process p = new ProcessBuilder(launcher.toString(), "verify", bundle.toString(), "--trust", keys[1].toString(), "-q")
                .redirectErrorStream(true).redirectOutput(tmp.resolve("verify.log").toFile()).start();
        boolean ended = p.waitFor(30, TimeUnit.SECONDS);
        if (!ended) {
            p.destroyForcibly().waitFor();
        }
        assertTrue(ended, "verify still hashing a 64 GiB sparse report after 30 s");
        String out = Files.readString(tmp.resolve("verify.log"));
        assertEquals(3, p.exitValue(), out);
        assertEquals(1, out.strip().lines().count(), out);
        assertTrue(out.contains("over the bound"), out);
    }
}
