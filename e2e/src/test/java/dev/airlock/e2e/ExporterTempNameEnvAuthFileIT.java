package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass F (issue 17, a way around ExporterTempNameOtherInputsIT). The registry credentials
 * file may also be named by {@code REGISTRY_AUTH_FILE} (as skopeo and podman read it), not only by
 * {@code --authfile} or the config's {@code authFile}: the check of the inputs against the writer's
 * names in --out did not look at it, and the bundle writer deleted the file lying at
 * {@code OUT/.NAME.partial} (exit 0).
 */
class ExporterTempNameEnvAuthFileIT {
    @TempDir
    Path tmp;

    @Test
    void bundle_anAuthFileNamedByRegistryAuthFileLyingAtTheTemporaryName_isRefusedNotDeleted() throws Exception {
        Path[] key = Fixture.keygen(tmp, "exporter");
        Path out = Files.createDirectories(tmp.resolve("out"));
        byte[] content = "{\"auths\":{}}\n".getBytes(StandardCharsets.US_ASCII);
        Path auth = Files.write(out.resolve(".x-000001.airlock.tar.partial"), content);
        Path archive = HandMadeArchive.write(tmp.resolve("app.tar"), "example.org/app:1", 7, 4096);

        Airlock.Run run = Airlock.subprocess(true, List.of(), Map.of("REGISTRY_AUTH_FILE", auth.toString()), List.of("bundle",
                "--channel", "x", "--key", key[0].toString(), "--out", out.toString(), "--state", tmp.resolve("export-state").toString(),
                "--from-docker-archive", archive.toString(), "-q"));

        assertArrayEquals(content, Files.exists(auth) ? Files.readAllBytes(auth) : new byte[0],
                "the REGISTRY_AUTH_FILE given was deleted by the bundle writer\n" + run);
        assertEquals(2, run.code(), run.toString());
    }
}
