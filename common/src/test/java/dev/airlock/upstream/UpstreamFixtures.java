package dev.airlock.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.digest.Digest;
import dev.airlock.oci.RawManifest;
import dev.airlock.testing.Tools;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;

/**
 * Signatures made by something other than airlock, for the verifier's tests: {@code
 * src/test/resources/upstream/cosign_legacy.py} (Debian's python3 with {@code cryptography}: cosign's
 * legacy {@code .sig} images, keyed and keyless, a test Fulcio CA, a Rekor key and their
 * trusted_root.json) and {@code sigstore_sign.js} (sigstore-js's own {@code sigstore attest} against
 * {@code @sigstore/mock}: a cosign-3-style Sigstore bundle and the mock's trusted_root.json). A
 * test whose tool is missing is skipped with the reason, never passed.
 */
final class UpstreamFixtures {
    static final String PYTHON = "/usr/bin/python3";
    /** Where {@code .ci/run} installs sigstore-js; {@code AIRLOCK_TEST_NPM} overrides. */
    static final Path SIGSTORE_NPM = Path.of(System.getenv().getOrDefault("AIRLOCK_TEST_NPM", "/var/cache/airlock-test-npm"));
    private static final ObjectMapper JSON = new ObjectMapper();

    private UpstreamFixtures() {
    }

    /** A cosign {@code .sig} image as the script wrote it: its manifest and the directory of its blobs. */
    record SigImage(RawManifest manifest, Path dir) {
        List<Candidate> candidates() {
            return Candidates.fromCosignManifest(manifest.digest().toString().replace(':', '-') + ".sig", manifest, d -> {
                try {
                    return Files.readAllBytes(dir.resolve("blobs").resolve(d.digest().hex()));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }

    static void assumePython() {
        Assumptions.assumeTrue(Files.isExecutable(Path.of(PYTHON)) && run(List.of(PYTHON, "-c", "import cryptography.x509"), Map.of()).exitCode() == 0,
                "upstream signature fixtures skipped: they need " + PYTHON + " with cryptography (apt-get install python3-cryptography)");
    }

    static void assumeSigstoreJs() {
        Assumptions.assumeTrue(Tools.has("node") && Files.isExecutable(SIGSTORE_NPM.resolve("node_modules/.bin/sigstore")),
                "Sigstore bundle fixtures skipped: they need node and sigstore-js in " + SIGSTORE_NPM + " (see .ci/run: npm install --prefix "
                        + SIGSTORE_NPM + " @sigstore/cli@0.10.3 @sigstore/mock@0.13.0 @sigstore/oci@0.7.2)");
    }

    /** {@code cosign_legacy.py ARGS…}: its JSON answer; an AssertionError with its one line when it fails. */
    static JsonNode legacy(String... args) {
        List<String> cmd = new ArrayList<>(List.of(PYTHON, script("cosign_legacy.py").toString()));
        cmd.addAll(List.of(args));
        return json(run(cmd, Map.of()));
    }

    /** A key pair of {@code type} (ecdsa-p256, ecdsa-p384, ed25519, rsa) in {@code dir}; returns its public key's path. */
    static Path keygen(Path dir, String type) {
        return Path.of(legacy("keygen", dir.toString(), "--type", type).get("publicKey").asText());
    }

    /** {@code cosign_legacy.py sign OUT --digest D ARGS…}; returns the {@code .sig} image. */
    static SigImage sign(Path out, Digest digest, String... args) {
        List<String> all = new ArrayList<>(List.of("sign", out.toString(), "--digest", digest.toString()));
        all.addAll(List.of(args));
        legacy(all.toArray(String[]::new));
        try {
            return new SigImage(RawManifest.of(Files.readAllBytes(out.resolve("manifest.json")), null, out.toString()), out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A Sigstore bundle signing {@code digest} and the mock's trusted root: {@code sigstore_sign.js}'s two files. */
    record Bundle(byte[] json, Path trustedRoot) {
    }

    static Bundle sigstoreBundle(Path work, Digest digest, String... args) {
        assumeSigstoreJs();
        List<String> cmd = new ArrayList<>(List.of("node", script("sigstore_sign.js").toString(), "--bin",
                SIGSTORE_NPM.resolve("node_modules/.bin").toString(), "--digest", digest.toString(), "--work", work.toString()));
        cmd.addAll(List.of(args));
        JsonNode out = json(run(cmd, Map.of("NODE_PATH", SIGSTORE_NPM.resolve("node_modules").toString())));
        try {
            return new Bundle(Files.readAllBytes(Path.of(out.get("bundle").asText())), Path.of(out.get("trustedRoot").asText()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Digest digestOf(String text) {
        return Digest.sha256Of(text.getBytes(StandardCharsets.UTF_8));
    }

    private static JsonNode json(Tools.Result r) {
        if (r.exitCode() != 0) {
            throw new AssertionError("fixture failed: " + r.stderr().strip());
        }
        try {
            return JSON.readTree(r.stdout());
        } catch (IOException e) {
            throw new AssertionError("fixture printed no JSON: " + r.stdout(), e);
        }
    }

    private static Tools.Result run(List<String> cmd, Map<String, String> env) {
        try {
            return Tools.run(cmd, env, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    static Path script(String name) {
        try {
            return Path.of(UpstreamFixtures.class.getResource("/upstream/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
