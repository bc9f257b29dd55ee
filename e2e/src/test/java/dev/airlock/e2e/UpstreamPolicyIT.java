package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.digest.Digest;
import dev.airlock.e2e.AttachmentFixtures.Key;
import dev.airlock.testing.RegistryExtension;
import dev.airlock.testing.RegistryExtension.Registries;
import dev.airlock.testing.TestImages;
import dev.airlock.testing.TestImages.Layer;
import dev.airlock.testing.TestRegistry;
import dev.airlock.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19 end to end: upstream cosign signatures checked against a --verify-policy before
 * anything is written, recorded in bundle.json, shown, and checked again on the offline side.
 * Signatures are made by Python's cryptography (keyed, and keyless through a test Fulcio CA and
 * Rekor key written into a test trusted_root.json: common's test resources), never by airlock.
 */
@ExtendWith(RegistryExtension.class)
class UpstreamPolicyIT {
    private static final Path LEGACY = Path.of("..", "common", "src", "test", "resources", "upstream", "cosign_legacy.py")
            .toAbsolutePath().normalize();
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private ChainFixture c;
    private Key key;

    @BeforeEach
    void seed(Registries r) throws Exception {
        AttachmentFixtures.assumeAvailable();
        c = new ChainFixture(r.plain(), r.plain(), tmp);
        key = AttachmentFixtures.keygen(tmp.resolve("cosign"));
    }

    private Digest image(String repo) {
        return image(repo, "1");
    }

    private Digest image(String repo, String tag) {
        TestImages.Image i = TestImages.image(true, "amd64", null, ChainFixture.BASE, Layer.random((repo + tag).hashCode(), 30_000));
        c.put(repo, tag, i);
        return i.manifest().digest();
    }

    private Path policy(String name, String yaml) throws Exception {
        Path p = tmp.resolve(name);
        Files.writeString(p, yaml);
        return p;
    }

    private Path keyedPolicy() throws Exception {
        return policy("keyed.yaml", "rules:\n  - match: " + c.source.host() + "/app/**\n    keys: [" + key.publicPem() + "]\n");
    }

    private static JsonNode python(List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(AttachmentFixtures.PYTHON, LEGACY.toString()));
        cmd.addAll(args);
        Tools.Result r = Tools.run(cmd, Map.of("PYTHONDONTWRITEBYTECODE", "1"), null);
        assertEquals(0, r.exitCode(), r.stderr());
        return JSON.readTree(r.stdout());
    }

    /** A keyless cosign signature for {@code digest}, made through the CA in {@code ca}, pushed at its .sig tag. */
    private void signKeyless(TestRegistry r, String repo, Digest digest, Path ca, String identity) throws Exception {
        Path out = Files.createTempDirectory(tmp, "sig");
        JsonNode made = python(List.of("sign", out.toString(), "--digest", digest.toString(), "--ca", ca.toString(), "--identity", identity,
                "--issuer", "https://issuer.example"));
        try (var blobs = Files.list(out.resolve("blobs"))) {
            for (Path b : blobs.toList()) {
                AttachmentFixtures.pushBlob(r, repo, Files.readAllBytes(b));
            }
        }
        AttachmentFixtures.pushManifest(r, repo, made.get("tag").asText(), Files.readAllBytes(out.resolve("manifest.json")),
                "application/vnd.oci.image.manifest.v1+json");
    }

    @Test
    void keyed_aSignedImageCrosses_recordedAndShown_andTheOfflineSideChecksItAgain() throws Exception {
        Digest a = image("app/a");
        AttachmentFixtures.signCosign(c.source, "app/a", a, key);
        Path bundle = c.export("--verify-policy", keyedPolicy().toString());
        String report = Files.readString(bundle.resolveSibling(bundle.getFileName().toString().replace(".tar", ".report.md")));
        assertTrue(report.contains("## Upstream signatures") && report.contains("cosign key "), report);

        Airlock.Run list = Airlock.importer(List.of("list", bundle.toString(), "--trust", c.exporterKey[1].toString())).ok();
        assertTrue(list.out().contains("upstream  cosign key ") && list.out().contains("(rule " + c.source.host() + "/app/**)"), list.out());
        Airlock.Run imported = c.importInto(bundle, c.target, tmp.resolve("state"), "--verify-policy", keyedPolicy().toString()).ok();
        assertTrue(imported.out().contains("upstream cosign key "), imported.out());
        c.assertAllIdentical();
    }

    @Test
    void keyed_unsignedOrSignedForAnotherDigest_areRefusedTogether_exit3_andNothingIsWritten() throws Exception {
        Digest a = image("app/a");
        Digest b = image("app/a", "2");
        image("app/c");
        AttachmentFixtures.signCosign(c.source, "app/a", a, key);
        // a's signature moved next to b (same repository), under b's cosign tag
        Map<String, Digest> aTags = AttachmentFixtures.attachedTagDigests(c.source, "app/a", a);
        byte[] moved = c.source.client().repository(c.source.host(), "app/a").getManifest(aTags.get("sha256-" + a.hex() + ".sig").toString())
                .bytes();
        AttachmentFixtures.pushManifest(c.source, "app/a", "sha256-" + b.hex() + ".sig", moved, "application/vnd.oci.image.manifest.v1+json");

        Airlock.Run r = Airlock.export(c.exportArgs("bundle", "--verify-policy", keyedPolicy().toString()));
        assertEquals(3, r.code(), r.toString());
        assertTrue(r.err().contains("refuses 2 of 3 images") && r.err().contains("app/a:2") && r.err().contains("app/c:1")
                && !r.err().contains("app/a:1:"), r.err());
        assertTrue(r.err().contains("no signature"), r.err());
        assertTrue(r.err().lines().count() == 1, r.err());
        assertFalse(Files.exists(c.dir.resolve("out")) && Files.list(c.dir.resolve("out")).findAny().isPresent(), "nothing written");
    }

    @Test
    void keyless_anIdentityTheRuleNames_crosses_anotherIdentityOrAnotherCa_isRefusedNamingWhich() throws Exception {
        Digest a = image("app/a");
        Path ca = tmp.resolve("ca");
        python(List.of("ca", ca.toString()));
        signKeyless(c.source, "app/a", a, ca, "https://ci.example/app/.ci.yml@refs/heads/main");
        String rules = "trustedRoot: " + ca.resolve("trusted_root.json") + "\nrules:\n  - match: \"**\"\n    keyless:\n"
                + "      issuer: https://issuer.example\n      identity: ";
        Path good = policy("good.yaml", rules + "https://ci.example/app/.ci.yml@refs/heads/main\n");
        Path wrong = policy("wrong.yaml", rules + "https://ci.example/other/.ci.yml@refs/heads/main\n");

        Airlock.Run refused = Airlock.export(c.exportArgs("plan", "--verify-policy", wrong.toString()));
        assertEquals(3, refused.code(), refused.toString());
        assertTrue(refused.err().contains("identity"), refused.err());

        Path other = tmp.resolve("other-ca");
        python(List.of("ca", other.toString(), "--name", "other"));
        Path otherRoot = policy("other.yaml", "trustedRoot: " + other.resolve("trusted_root.json") + "\nrules:\n  - match: \"**\"\n"
                + "    keyless:\n      issuer: https://issuer.example\n      identity: https://ci.example/app/.ci.yml@refs/heads/main\n");
        Airlock.Run otherCa = Airlock.export(c.exportArgs("plan", "--verify-policy", otherRoot.toString()));
        assertEquals(3, otherCa.code(), otherCa.toString());

        Path bundle = c.export("--verify-policy", good.toString());
        Airlock.Run list = Airlock.importer(List.of("list", bundle.toString(), "--trust", c.exporterKey[1].toString())).ok();
        assertTrue(list.out().contains("cosign keyless https://issuer.example https://ci.example/app/.ci.yml@refs/heads/main (Rekor "),
                list.out());
    }

    /**
     * A workflow identity, as Fulcio writes it for CI (a URI SAN). The mock CA writes whatever it is
     * given as a URI SAN, so an e-mail address would make a certificate no X.509 reader accepts.
     */
    private static final String IDENTITY = "https://ci.example/app/.ci.yml@refs/heads/main";

    /** cosign 3's default: a Sigstore bundle referrer, signed by sigstore-js against @sigstore/mock's Fulcio, CT log and Rekor. */
    @Test
    void keyless_aSigstoreBundleFromAMockFulcioAndRekor_crosses_aWrongIssuerIsRefusedNamingIt() throws Exception {
        AttachmentFixtures.assumeSigstoreJs();
        Digest a = image("app/a");
        Path work = Files.createDirectories(tmp.resolve("sigstore"));
        Path npm = AttachmentFixtures.SIGSTORE_NPM.resolve("node_modules");
        Path script = LEGACY.resolveSibling("sigstore_sign.js");
        Tools.Result signed = Tools.run(List.of("node", script.toString(), "--bin", npm.resolve(".bin").toString(), "--digest", a.toString(),
                "--work", work.toString(), "--registry", c.source.host(), "--repo", "app/a", "--subject", IDENTITY), Map.of("NODE_PATH",
                npm.toString()), null);
        assertEquals(0, signed.exitCode(), signed.stderr());
        String rules = "trustedRoot: " + work.resolve("trusted_root.json") + "\nrules:\n  - match: \"**\"\n    keyless:\n      issuer: ";
        Path good = policy("mock.yaml", rules + "https://fake.oidcissuer.com\n      identity: " + IDENTITY + "\n");
        Path wrong = policy("mock-wrong.yaml", rules + "https://accounts.example\n      identity: " + IDENTITY + "\n");

        Airlock.Run refused = Airlock.export(c.exportArgs("plan", "--verify-policy", wrong.toString()));
        assertEquals(3, refused.code(), refused.toString());
        assertTrue(refused.err().contains("issuer"), refused.err());
        Path bundle = c.export("--verify-policy", good.toString());
        Airlock.Run list = Airlock.importer(List.of("list", bundle.toString(), "--trust", c.exporterKey[1].toString())).ok();
        assertTrue(list.out().contains("cosign keyless https://fake.oidcissuer.com " + IDENTITY + " (Rekor "), list.out());
        c.importInto(bundle, c.target, tmp.resolve("state"), "--verify-policy", good.toString()).ok();
    }

    @Test
    void offline_aPolicyTheCarriedSignaturesDoNotSatisfy_refusesTheBundle_beforeAnyPush() throws Exception {
        Digest a = image("app/a");
        AttachmentFixtures.signCosign(c.source, "app/a", a, key);
        Path bundle = c.export();
        Key other = AttachmentFixtures.keygen(tmp.resolve("other"));
        Path otherPolicy = policy("other.yaml", "rules:\n  - match: \"**\"\n    keys: [" + other.publicPem() + "]\n");

        Airlock.Run r = c.importInto(bundle, c.target, tmp.resolve("state"), "--verify-policy", otherPolicy.toString());
        assertEquals(3, r.code(), r.toString());
        assertTrue(r.err().contains("nothing was pushed"), r.err());
        assertEquals("{\"repositories\":[]}", Fixture.get(c.target, "/v2/_catalog").trim());
    }
}
