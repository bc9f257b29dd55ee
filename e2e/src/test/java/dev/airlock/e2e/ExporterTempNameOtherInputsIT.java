package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass E (issue 17, a way around ExporterTempNameIT / ExporterTempNameLinkIT). The check
 * refuses the docker archives, the keys, the config and the passphrase file lying at
 * {@code OUT/.NAME.partial}, but not the other files bundle reads: {@code --ca-file},
 * {@code --authfile} (registry credentials), and with {@code --push} the {@code --identity},
 * {@code --identity-passphrase-file} and {@code --known-hosts}. The bundle writer removes
 * {@code OUT/.NAME.partial} before writing: the CA file, the credentials file or the SSH private key is
 * deleted (exit 0, or 5 for a push that then cannot connect).
 */
class ExporterTempNameOtherInputsIT {
    @TempDir
    Path tmp;

    @Test
    void bundle_aCaFileLyingAtTheTemporaryName_isNotDeleted() throws Exception {
        check("--ca-file", Files.readAllBytes(Path.of("/etc/ssl/certs/ca-certificates.crt").toRealPath()));
    }

    @Test
    void bundle_anAuthFileLyingAtTheTemporaryName_isNotDeleted() throws Exception {
        check("--authfile", "{\"auths\":{}}\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    /** With --push the SSH identity is read before the bundle is written, then deleted with OUT/.NAME.partial. */
    @Test
    void bundle_anSshIdentityLyingAtTheTemporaryName_isNotDeleted() throws Exception {
        Path[] key = Fixture.keygen(tmp, "exporter");
        Path out = Files.createDirectories(tmp.resolve("out"));
        Path identity = out.resolve(".x-000001.airlock.tar.partial");
        Process kg = new ProcessBuilder("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", identity.toString()).inheritIO().start();
        org.junit.jupiter.api.Assertions.assertEquals(0, kg.waitFor());
        byte[] content = Files.readAllBytes(identity);
        Path knownHosts = Files.writeString(tmp.resolve("known_hosts"), "[127.0.0.1]:1 " + Files.readString(out.resolve(
                ".x-000001.airlock.tar.partial.pub")));
        Path archive = HandMadeArchive.write(tmp.resolve("app.tar"), "example.org/app:1", 7, 4096);

        Airlock.Run run = Airlock.export(List.of("bundle", "--channel", "x", "--key", key[0].toString(), "--out", out.toString(),
                "--state", tmp.resolve("export-state").toString(), "--from-docker-archive", archive.toString(), "--push",
                "sftp://u@127.0.0.1:1/in", "--identity", identity.toString(), "--known-hosts", knownHosts.toString(), "-q"));

        assertArrayEquals(content, Files.exists(identity) ? Files.readAllBytes(identity) : new byte[0],
                "the --identity given was deleted by the bundle writer\n" + run);
    }

    private void check(String option, byte[] content) throws Exception {
        Path[] key = Fixture.keygen(tmp, "exporter");
        Path out = Files.createDirectories(tmp.resolve("out"));
        Path input = Files.write(out.resolve(".x-000001.airlock.tar.partial"), content);
        Path archive = HandMadeArchive.write(tmp.resolve("app.tar"), "example.org/app:1", 7, 4096);

        Airlock.Run run = Airlock.export(List.of("bundle", "--channel", "x", "--key", key[0].toString(), "--out", out.toString(),
                "--state", tmp.resolve("export-state").toString(), "--from-docker-archive", archive.toString(), option,
                input.toString(), "-q"));

        assertArrayEquals(content, Files.exists(input) ? Files.readAllBytes(input) : new byte[0],
                "the " + option + " given was deleted by the bundle writer\n" + run);
    }
}
