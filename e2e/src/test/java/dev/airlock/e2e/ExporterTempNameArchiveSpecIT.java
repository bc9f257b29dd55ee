package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass F (issue 17, a way around ExporterTempNameIT). The check of the inputs against the
 * writer's names read {@code --from-docker-archive FILE=NAME:TAG} as the whole spec whenever a file
 * of that whole name existed, while the archive reader always splits at the last {@code =}: with a
 * file {@code OUT/.NAME.partial=app:1} beside it, the archive at {@code OUT/.NAME.partial} was read
 * and then deleted by the bundle writer (exit 0).
 */
class ExporterTempNameArchiveSpecIT {
    @TempDir
    Path tmp;

    @Test
    void bundle_anArchiveAtTheTemporaryName_namedWithEqualsNameTag_isRefusedNotDeleted() throws Exception {
        Path[] key = Fixture.keygen(tmp, "exporter");
        Path out = Files.createDirectories(tmp.resolve("out"));
        Path archive = out.resolve(".x-000001.airlock.tar.partial");
        HandMadeArchive.write(archive, "example.org/app:1", 7, 4096);
        byte[] content = Files.readAllBytes(archive);
        Path decoy = Files.createDirectories(out.resolve(".x-000001.airlock.tar.partial=example.org"));
        Files.writeString(decoy.resolve("app:1"), "a file of the whole spec's name, so that it exists");

        Airlock.Run run = Airlock.export(List.of("bundle", "--channel", "x", "--key", key[0].toString(), "--out", out.toString(),
                "--state", tmp.resolve("export-state").toString(), "--from-docker-archive", archive + "=example.org/app:1", "-q"));

        assertArrayEquals(content, Files.exists(archive) ? Files.readAllBytes(archive) : new byte[0],
                "the docker archive read was deleted by the bundle writer\n" + run);
        assertEquals(2, run.code(), run.toString());
    }
}
