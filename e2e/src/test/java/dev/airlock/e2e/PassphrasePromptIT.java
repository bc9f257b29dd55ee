package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.airlock.export.cli.ExportMain;
import dev.airlock.imports.cli.ImportMain;
import dev.airlock.testing.RegistryExtension;
import dev.airlock.testing.RegistryExtension.Registries;
import dev.airlock.testing.SshdExtension;
import dev.airlock.testing.TestImages;
import dev.airlock.testing.TestImages.Layer;
import dev.airlock.testing.TestRegistry;
import dev.airlock.testing.TestSshd;
import dev.airlock.testing.Tools;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A protected key and no passphrase given: on a terminal (a real pseudo-terminal from util-linux
 * {@code script}) the passphrase is asked for; without one, the run is refused naming where a
 * passphrase can come from.
 */
@ExtendWith({RegistryExtension.class, SshdExtension.class})
class PassphrasePromptIT {
    @TempDir
    Path tmp;

    private record Terminal(int code, String screen) {
    }

    /** Runs a program with a pseudo-terminal as stdin, stdout and stderr, typing {@code typed} into it. */
    private static Terminal onTerminal(boolean export, List<String> args, String typed) throws Exception {
        assumeTrue(Tools.has("script"), "util-linux script (gives the program a pseudo-terminal) is not installed");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), export ? ExportMain.class.getName() : ImportMain.class.getName()));
        cmd.addAll(args);
        cmd.add("--progress=none");
        String line = String.join(" ", cmd.stream().map(a -> "'" + a.replace("'", "'\\''") + "'").toList());
        Process p = new ProcessBuilder("script", "-qec", line, "/dev/null").redirectErrorStream(true).start();
        OutputStream in = p.getOutputStream();
        in.write(typed.getBytes(StandardCharsets.UTF_8));
        in.flush();
        byte[] screen = p.getInputStream().readAllBytes(); // until the program (and script) ends
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + line);
        }
        in.close();
        return new Terminal(p.exitValue(), new String(screen, StandardCharsets.UTF_8).replace("\r", ""));
    }

    @Test
    void protectedSigningKey_isAskedForOnATerminal_andRefusedWithoutOne(Registries registries) throws Exception {
        TestRegistry source = registries.plain();
        TestImages.push(source.client(), source.host(), "app/web", "1.0", TestImages.image(true, "amd64", null, Layer.random(5, 1000)));
        Path pass = Files.writeString(tmp.resolve("pass"), "right horse\n");
        Airlock.Run made = Airlock.export(List.of("keygen", "--uid", "Mirror <mirror@airlock.test>", "--key",
                tmp.resolve("mirror.key.asc").toString(), "--cert", tmp.resolve("mirror.pub.asc").toString(), "--passphrase-file",
                pass.toString())).ok();
        String fingerprint = made.out().lines().filter(l -> l.startsWith("fingerprint ")).findFirst().orElseThrow().substring(12);
        List<String> bundle = List.of("bundle", "--image", source.host() + "/app/web:1.0", "--channel", "scanners", "--key",
                tmp.resolve("mirror.key.asc").toString(), "--out", tmp.resolve("out").toString(), "--state", tmp.resolve("xs").toString(),
                "--plain-http", source.host());

        Airlock.Run refused = Airlock.subprocess(true, List.of(), Map.of(), bundle);
        assertEquals(2, refused.code(), refused.toString());
        assertTrue(refused.err().contains("cannot unlock the signing key " + fingerprint), refused.err());
        assertTrue(refused.err().contains("(--passphrase-file or AIRLOCK_KEY_PASSPHRASE)"), refused.err());
        assertFalse(Files.exists(tmp.resolve("out/scanners-000001.airlock.tar")));

        Terminal wrong = onTerminal(true, bundle, "wrong horse\n");
        assertTrue(wrong.screen().contains("passphrase for key " + fingerprint + ": "), wrong.screen());
        assertEquals(2, wrong.code(), wrong.screen());
        assertTrue(wrong.screen().contains("cannot unlock the signing key " + fingerprint), wrong.screen());

        Terminal asked = onTerminal(true, bundle, "right horse\n");
        assertTrue(asked.screen().contains("passphrase for key " + fingerprint + ": "), asked.screen());
        assertEquals(0, asked.code(), asked.screen());
        Path written = tmp.resolve("out/scanners-000001.airlock.tar");
        Airlock.importer(List.of("verify", written.toString(), "--trust", tmp.resolve("mirror.pub.asc").toString())).ok();
    }

    /** Typed on the terminal, the identity's passphrase logs in to a real sshd; without a terminal it is refused, exit 2. */
    @Test
    void encryptedSshIdentity_isAskedForOnATerminal_andRefusedWithoutOne(TestSshd sshd) throws Exception {
        Path key = sshd.authorizedKey("ed25519", "open sesame");
        byte[] bytes = new byte[4096];
        new java.util.Random(7).nextBytes(bytes);
        Path file = Files.write(tmp.resolve("scanners-000001.airlock.tar"), bytes);
        List<String> push = List.of("push", file.toString(), "--to", sshd.url(), "--identity", key.toString(), "--known-hosts",
                sshd.knownHosts(tmp.resolve("kh")).toString(), "--retries", "1");

        Airlock.Run refused = Airlock.subprocess(true, List.of(), Map.of(), push);
        assertEquals(2, refused.code(), refused.toString());
        assertTrue(refused.err().contains("identity " + key + " is encrypted: give its passphrase with --identity-passphrase-file or"
                + " AIRLOCK_SSH_PASSPHRASE"), refused.err());
        assertFalse(Files.exists(sshd.inbox().resolve(file.getFileName())));

        Terminal wrong = onTerminal(true, push, "not it\n");
        assertTrue(wrong.screen().contains("passphrase for identity " + key + ": "), wrong.screen());
        assertEquals(2, wrong.code(), wrong.screen());
        assertTrue(wrong.screen().contains("cannot decrypt identity " + key + " (wrong passphrase?)"), wrong.screen());

        Terminal asked = onTerminal(true, push, "open sesame\n");
        assertTrue(asked.screen().contains("passphrase for identity " + key + ": "), asked.screen());
        assertEquals(0, asked.code(), asked.screen());
        assertTrue(java.util.Arrays.equals(bytes, Files.readAllBytes(sshd.inbox().resolve(file.getFileName()))), "pushed bytes differ");
    }
}
