package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass D (issue 17, a way around the fix of ExporterTempNameIT). The check refuses an input
 * whose own name is {@code OUT/.NAME.partial}, but not one reached through a symbolic link under
 * another name, nor the {@code --passphrase-file}: the bundle writer still removes
 * {@code OUT/.NAME.partial} before writing, so the docker archive, the signing key or the passphrase
 * file that lies there is deleted, exit 0.
 */
class ExporterTempNameLinkIT {
    @TempDir
    Path tmp;

    @Test
    void bundle_aDockerArchiveReachedThroughALink_toTheTemporaryName_isNotDeleted() throws Exception {
        Path[] key = Fixture.keygen(tmp, "exporter");
        Path out = Files.createDirectories(tmp.resolve("out"));
        Path archive = HandMadeArchive.write(out.resolve(".x-000001.airlock.tar.partial"), "example.org/app:1", 7, 4096);
        byte[] before = Files.readAllBytes(archive);
        Path link = Files.createSymbolicLink(tmp.resolve("app.tar"), archive);

        Airlock.Run run = Airlock.export(List.of("bundle", "--channel", "x", "--key", key[0].toString(), "--out", out.toString(),
                "--state", tmp.resolve("export-state").toString(), "--from-docker-archive", link.toString(), "-q"));

        assertTrue(Files.exists(archive), "the docker archive given (through " + link + ") was deleted by the bundle writer\n" + run);
        assertArrayEquals(before, Files.readAllBytes(archive));
    }

    @Test
    void bundle_aSigningKeyReachedThroughALink_toTheTemporaryName_isNotDeleted() throws Exception {
        Path[] key = Fixture.keygen(tmp, "exporter");
        Path out = Files.createDirectories(tmp.resolve("out"));
        Path archive = HandMadeArchive.write(tmp.resolve("app.tar"), "example.org/app:1", 7, 4096);
        Path hidden = Files.move(key[0], out.resolve(".x-000001.airlock.tar.partial"));
        Path link = Files.createSymbolicLink(tmp.resolve("signing.key.asc"), hidden);

        Airlock.Run run = Airlock.export(List.of("bundle", "--channel", "x", "--key", link.toString(), "--out", out.toString(),
                "--state", tmp.resolve("export-state").toString(), "--from-docker-archive", archive.toString(), "-q"));

        assertTrue(Files.exists(hidden), "the signing key given (through " + link + ") was deleted by the bundle writer\n" + run);
    }

    @Test
    void bundle_aPassphraseFileUnderTheTemporaryName_isNotDeleted() throws Exception {
        Path pass = Files.writeString(tmp.resolve("pass.txt"), "secret-pass\n");
        Path key = tmp.resolve("k.asc");
        Airlock.Run keygen = Airlock.export(List.of("keygen", "--uid", "E <e@example.org>", "--key", key.toString(), "--cert",
                tmp.resolve("k.pub.asc").toString(), "--passphrase-file", pass.toString()));
        assertTrue(keygen.code() == 0, keygen.toString());
        Path out = Files.createDirectories(tmp.resolve("out"));
        Path hidden = Files.copy(pass, out.resolve(".x-000001.airlock.tar.partial"));
        Path archive = HandMadeArchive.write(tmp.resolve("app.tar"), "example.org/app:1", 7, 4096);

        Airlock.Run run = Airlock.export(List.of("bundle", "--channel", "x", "--key", key.toString(), "--passphrase-file",
                hidden.toString(), "--out", out.toString(), "--state", tmp.resolve("export-state").toString(),
                "--from-docker-archive", archive.toString(), "-q"));

        assertTrue(Files.exists(hidden), "the --passphrase-file given was deleted by the bundle writer\n" + run);
    }

    /** The report's final name is replaced by design (a leftover report), but not when it is an input of this run. */
    @Test
    void bundle_aDockerArchiveLyingInOutUnderTheReportsName_isNotOverwritten() throws Exception {
        Path[] key = Fixture.keygen(tmp, "exporter");
        Path out = Files.createDirectories(tmp.resolve("out"));
        Path archive = HandMadeArchive.write(out.resolve("x-000001.airlock.report.md"), "example.org/app:1", 7, 4096);
        byte[] before = Files.readAllBytes(archive);

        Airlock.Run run = Airlock.export(List.of("bundle", "--channel", "x", "--key", key[0].toString(), "--out", out.toString(),
                "--state", tmp.resolve("export-state").toString(), "--from-docker-archive", archive.toString(), "-q"));

        assertArrayEquals(before, Files.readAllBytes(archive), "the docker archive given was overwritten by the report\n" + run);
    }
}
