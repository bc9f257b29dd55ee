package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass C (issue 17, around the fix of C2). {@code load}, {@code receipt}, {@code keygen}
 * and the auth file now write under a random exclusive temporary name, but the exporter's bundle
 * writer still uses the fixed {@code OUT/.NAME.partial} (AtomicFiles.partialName, "for writers that
 * own their directory") and removes whatever is there first ({@code Files.deleteIfExists}). An
 * input that happens to hold that name in {@code --out} (here the docker archive the bundle is made
 * from) is deleted, exit 0: the same defect as C2, on the connected side.
 */
class ExporterTempNameIT {
    @TempDir
    Path tmp;

    @Test
    void bundle_anInputNamedAsTheBundlesTemporaryFile_isNotDeleted() throws Exception {
        Path[] key = Fixture.keygen(tmp, "exporter");
        Path out = Files.createDirectories(tmp.resolve("out"));
        Path archive = HandMadeArchive.write(out.resolve(".x-000001.airlock.tar.partial"), "example.org/app:1", 7, 4096);
        byte[] before = Files.readAllBytes(archive);

        Airlock.Run run = Airlock.export(List.of("bundle", "--channel", "x", "--key", key[0].toString(), "--out", out.toString(),
                "--state", tmp.resolve("export-state").toString(), "--from-docker-archive", archive.toString(), "-q"));

        // Refused, in one line, before anything is written; the input is intact.
        assertEquals(2, run.code(), run.toString());
        assertEquals(1, run.err().strip().lines().count(), run.toString());
        assertTrue(run.err().contains("under a name the exporter writes"), run.toString());
        assertTrue(Files.exists(archive), "the docker archive given as input was deleted by the bundle writer: " + archive);
        assertArrayEquals(before, Files.readAllBytes(archive));
        assertFalse(Files.exists(out.resolve("x-000001.airlock.tar")), run.toString());
    }
}
