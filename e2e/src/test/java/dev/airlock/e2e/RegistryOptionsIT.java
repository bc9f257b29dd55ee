package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.testing.RegistryExtension;
import dev.airlock.testing.RegistryExtension.Registries;
import dev.airlock.testing.TestImages;
import dev.airlock.testing.TestImages.Image;
import dev.airlock.testing.TestImages.Layer;
import dev.airlock.testing.TestRegistry;
import dev.airlock.testing.Tools;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * skopeo's and docker's habits on both programs, against a real docker-registry over HTTPS with a
 * private CA and htpasswd basic auth: --tls-verify=false, --insecure-skip-tls-verify HOST,
 * --cert-dir, --creds, --creds-file, login + --authfile (read back by skopeo), docker:// accepted,
 * URLs and other transports refused, --plain-http against HTTPS explained.
 */
@ExtendWith(RegistryExtension.class)
class RegistryOptionsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static TestRegistry tls;
    private static Image image;

    @TempDir
    Path tmp;

    @BeforeAll
    static void registry(Registries registries) throws Exception {
        tls = registries.tls();
        image = TestImages.image(true, "amd64", null, Layer.random(91, 2000), Layer.random(92, 50_000));
        TestImages.push(tls.client(), tls.host(), "app/web", "1.0", image);
    }

    private static Path caDir() {
        return tls.caFile().getParent();
    }

    /** {@code plan} of the test image with {@code flags}: it reads the manifests (TLS, login) and writes nothing. */
    private Airlock.Run planOf(String imageRef, String... flags) {
        List<String> args = new ArrayList<>(List.of("plan", "--image", imageRef, "--channel", "c", "--state", tmp.resolve("state").toString()));
        args.addAll(List.of(flags));
        return Airlock.export(args);
    }

    private Airlock.Run plan(String... flags) {
        return planOf(tls.host() + "/app/web:1.0", flags);
    }

    private static String creds() {
        return TestRegistry.USER + ":" + TestRegistry.PASSWORD;
    }

    private Path credsFile() throws Exception {
        Path f = tmp.resolve("creds");
        Files.writeString(f, creds() + "\n");
        return f;
    }

    private static Airlock.Run login(boolean export, String stdin, String... args) {
        InputStream saved = System.in;
        System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
        try {
            List<String> all = new ArrayList<>(List.of("login"));
            all.addAll(List.of(args));
            return export ? Airlock.export(all) : Airlock.importer(all);
        } finally {
            System.setIn(saved);
        }
    }

    private static void assertOneLine(Airlock.Run r) {
        assertEquals(1, r.err().lines().filter(l -> !l.contains("warning:")).count(), "one line: " + r.err());
    }

    @Test
    void untrustedCertificate_saysEveryWayOut_exit2() {
        Airlock.Run r = plan();
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("trust its CA with --cert-dir DIR (*.crt) or --ca-file PEM, or skip the check with"
                + " --insecure-skip-tls-verify " + tls.host() + " (--tls-verify=false for every registry)"), r.err());
        assertOneLine(r);
    }

    @Test
    void tlsVerifyFalse_reachesTheRegistry_andCredsWithAPasswordIsWarnedAbout() {
        Airlock.Run r = plan("--tls-verify=false", "--creds", creds()).ok();
        assertTrue(r.out().contains("app/web:1.0"), r.out());
        assertTrue(r.err().contains("airlock-export: warning: a password given with --creds can be read by other users of this machine"
                + " (ps, /proc/PID/cmdline); use --creds-file FILE or 'login' instead"), r.err());
        // --tls-verify alone (true) is the default: the certificate is checked again.
        assertEquals(2, plan("--tls-verify", "--creds", creds()).code());
    }

    @Test
    void tlsVerifyFalse_speaksPlainHttpToARegistryWithoutTls_asSkopeoDoes(Registries registries) throws Exception {
        TestRegistry plain = registries.plain();
        TestImages.push(plain.client(), plain.host(), "app/web", "1.0", image);
        Airlock.Run r = planOf(plain.host() + "/app/web:1.0", "--tls-verify=false").ok();
        assertTrue(r.out().contains("app/web:1.0"), r.out());
    }

    @Test
    void insecureSkipTlsVerify_isPerHost() throws Exception {
        plan("--insecure-skip-tls-verify", tls.host(), "--creds-file", credsFile().toString()).ok();
        Airlock.Run other = plan("--insecure-skip-tls-verify", "127.0.0.1:1", "--creds-file", credsFile().toString());
        assertEquals(2, other.code(), "another host skipped leaves this one checked: " + other);
        assertTrue(other.err().contains("TLS with " + tls.host() + " failed"), other.err());
    }

    @Test
    void certDir_trustsItsCrtFiles_andAnEmptyOneIsRefused() throws Exception {
        plan("--cert-dir", caDir().toString(), "--creds-file", credsFile().toString()).ok();
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Airlock.Run r = plan("--cert-dir", empty.toString(), "--creds-file", credsFile().toString());
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("--cert-dir " + empty + " holds no *.crt file (CA certificates in PEM form, as in containers'"
                + " certs.d; client certificates *.cert/*.key are not used)"), r.err());
    }

    @Test
    void plainHttpAgainstHttps_isAConfigurationError_notATransientOne() {
        for (String flag : List.of("--plain-http", "--insecure-registry")) {
            long start = System.nanoTime();
            Airlock.Run r = plan(flag, tls.host(), "--creds", creds());
            assertEquals(2, r.code(), flag + ": " + r);
            assertTrue(r.err().contains(tls.host() + " speaks HTTPS, but --plain-http (or the config key plainHttp) names it: drop that;"
                    + " if its certificate is not from a CA this machine trusts, give that CA with --cert-dir DIR (or --ca-file PEM),"
                    + " or skip the check with --insecure-skip-tls-verify " + tls.host()), r.err());
            assertFalse(r.err().contains("HTTP 400"), r.err());
            assertTrue(System.nanoTime() - start < 5_000_000_000L, "not retried");
        }
    }

    @Test
    void aUrlWhereHostPortIsExpected_isRefused() {
        Airlock.Run r = plan("--plain-http", "http://" + tls.host());
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("--plain-http http://" + tls.host() + ": give HOST[:PORT] without http://, e.g. --plain-http "
                + tls.host()), r.err());
        Airlock.Run skip = plan("--insecure-skip-tls-verify", "https://" + tls.host() + "/v2/");
        assertEquals(2, skip.code(), skip.toString());
        assertTrue(skip.err().contains("give HOST[:PORT] without https://, e.g. --insecure-skip-tls-verify " + tls.host()), skip.err());
        Airlock.Run ref = planOf("http://" + tls.host() + "/app/web:1.0", "--tls-verify=false");
        assertEquals(2, ref.code(), ref.toString());
        assertTrue(ref.err().contains("image reference 'http://" + tls.host() + "/app/web:1.0' is a URL: write HOST[:PORT]/PATH:TAG"
                + " without http:// or https:// (a registry without TLS is named with --plain-http HOST:PORT)"), ref.err());
    }

    @Test
    void dockerPrefix_isAccepted_otherTransportsAreRefusedAtOnce() throws Exception {
        Airlock.Run r = planOf("docker://" + tls.host() + "/app/web:1.0", "--cert-dir", caDir().toString(), "--creds-file",
                credsFile().toString()).ok();
        assertTrue(r.out().contains(tls.host() + "/app/web:1.0"), r.out());
        for (String ref : List.of("docker-archive:/tmp/app.tar", "oci:/tmp/layout:app", "oci-archive:/tmp/app.tar")) {
            long start = System.nanoTime();
            Airlock.Run refused = planOf(ref, "--retries", "5");
            assertEquals(2, refused.code(), ref + ": " + refused);
            String transport = ref.substring(0, ref.indexOf(':'));
            assertTrue(refused.err().contains("image reference '" + ref + "': the " + transport + " transport is not supported here"),
                    refused.err());
            assertTrue(System.nanoTime() - start < 3_000_000_000L, "refused at once, not retried");
        }
        Airlock.Run archive = planOf("docker-archive:/tmp/app.tar");
        assertTrue(archive.err().contains("use --from-docker-archive FILE for a 'docker save' archive"), archive.err());
        Airlock.Run hubName = planOf("oci:1.0");
        assertTrue(hubName.err().contains("(for the Docker Hub image of that name write docker.io/library/oci:1.0)"), hubName.err());
    }

    @Test
    void credsAreOnlyForOneRegistry_andRetryTimesIsSkopeos() {
        Airlock.Run two = Airlock.export(List.of("plan", "--image", tls.host() + "/app/web:1.0", "--image", "127.0.0.1:1/x:1",
                "--channel", "c", "--state", tmp.resolve("s").toString(), "--creds", creds()));
        assertEquals(2, two.code(), two.toString());
        assertTrue(two.err().contains("--creds gives one account, but this command talks to 2 registries (127.0.0.1:1, " + tls.host()
                + "): log in to each with 'login HOST' (or give an --authfile) instead"), two.err());
        Airlock.Run both = plan("--retry-times", "2", "--retries", "3", "--tls-verify=false");
        assertEquals(2, both.code(), both.toString());
        assertTrue(both.err().contains("--retries and --retry-times say the same thing; give one (--retry-times N is --retries N+1)"),
                both.err());
        Airlock.Run negative = plan("--retry-times", "-1");
        assertEquals(2, negative.code(), negative.toString());
        assertTrue(negative.err().contains("--retry-times -1: give 0 or more"), negative.err());
    }

    @Test
    void noAccount_saysHowToLogIn() throws Exception {
        Path empty = Files.writeString(tmp.resolve("empty.json"), "{}");
        Airlock.Run r = plan("--cert-dir", caDir().toString(), "--authfile", empty.toString());
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains(tls.host() + " requires a login for manifest " + tls.host() + "/app/web:1.0; log in first ('login "
                + tls.host() + "'), or give --creds USER, --creds-file FILE or --authfile FILE"), r.err());
    }

    @Test
    void login_writesAnAuthFileThatAirlockAndSkopeoRead_logoutRemovesIt() throws Exception {
        Path auth = tmp.resolve("run").resolve("containers").resolve("auth.json");
        Airlock.Run wrong = login(true, "not-the-password\n", tls.host(), "--username", TestRegistry.USER, "--password-stdin",
                "--authfile", auth.toString(), "--cert-dir", caDir().toString());
        assertEquals(2, wrong.code(), wrong.toString());
        assertTrue(wrong.err().contains(tls.host() + " refused the registry API (GET /v2/) (HTTP 401)"), wrong.err());
        assertFalse(Files.exists(auth), "nothing stored for a refused account");

        Airlock.Run ok = login(true, TestRegistry.PASSWORD + "\n", tls.host(), "--username", TestRegistry.USER, "--password-stdin",
                "--authfile", auth.toString(), "--cert-dir", caDir().toString()).ok();
        assertEquals("Login Succeeded: " + tls.host() + " as " + TestRegistry.USER + ", stored in " + auth, ok.out().trim());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(auth)));
        JsonNode stored = JSON.readTree(auth.toFile());
        assertEquals(Base64.getEncoder().encodeToString(creds().getBytes(StandardCharsets.UTF_8)),
                stored.path("auths").path(tls.host()).path("auth").asText(), stored.toString());
        try (var files = Files.list(auth.getParent())) {
            assertEquals(List.of(auth), files.toList(), "no temporary file left");
        }

        // Both programs read it: export's plan, and the importer's login check with the same file (--authfile alias).
        plan("--authfile", auth.toString(), "--cert-dir", caDir().toString()).ok();
        login(false, TestRegistry.PASSWORD + "\n", tls.host(), "-u", TestRegistry.USER, "--password-stdin", "--auth-file",
                auth.toString(), "--insecure-skip-tls-verify", tls.host()).ok();

        if (Tools.has("skopeo")) {
            Tools.Result inspect = Tools.run(List.of("skopeo", "inspect", "--raw", "--authfile", auth.toString(), "--tls-verify=false",
                    "docker://" + tls.host() + "/app/web:1.0"), Map.of(), null);
            assertEquals(0, inspect.exitCode(), "skopeo reads the file login wrote: " + inspect.stderr());
        }

        Airlock.Run out = Airlock.export(List.of("logout", tls.host(), "--authfile", auth.toString())).ok();
        assertEquals("Removed the account for " + tls.host() + " from " + auth, out.out().trim());
        assertTrue(JSON.readTree(auth.toFile()).path("auths").isEmpty());
        Airlock.Run again = Airlock.export(List.of("logout", tls.host(), "--authfile", auth.toString()));
        assertEquals(2, again.code(), again.toString());
        assertTrue(again.err().contains("not logged in to " + tls.host() + " in " + auth), again.err());
        Assumptions.assumeTrue(Tools.has("skopeo"), "skopeo is not installed (apt-get install skopeo): its reading of the auth file"
                + " was not checked");
    }

    @Test
    void bothPrograms_offerLoginAndLogout() {
        for (boolean export : new boolean[] {true, false}) {
            java.io.StringWriter out = new java.io.StringWriter();
            java.io.PrintWriter o = new java.io.PrintWriter(out);
            java.io.PrintWriter e = new java.io.PrintWriter(new java.io.StringWriter());
            assertEquals(0, export ? dev.airlock.export.cli.ExportMain.run(new String[] {"--help"}, o, e)
                    : dev.airlock.imports.cli.ImportMain.run(new String[] {"--help"}, o, e));
            assertTrue(out.toString().contains("\n  login ") && out.toString().contains("\n  logout "), out.toString());
        }
    }

    @Test
    void login_withoutAPasswordSource_andNoTerminal_saysHow() {
        Airlock.Run r = Airlock.export(List.of("login", tls.host(), "--username", TestRegistry.USER, "--authfile",
                tmp.resolve("a.json").toString()));
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("login: no password and no terminal to ask for it; give it on standard input with --password-stdin"),
                r.err());
        Airlock.Run url = Airlock.importer(List.of("login", "https://" + tls.host(), "--username", "u", "--password-stdin"));
        assertEquals(2, url.code(), url.toString());
        assertTrue(url.err().contains("login https://" + tls.host() + ": give HOST[:PORT] without https://"), url.err());
    }

    @Test
    void bundleAndImport_overHttps_withSkopeoStyleOptions_onBothSides(Registries registries) throws Exception {
        TestRegistry target = registries.tls();
        Path[] k = Fixture.keygen(tmp, "mirror");
        Airlock.export(List.of("bundle", "--image", "docker://" + tls.host() + "/app/web:1.0", "--channel", "opt", "--key",
                k[0].toString(), "--out", tmp.resolve("out").toString(), "--state", tmp.resolve("xs").toString(),
                "--tls-verify=false", "--creds-file", credsFile().toString(), "--retry-times", "2")).ok();
        Path bundle = tmp.resolve("out").resolve("opt-000001.airlock.tar");
        Airlock.Run imported = Airlock.importer(List.of("import", bundle.toString(), "--trust", k[1].toString(), "--registry",
                target.host() + "/mirror", "--state", tmp.resolve("is").toString(), "--insecure-skip-tls-verify", target.host(),
                "--creds-file", credsFile().toString())).ok();
        assertTrue(imported.out().contains(target.host() + "/mirror/app/web:1.0@" + image.manifest().digest()), imported.out());
        assertEquals(image.manifest().digest().toString(), Fixture.skopeoDigest(target, target.host() + "/mirror/app/web:1.0"));
    }
}
