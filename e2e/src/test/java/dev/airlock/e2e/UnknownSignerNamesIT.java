package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.crypto.BundleSigner;
import dev.airlock.crypto.OpenPgpKeys;
import dev.airlock.crypto.SignatureBlock;
import dev.airlock.testing.RegistryExtension;
import dev.airlock.testing.RegistryExtension.Registries;
import dev.airlock.testing.TestRegistry;
import dev.airlock.testing.Tools;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 22, item 2: a bundle (and a volume list, and a receipt) carries its signers' public
 * certificates, so a refusal of a signer that is not in --trust names it by the primary fingerprint
 * gpg and keygen print and the user ID it claims — not by the signing subkey its signature names.
 * The key here is made by real gpg with a certify-only primary and a separate signing subkey.
 */
@ExtendWith(RegistryExtension.class)
class UnknownSignerNamesIT {
    private static final String UID = "Mirror <mirror@example.org>";
    private static final String TODAY_HOW = "its signer is not in --trust, and a signature names only the key that made it (usually a"
            + " signing subkey, not the primary key), here fingerprint ";
    private static final String TODAY_TAIL = "; the signer's certificate holds both: 'gpg --with-subkey-fingerprints --show-keys CERT.asc'"
            + " lists its primary fingerprint and each subkey's; trusted: ";

    @TempDir
    Path tmp;

    private Path gnupg;
    private Path mirrorKey;
    private Path mirrorCert;
    private String mirrorPrimary;
    private String mirrorSubkey;
    private Path strangerCert;
    private String stranger;

    @BeforeEach
    void gpgKeyWithSeparateSigningSubkey_andAStranger() throws Exception {
        Assumptions.assumeTrue(Tools.has("gpg") && Tools.has("gpgconf"), "gpg is not installed (apt-get install gnupg)");
        gnupg = Files.createDirectories(tmp.resolve("gnupg"));
        Files.setPosixFilePermissions(gnupg, PosixFilePermissions.fromString("rwx------"));
        gpg("--passphrase", "", "--quick-gen-key", UID, "ed25519", "cert", "never");
        List<String> primary = fingerprints();
        gpg("--passphrase", "", "--quick-add-key", primary.get(0), "ed25519", "sign", "never");
        List<String> both = fingerprints();
        mirrorPrimary = both.get(0);
        mirrorSubkey = both.get(1);
        assertNotEquals(mirrorPrimary, mirrorSubkey);
        mirrorKey = Files.writeString(tmp.resolve("mirror.key.asc"),
                gpg("--pinentry-mode", "loopback", "--passphrase", "", "--armor", "--export-secret-keys", mirrorPrimary));
        mirrorCert = Files.writeString(tmp.resolve("mirror.pub.asc"), gpg("--armor", "--export", mirrorPrimary));

        Airlock.Run r = Airlock.export(List.of("keygen", "--uid", "Stranger <stranger@airlock.test>", "--key",
                tmp.resolve("stranger.key.asc").toString(), "--cert", tmp.resolve("stranger.pub.asc").toString())).ok();
        stranger = r.out().lines().filter(l -> l.startsWith("fingerprint ")).findFirst().orElseThrow().substring("fingerprint ".length());
        strangerCert = tmp.resolve("stranger.pub.asc");
    }

    @AfterEach
    void stopGpgAgent() throws Exception {
        if (gnupg != null) {
            Tools.run(List.of("gpgconf", "--kill", "gpg-agent"), Map.of("GNUPGHOME", gnupg.toString()), null);
        }
    }

    private String gpg(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("gpg", "--batch"));
        cmd.addAll(List.of(args));
        return Tools.run(cmd, Map.of("GNUPGHOME", gnupg.toString()), null).ok().stdout();
    }

    /** The primary fingerprint and then each subkey's, as gpg prints them. */
    private List<String> fingerprints() throws Exception {
        return gpg("--with-colons", "--with-subkey-fingerprints", "--list-keys").lines().filter(l -> l.startsWith("fpr:"))
                .map(l -> l.split(":")[9]).toList();
    }

    private String named(String what) {
        return "airlock-import: " + what + " is not signed by any trusted key: it is signed by " + mirrorPrimary + " (claims '" + UID
                + "'), which is not in --trust; trusted: " + stranger + ". Pass the signer's certificate with --trust only if you trust it";
    }

    private Path mirrorBundle(String channel, String... extra) throws Exception {
        Path archive = HandMadeArchive.write(tmp.resolve(channel + ".docker.tar"), "app/web:1.0", 7, 3000);
        return HandMadeArchive.bundle(tmp.resolve(channel), mirrorKey, channel, archive, List.of(extra));
    }

    @Test
    void refusal_namesThePrimaryFingerprintGpgPrinted_andTheClaimedUserId_notTheSigningSubkey(Registries registries) throws Exception {
        Path bundle = mirrorBundle("m");
        String expected = named("airlock/bundle.json");

        Airlock.Run verify = Airlock.importer(List.of("verify", bundle.toString(), "--trust", strangerCert.toString()));
        assertEquals(3, verify.code(), verify.toString());
        assertEquals(expected, verify.err().trim());
        assertFalse(verify.err().contains(mirrorSubkey), "the signing subkey is not how the signer is named: " + verify.err());

        Airlock.Run list = Airlock.importer(List.of("list", bundle.toString(), "--trust", strangerCert.toString()));
        assertEquals(expected, list.err().trim(), list.toString());
        Airlock.Run diff = Airlock.importer(List.of("diff", bundle.toString(), bundle.toString(), "--trust", strangerCert.toString()));
        assertEquals(expected, diff.err().trim(), diff.toString());

        // watch sets it aside with the same line in its .reason file.
        TestRegistry target = registries.plain();
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        Files.copy(bundle, inbox.resolve(bundle.getFileName()));
        List<String> watch = new ArrayList<>(List.of("watch", inbox.toString(), "--trust", strangerCert.toString(), "--registry",
                target.host() + "/mirror", "--state", tmp.resolve("watch-state").toString(), "--settle", "200ms", "--once"));
        watch.addAll(target.cliFlags());
        Airlock.importer(watch);
        List<String> reason = Files.readAllLines(inbox.resolve("rejected").resolve(bundle.getFileName() + ".reason"));
        assertEquals(expected, reason.get(0));

        // A volume set's list is signed by the same key, and named by the certificate its bundle.json carries.
        Path volumes = mirrorBundle("v", "--max-volume-size", "1M");
        assertTrue(volumes.getFileName().toString().endsWith(".volumes.json"), volumes.toString());
        Airlock.Run set = Airlock.importer(List.of("verify", volumes.toString(), "--trust", strangerCert.toString()));
        assertEquals(3, set.code(), set.toString());
        assertEquals(named(volumes.getFileName().toString()), set.err().trim());

        // The bundle is accepted by its own certificate, exported from gpg, as before.
        Airlock.Run ok = Airlock.importer(List.of("verify", bundle.toString(), "--trust", mirrorCert.toString())).ok();
        assertTrue(ok.out().contains("signer   " + mirrorPrimary + "\n"), ok.out());
    }

    @Test
    void receiptRefusal_namesTheImportersPrimaryFingerprint_andClaimedUserId(Registries registries) throws Exception {
        TestRegistry target = registries.plain();
        Path bundle = mirrorBundle("r");
        List<String> importArgs = new ArrayList<>(List.of("import", bundle.toString(), "--trust", mirrorCert.toString(), "--registry",
                target.host() + "/copy", "--state", tmp.resolve("is").toString()));
        importArgs.addAll(target.cliFlags());
        Airlock.importer(importArgs).ok();
        // The offline side signs its receipt with the gpg-made key; the exporter trusts only the stranger.
        Path receipt = tmp.resolve("r.receipt.json");
        Airlock.importer(List.of("receipt", "--channel", "r", "--state", tmp.resolve("is").toString(), "--key", mirrorKey.toString(),
                "--out", receipt.toString())).ok();
        Airlock.Run refused = Airlock.export(List.of("receipt", receipt.toString(), "--trust", strangerCert.toString(), "--state",
                tmp.resolve("r").resolve("export-state").toString()));
        assertEquals(3, refused.code(), refused.toString());
        assertEquals(named("r.receipt.json").replace("airlock-import: ", "airlock-export: "), refused.err().trim());
    }

    @Test
    void bundleWithoutCertificates_isRefusedWithTodaysMessage() throws Exception {
        Path bundle = mirrorBundle("o", "--no-report");
        Path old = rewrite(bundle, tmp.resolve("old.airlock.tar"), json -> {
            json.remove("signerCertificates");
            return json;
        }, new BundleSigner(OpenPgpKeys.readSecretKey(mirrorKey), null));
        Airlock.Run refused = Airlock.importer(List.of("verify", old.toString(), "--trust", strangerCert.toString()));
        assertEquals(3, refused.code(), refused.toString());
        assertEquals("airlock-import: airlock/bundle.json is not signed by any trusted key: " + TODAY_HOW + mirrorSubkey + TODAY_TAIL
                + stranger + ". Pass the signer's certificate with --trust only if you trust it", refused.err().trim());
        Airlock.importer(List.of("verify", old.toString(), "--trust", mirrorCert.toString())).ok();
    }

    @Test
    void forgedCertificate_whoseKeyDidNotSign_namesNoOne() throws Exception {
        // Signed by someone else (a third key), carrying Mirror's real certificate as if it were its signer's.
        Airlock.export(List.of("keygen", "--uid", "Forger <forger@airlock.test>", "--key",
                tmp.resolve("forger.key.asc").toString(), "--cert", tmp.resolve("forger.pub.asc").toString())).ok();
        Path bundle = mirrorBundle("f", "--no-report");
        String mirrors = Files.readString(mirrorCert); // Mirror's real certificate, as gpg exported it
        BundleSigner forger = new BundleSigner(OpenPgpKeys.readSecretKey(tmp.resolve("forger.key.asc")), null);
        Path forged = rewrite(bundle, tmp.resolve("forged.airlock.tar"), json -> {
            json.putArray("signerCertificates").add(mirrors);
            return json;
        }, forger);
        Airlock.Run refused = Airlock.importer(List.of("verify", forged.toString(), "--trust", strangerCert.toString()));
        assertEquals(3, refused.code(), refused.toString());
        String forgerSubkey = subkey(tmp.resolve("forger.pub.asc"));
        assertEquals("airlock-import: airlock/bundle.json is not signed by any trusted key: " + TODAY_HOW + forgerSubkey + TODAY_TAIL
                + stranger + ". Pass the signer's certificate with --trust only if you trust it", refused.err().trim());
        assertFalse(refused.err().contains("Mirror") || refused.err().contains(mirrorPrimary), refused.err());
    }

    private static String subkey(Path cert) {
        for (org.bouncycastle.openpgp.PGPPublicKey k : OpenPgpKeys.readCertificates(cert).get(0)) {
            if (!k.isMasterKey()) {
                return java.util.HexFormat.of().withUpperCase().formatHex(k.getFingerprint());
            }
        }
        throw new AssertionError("no subkey in " + cert);
    }

    private static byte[] entry(Path tar, String name) throws Exception {
        try (InputStream in = Files.newInputStream(tar); TarArchiveInputStream t = new TarArchiveInputStream(in)) {
            for (TarArchiveEntry e; (e = t.getNextEntry()) != null;) {
                if (e.getName().equals(name)) {
                    return t.readAllBytes();
                }
            }
        }
        throw new AssertionError(name + " not in " + tar);
    }

    /** {@code bundle} with bundle.json changed by {@code edit} and signed again by {@code signer}; every other entry as it was. */
    private static Path rewrite(Path bundle, Path out, UnaryOperator<ObjectNode> edit, BundleSigner signer) throws Exception {
        ObjectMapper json = new ObjectMapper().enable(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT);
        byte[] manifest = json.writeValueAsBytes(edit.apply((ObjectNode) json.readTree(entry(bundle, "airlock/bundle.json"))));
        byte[] signature = SignatureBlock.sign(manifest, List.of(signer));
        try (InputStream in = Files.newInputStream(bundle); TarArchiveInputStream t = new TarArchiveInputStream(in);
                OutputStream o = Files.newOutputStream(out); TarArchiveOutputStream w = new TarArchiveOutputStream(o)) {
            w.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (TarArchiveEntry e; (e = t.getNextEntry()) != null;) {
                byte[] body = e.getName().equals("airlock/bundle.json") ? manifest
                        : e.getName().equals("airlock/bundle.json.asc") ? signature : t.readAllBytes();
                TarArchiveEntry copy = new TarArchiveEntry(e.getName());
                copy.setSize(body.length);
                w.putArchiveEntry(copy);
                w.write(body);
                w.closeArchiveEntry();
            }
        }
        return out;
    }
}
