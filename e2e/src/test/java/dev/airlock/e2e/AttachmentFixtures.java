package dev.airlock.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.digest.Digest;
import dev.airlock.testing.TestRegistry;
import dev.airlock.testing.Tools;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;

/**
 * What hangs off an image, made the way cosign and oras write it and checked the way a client that
 * knows only the conventions finds it, by Python scripts in {@code src/test/resources/attachments}
 * that share no code with airlock (the "independent producers" rule: airlock reads these formats,
 * so its tests must not make them with airlock's own writer, nor check them with its reader).
 *
 * <p>Producers push to a {@link TestRegistry} with their own HTTP client ({@code registry.py}) and
 * return the digest of what they pushed. Checkers ({@code check.py}) read a registry — the import
 * target — and either pass or fail with the checker's one line in the {@link AssertionError}.
 * Each call runs Debian's {@code /usr/bin/python3} (with python3-cryptography) once, bounded by
 * {@link Tools#run}'s timeout; without it the calling test is skipped with a message, never passed.
 *
 * <p>Shapes (tags are in the image's repository; HEX is the subject's sha256):
 * <ul>
 * <li>{@code sha256-HEX.sig}: OCI manifest, config {@value #OCI_CONFIG} (go-containerregistry's
 * zero-time config), one layer {@value #SIMPLE_SIGNING} per signature with the base64 DER ECDSA
 * P-256 signature in annotation {@value #SIGNATURE_ANNOTATION}; a second signature appends a layer.
 * <li>{@code sha256-HEX.att}: same, layers {@value #DSSE_ENVELOPE} (in-toto statement, signed DSSE),
 * annotations {@code predicateType} and an empty signature annotation.
 * <li>{@code sha256-HEX.sbom}: same config, one layer {@value #SPDX_COSIGN}, no annotations.
 * <li>referrers: manifests with {@code subject} pushed by digest, listed in the OCI index at tag
 * {@code sha256-HEX} (the referrers tag schema) with their {@code artifactType} and annotations.
 * <li>Sigstore bundle referrer: made by sigstore-js itself ({@code sigstore attest} against
 * {@code @sigstore/mock} on loopback, {@code @sigstore/oci} attaching it), artifactType {@value #SIGSTORE_BUNDLE}.
 * </ul>
 */
final class AttachmentFixtures {
    static final String PYTHON = "/usr/bin/python3";
    static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
    static final String OCI_EMPTY = "application/vnd.oci.empty.v1+json";
    static final String SIMPLE_SIGNING = "application/vnd.dev.cosign.simplesigning.v1+json";
    static final String DSSE_ENVELOPE = "application/vnd.dsse.envelope.v1+json";
    static final String SPDX_COSIGN = "text/spdx+json";
    static final String SPDX_OCI = "application/spdx+json";
    static final String COSIGN_SIG_ARTIFACT = "application/vnd.dev.cosign.artifact.sig.v1+json";
    static final String TRIVY_CONFIG = "application/vnd.aquasec.trivy.config.v1+json";
    static final String TRIVY_LAYER = "application/vnd.aquasec.trivy.db.layer.v1.tar+gzip";
    static final String SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature";
    static final String SLSA_PROVENANCE_V1 = "https://slsa.dev/provenance/v1";
    static final String SIGSTORE_BUNDLE = "application/vnd.dev.sigstore.bundle.v0.3+json";
    /** Where {@code .ci/run} installs sigstore-js (@sigstore/cli, /mock, /oci); {@code AIRLOCK_TEST_NPM} overrides. */
    static final Path SIGSTORE_NPM = Path.of(System.getenv().getOrDefault("AIRLOCK_TEST_NPM", "/var/cache/airlock-test-npm"));

    private static final ObjectMapper JSON = new ObjectMapper();
    private static volatile String unavailable;

    private AttachmentFixtures() {
    }

    /** A cosign-style key pair: PKCS#8 PEM private key and the PEM public key {@code cosign verify --key} takes. */
    record Key(Path privatePem, Path publicPem) {
    }

    /** One signature tag written: the manifest it signs, the tag, the signature manifest's digest. */
    record Signed(Digest subject, String tag, Digest digest) {
    }

    /** One entry of a referrers tag schema index, as a convention-only client reads it. */
    record Referrer(Digest digest, String artifactType) {
    }

    /** Skips the calling test, with the reason, unless Debian's python3 with {@code cryptography} is there. */
    static void assumeAvailable() {
        if (unavailable == null) {
            unavailable = probe();
        }
        Assumptions.assumeTrue(unavailable.isEmpty(), unavailable);
    }

    private static String probe() {
        if (!Files.isExecutable(Path.of(PYTHON))) {
            return "attachment fixtures skipped: they need " + PYTHON + " (apt-get install python3 python3-cryptography)";
        }
        try {
            Tools.Result r = Tools.run(PYTHON, "-c", "import cryptography.hazmat.primitives.asymmetric.ec");
            return r.exitCode() == 0 ? "" : "attachment fixtures skipped: " + PYTHON
                    + " has no cryptography module (apt-get install python3-cryptography): " + r.stderr().strip();
        } catch (IOException e) {
            return "attachment fixtures skipped: " + PYTHON + " does not run: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "attachment fixtures skipped: interrupted";
        }
    }

    // -- producers ----------------------------------------------------------------------------

    /** A new ECDSA P-256 key pair in {@code dir} ({@code cosign.key}, {@code cosign.pub}). */
    static Key keygen(Path dir) {
        JsonNode out = produce(List.of("keygen", dir.toString()));
        return new Key(Path.of(out.get("privateKey").asText()), Path.of(out.get("publicKey").asText()));
    }

    /** Pushes {@code bytes} as a blob of {@code repo} (POST + monolithic PUT); returns its digest. */
    static Digest pushBlob(TestRegistry r, String repo, byte[] bytes) {
        Path f = temp(bytes);
        try {
            return digest(produce(withRegistry(r, repo, "push-blob", f.toString())));
        } finally {
            f.toFile().delete();
        }
    }

    /** PUTs exactly {@code bytes} as a manifest under {@code reference} (a tag or a digest); returns their digest. */
    static Digest pushManifest(TestRegistry r, String repo, String reference, byte[] bytes, String mediaType) {
        Path f = temp(bytes);
        try {
            List<String> args = withRegistry(r, repo, "push-manifest", f.toString(), reference);
            args.addAll(List.of("--media-type", mediaType));
            return digest(produce(args));
        } finally {
            f.toFile().delete();
        }
    }

    /** {@code cosign sign --key}: a signature at {@code sha256-HEX.sig} (appended if one is there); returns that manifest's digest. */
    static Digest signCosign(TestRegistry r, String repo, Digest digest, Key key) {
        return signed(produce(keyed(r, repo, "sign", digest, key))).get(0).digest();
    }

    /** Signs an index and each of its children, each at its own {@code .sig} tag; index first. */
    static List<Signed> signCosignRecursive(TestRegistry r, String repo, Digest index, Key key) {
        List<String> args = keyed(r, repo, "sign", index, key);
        args.add("--recursive");
        return signed(produce(args));
    }

    /** {@code cosign attest --type slsaprovenance1}-style: a DSSE attestation at {@code sha256-HEX.att}; returns its digest. */
    static Digest attest(TestRegistry r, String repo, Digest digest, Key key, String predicateType) {
        List<String> args = keyed(r, repo, "attest", digest, key);
        args.addAll(List.of("--predicate-type", predicateType));
        return digest(produce(args));
    }

    /** {@code cosign attach sbom --type spdxjson}: an SPDX document at {@code sha256-HEX.sbom}; returns its digest. */
    static Digest attachSbomTag(TestRegistry r, String repo, Digest digest, String name) {
        return digest(produce(withRegistry(r, repo, "sbom-tag", digest.toString(), "--name", name)));
    }

    /**
     * {@code oras attach --artifact-type application/spdx+json} on a registry without the referrers
     * API: the SBOM manifest by digest and the index at {@code sha256-HEX} updated; returns the SBOM's digest.
     */
    static Digest sbomReferrer(TestRegistry r, String repo, Digest subject, String name) {
        return digest(produce(withRegistry(r, repo, "sbom-referrer", subject.toString(), "--name", name)));
    }

    /** cosign's OCI 1.1 signature ({@value #COSIGN_SIG_ARTIFACT}) on {@code subject}, listed at {@code sha256-HEX}; returns its digest. */
    static Digest signatureReferrer(TestRegistry r, String repo, Digest subject, Key key) {
        return digest(produce(keyed(r, repo, "sig-referrer", subject, key)));
    }

    /** A Trivy database artifact (config {@value #TRIVY_CONFIG}, layer {@value #TRIVY_LAYER}) at {@code tag}; returns its digest. */
    static Digest trivyArtifact(TestRegistry r, String repo, String tag) {
        return digest(produce(withRegistry(r, repo, "trivy", tag)));
    }

    /** Skips the calling test, with the reason, unless node and sigstore-js are installed where {@code .ci/run} puts them. */
    static void assumeSigstoreJs() {
        assumeAvailable();
        Assumptions.assumeTrue(Tools.has("node") && Files.isExecutable(SIGSTORE_NPM.resolve("node_modules/.bin/sigstore")),
                "Sigstore bundle fixtures skipped: they need node and sigstore-js in " + SIGSTORE_NPM + " (see .ci/run: npm install --prefix "
                        + SIGSTORE_NPM + " @sigstore/cli@0.10.3 @sigstore/mock@0.13.0 @sigstore/oci@0.7.2)");
    }

    /**
     * A Sigstore bundle (DSSE, in-toto SLSA provenance naming {@code subject}) signed offline by
     * {@code sigstore attest} with a mock Fulcio and Rekor, attached as a referrer of {@code subject}
     * by {@code @sigstore/oci} (which writes the referrers tag schema index); returns its digest.
     * Plain registries only: {@code @sigstore/oci} speaks plain HTTP to 127.0.0.1 and cannot sign
     * in to a registry that asks for no credentials (see sigstore_bundle.js).
     */
    static Digest sigstoreBundleReferrer(TestRegistry r, String repo, Digest subject, Path work) {
        assumeSigstoreJs();
        if (r.tls()) {
            throw new IllegalArgumentException("sigstore-js's @sigstore/oci reaches 127.0.0.1 over plain HTTP only: use a plain registry");
        }
        List<String> cmd = List.of("node", script("sigstore_bundle.js").toString(), "--bin", SIGSTORE_NPM.resolve("node_modules/.bin").toString(),
                "--registry", r.host(), "--repo", repo, "--digest", subject.toString(), "--work", work.toString());
        Tools.Result res = run(cmd, Map.of("NODE_PATH", SIGSTORE_NPM.resolve("node_modules").toString()));
        if (res.exitCode() != 0) {
            throw new AssertionError("Sigstore bundle fixture failed: " + res.stderr().strip());
        }
        try {
            return digest(JSON.readTree(res.stdout()));
        } catch (IOException e) {
            throw new AssertionError("Sigstore bundle fixture printed no JSON: " + res.stdout(), e);
        }
    }

    // -- checkers -----------------------------------------------------------------------------

    /** {@code cosign verify --key}: every signature at {@code sha256-HEX.sig} verifies and names {@code digest}; else AssertionError. */
    static void verifyCosign(TestRegistry r, String repo, Digest digest, Path publicKey) {
        ok(check(r, repo, "cosign-verify", digest, "--key", publicKey.toString()));
    }

    /** {@code cosign verify-attestation --key}: every envelope at {@code sha256-HEX.att} verifies and names {@code digest}. */
    static void verifyAttestation(TestRegistry r, String repo, Digest digest, Path publicKey) {
        ok(check(r, repo, "cosign-verify", digest, "--key", publicKey.toString(), "--type", "att"));
    }

    /** cosign's OCI 1.1 signatures on {@code digest} (referrers of {@value #COSIGN_SIG_ARTIFACT}) verify with {@code publicKey}. */
    static void verifySignatureReferrers(TestRegistry r, String repo, Digest digest, Path publicKey) {
        ok(check(r, repo, "cosign-verify", digest, "--key", publicKey.toString(), "--type", "referrer"));
    }

    /**
     * Every Sigstore bundle referrer of {@code digest}: its DSSE envelope verifies with its leaf
     * certificate's key and names {@code digest} (the chain to a root is not checked: a mock CA).
     */
    static void verifySigstoreBundles(TestRegistry r, String repo, Digest digest) {
        ok(check(r, repo, "sigstore-verify", digest));
    }

    /** The referrers listed at tag {@code sha256-HEX}, each checked present, intact and naming {@code subject}. */
    static List<Referrer> referrers(TestRegistry r, String repo, Digest subject) {
        List<Referrer> out = new ArrayList<>();
        for (String line : ok(check(r, repo, "find-referrers", subject)).stdout().split("\n")) {
            if (!line.isBlank()) {
                String[] parts = line.strip().split(" ", 2);
                out.add(new Referrer(Digest.parse(parts[0]), parts[1]));
            }
        }
        return out;
    }

    /** Which of {@code sha256-HEX.sig/.att/.sbom} exist (tag names), each checked intact. */
    static List<String> attachedTags(TestRegistry r, String repo, Digest digest) {
        return List.copyOf(attachedTagDigests(r, repo, digest).keySet());
    }

    /** Each of {@code sha256-HEX.sig/.att/.sbom} that exists, with the digest of the manifest it names (in that order). */
    static Map<String, Digest> attachedTagDigests(TestRegistry r, String repo, Digest digest) {
        Map<String, Digest> out = new java.util.LinkedHashMap<>();
        ok(check(r, repo, "find-tags", digest)).stdout().lines().filter(l -> !l.isBlank())
                .map(l -> l.strip().split(" ", 2)).forEach(p -> out.put(p[0], Digest.parse(p[1])));
        return out;
    }

    /** Runs a checker as is, for tests that expect it to fail: cosign-verify, find-referrers, sigstore-verify or find-tags. */
    static Tools.Result check(TestRegistry r, String repo, String command, Digest digest, String... extra) {
        List<String> args = withRegistry(r, repo, command, digest.toString());
        args.addAll(List.of(extra));
        return python("check.py", args);
    }

    // -- plumbing -----------------------------------------------------------------------------

    private static Tools.Result ok(Tools.Result res) {
        if (res.exitCode() != 0) {
            throw new AssertionError("attachment check failed: " + res.stderr().strip());
        }
        return res;
    }

    private static List<String> keyed(TestRegistry r, String repo, String command, Digest digest, Key key) {
        return withRegistry(r, repo, command, digest.toString(), "--key", key.privatePem().toString());
    }

    private static List<String> withRegistry(TestRegistry r, String repo, String command, String... rest) {
        List<String> args = new ArrayList<>(List.of(command, "--registry", r.host(), "--repo", repo));
        if (r.tls()) {
            args.addAll(List.of("--ca-file", r.caFile().toString(), "--user", TestRegistry.USER, "--password", TestRegistry.PASSWORD));
        }
        args.addAll(List.of(rest));
        return args;
    }

    private static JsonNode produce(List<String> args) {
        Tools.Result res = python("produce.py", args);
        if (res.exitCode() != 0) {
            throw new AssertionError("attachment fixture " + args.get(0) + " failed: " + res.stderr().strip());
        }
        try {
            return JSON.readTree(res.stdout());
        } catch (IOException e) {
            throw new AssertionError("attachment fixture " + args.get(0) + " printed no JSON: " + res.stdout(), e);
        }
    }

    private static Tools.Result python(String script, List<String> args) {
        assumeAvailable();
        List<String> cmd = new ArrayList<>(List.of(PYTHON, script(script).toString()));
        cmd.addAll(args);
        return run(cmd, Map.of("PYTHONDONTWRITEBYTECODE", "1"));
    }

    /** Runs a fixture process; {@link Tools#run} bounds the wait (and kills it past the bound). */
    private static Tools.Result run(List<String> cmd, Map<String, String> env) {
        try {
            return Tools.run(cmd, env, null);
        } catch (IOException e) {
            throw new AssertionError("cannot run " + cmd, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted running " + cmd, e);
        }
    }

    private static Path script(String name) {
        URL url = AttachmentFixtures.class.getResource("/attachments/" + name);
        if (url == null || !"file".equals(url.getProtocol())) {
            throw new IllegalStateException("attachments/" + name + " is not a file on the test class path: " + url);
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Digest digest(JsonNode out) {
        return Digest.parse(out.get("digest").asText());
    }

    private static List<Signed> signed(JsonNode out) {
        List<Signed> list = new ArrayList<>();
        for (JsonNode s : out.get("signed")) {
            list.add(new Signed(Digest.parse(s.get("subject").asText()), s.get("tag").asText(), Digest.parse(s.get("digest").asText())));
        }
        return list;
    }

    private static Path temp(byte[] bytes) {
        try {
            Path f = Files.createTempFile("attachment-fixture", ".bin");
            Files.write(f, bytes);
            return f;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
