package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.crypto.OpenPgpKeys;
import dev.airlock.testing.RegistryExtension;
import dev.airlock.testing.RegistryExtension.Registries;
import dev.airlock.testing.TestImages;
import dev.airlock.testing.TestImages.Layer;
import dev.airlock.testing.TestRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A key is named by the primary fingerprint keygen printed, in every message and JSON field; a
 * subkey only as "(subkey …)"; an unknown signer by the certificate its bundle carries, its user ID as claimed.
 */
@ExtendWith(RegistryExtension.class)
class KeyNamesIT {
    @TempDir
    Path tmp;

    private static String keygenFingerprint(Path dir, String name, String passphraseFile) {
        List<String> args = new ArrayList<>(List.of("keygen", "--uid", name + " <" + name + "@airlock.test>", "--key",
                dir.resolve(name + ".key.asc").toString(), "--cert", dir.resolve(name + ".pub.asc").toString()));
        if (passphraseFile != null) {
            args.addAll(List.of("--passphrase-file", passphraseFile));
        }
        Airlock.Run r = Airlock.export(args).ok();
        String line = r.out().lines().filter(l -> l.startsWith("fingerprint ")).findFirst().orElseThrow();
        return line.substring("fingerprint ".length());
    }

    private static String subkey(Path cert) {
        for (PGPPublicKey k : OpenPgpKeys.readCertificates(cert).get(0)) {
            if (!k.isMasterKey()) {
                return HexFormat.of().withUpperCase().formatHex(k.getFingerprint());
            }
        }
        throw new AssertionError("no subkey in " + cert);
    }

    @Test
    void keygenBundleVerifyAndRefusals_nameTheSamePrimaryFingerprint(Registries registries) throws Exception {
        TestRegistry source = registries.plain();
        TestImages.push(source.client(), source.host(), "app/web", "1.0", TestImages.image(true, "amd64", null, Layer.random(5, 1000)));
        Path pass = Files.writeString(tmp.resolve("pass"), "right\n");
        String mirror = keygenFingerprint(tmp, "mirror", pass.toString());
        String stranger = keygenFingerprint(tmp, "stranger", null);
        assertTrue(mirror.matches("[0-9A-F]{40}"), mirror);

        List<String> bundle = new ArrayList<>(List.of("bundle", "--image", source.host() + "/app/web:1.0", "--channel", "k", "--key",
                tmp.resolve("mirror.key.asc").toString(), "--out", tmp.resolve("out").toString(), "--state", tmp.resolve("xs").toString(),
                "--plain-http", source.host()));
        Path wrong = Files.writeString(tmp.resolve("wrong"), "wrong\n");
        List<String> wrongPass = new ArrayList<>(bundle);
        wrongPass.addAll(List.of("--passphrase-file", wrong.toString()));
        Airlock.Run locked = Airlock.export(wrongPass);
        assertEquals(2, locked.code(), locked.toString());
        assertEquals("airlock-export: cannot unlock the signing key " + mirror + " (subkey " + subkey(tmp.resolve("mirror.pub.asc"))
                + "): wrong or missing passphrase (--passphrase-file or AIRLOCK_KEY_PASSPHRASE)", locked.err().trim());

        bundle.addAll(List.of("--passphrase-file", pass.toString(), "--json"));
        Airlock.Run made = Airlock.export(bundle).ok();
        assertTrue(made.out().contains("\"signers\" : [ \"" + mirror + "\" ]"), made.out());
        Path file = tmp.resolve("out").resolve("k-000001.airlock.tar");

        Airlock.Run verified = Airlock.importer(List.of("verify", file.toString(), "--trust", tmp.resolve("mirror.pub.asc").toString())).ok();
        assertTrue(verified.out().contains("signer   " + mirror + "\n"), verified.out());

        Airlock.Run refused = Airlock.importer(List.of("verify", file.toString(), "--trust", tmp.resolve("stranger.pub.asc").toString()));
        assertEquals(3, refused.code(), refused.toString());
        // Named by the certificate the bundle carries (issue 22, item 2): keygen's fingerprint, not the subkey's.
        assertEquals("airlock-import: airlock/bundle.json is not signed by any trusted key: it is signed by " + mirror
                + " (claims 'mirror <mirror@airlock.test>'), which is not in --trust; trusted: " + stranger
                + ". Pass the signer's certificate with --trust only if you trust it", refused.err().trim());

        // The importer's receipt names its signer the same way.
        Airlock.importer(List.of("import", file.toString(), "--trust", tmp.resolve("mirror.pub.asc").toString(), "--registry",
                source.host() + "/copy", "--plain-http", source.host(), "--state", tmp.resolve("is").toString())).ok();
        Airlock.Run receipt = Airlock.importer(List.of("receipt", "--channel", "k", "--state", tmp.resolve("is").toString(), "--key",
                tmp.resolve("stranger.key.asc").toString(), "--out", tmp.resolve("k.receipt.json").toString())).ok();
        assertTrue(receipt.out().contains("signer   " + stranger + "\n"), receipt.out());
    }
}
