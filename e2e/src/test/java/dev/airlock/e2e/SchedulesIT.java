package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.airlock.bundle.BundleManifest;
import dev.airlock.export.cli.ExportMain;
import dev.airlock.export.config.ExportConfig;
import dev.airlock.testing.RegistryExtension;
import dev.airlock.testing.RegistryExtension.Registries;
import dev.airlock.testing.TestImages;
import dev.airlock.testing.TestImages.Layer;
import dev.airlock.testing.TestRegistry;
import dev.airlock.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The scheduled exports as shipped: scripts/gitlab-ci-example.yml and the systemd units in scripts/systemd. */
@ExtendWith(RegistryExtension.class)
class SchedulesIT {
    private static final Path SCRIPTS = Path.of("..", "scripts").toAbsolutePath().normalize();

    @TempDir
    Path tmp;

    private static JsonNode ciExample() throws Exception {
        return new ObjectMapper(new YAMLFactory()).readTree(SCRIPTS.resolve("gitlab-ci-example.yml").toFile());
    }

    /** A job's environment as GitLab builds it for a scheduled pipeline: global variables, then the job's. */
    private static Map<String, String> jobEnv(JsonNode ci, String job, String schedule) {
        Map<String, String> env = new HashMap<>();
        ci.path("variables").fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
        ci.path(job).path("variables").fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
        env.put("CI_PIPELINE_SOURCE", "schedule");
        env.put("AIRLOCK_SCHEDULE", schedule);
        return env;
    }

    @Test
    void gitlabCiExample_hasTheTwoSchedules_noPrivilegedDocker_andEachJobsScriptWritesItsChannel(Registries registries) throws Exception {
        JsonNode ci = ciExample();
        JsonNode template = ci.path(".airlock-export");
        assertEquals("eclipse-temurin:17-jre", template.path("image").asText());
        String all = String.join("\n", Files.readAllLines(SCRIPTS.resolve("gitlab-ci-example.yml")).stream()
                .filter(l -> !l.trim().startsWith("#")).toList());
        for (String forbidden : List.of("services:", "privileged", "dind", "docker ", "DOCKER_HOST")) {
            assertFalse(all.contains(forbidden), "the example needs no Docker daemon: " + forbidden);
        }
        assertEquals(".airlock-export", ci.path("airlock-analyzers").path("extends").asText());
        assertEquals(".airlock-export", ci.path("airlock-vulnerability-db").path("extends").asText());
        assertEquals("$CI_PIPELINE_SOURCE == \"schedule\" && $AIRLOCK_SCHEDULE == \"weekly\"",
                ci.path("airlock-analyzers").path("rules").get(0).path("if").asText());
        assertEquals("$CI_PIPELINE_SOURCE == \"schedule\" && $AIRLOCK_SCHEDULE == \"daily-db\"",
                ci.path("airlock-vulnerability-db").path("rules").get(0).path("if").asText());
        assertEquals("out/", template.path("artifacts").path("paths").get(0).asText());

        // Run each job's script as a runner would (sh -e, in a fresh build directory), against a
        // loopback stand-in for registry.gitlab.com/security-products. airlock-export on PATH is
        // the program from this build; it adds the flag that lets it reach the plain-HTTP stand-in.
        TestRegistry source = registries.plain();
        String prefix = source.host() + "/security-products";
        // each at the version the template pins it to (the jobs run with --skip-missing: the rest is skipped)
        TestImages.push(source.client(), source.host(), "security-products/bandit", "2",
                TestImages.image(true, "amd64", null, Layer.random(9100, 32 * 1024)));
        TestImages.push(source.client(), source.host(), "security-products/gemnasium", "6",
                TestImages.image(false, "amd64", null, Layer.random(9101, 32 * 1024)));
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path launcher = bin.resolve("airlock-export");
        Files.writeString(launcher, "#!/bin/sh\nexec '" + Path.of(System.getProperty("java.home"), "bin", "java") + "' -XX:TieredStopAtLevel=1 -cp '"
                + System.getProperty("java.class.path") + "' " + ExportMain.class.getName() + " \"$@\" --insecure-registry " + source.host() + "\n");
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path[] key = Fixture.keygen(tmp, "ci");
        String script = String.join("\n", new ObjectMapper().convertValue(template.path("script"), String[].class));

        Map<String, List<String>> expected = Map.of("airlock-analyzers", List.of("gitlab-secure", prefix + "/bandit:2", prefix + "/gemnasium:6"),
                "airlock-vulnerability-db", List.of("gitlab-secure-db", prefix + "/gemnasium:6"));
        for (String job : List.of("airlock-analyzers", "airlock-vulnerability-db")) {
            Path build = Files.createDirectories(tmp.resolve("build-" + job));
            Map<String, String> env = jobEnv(ci, job, job.equals("airlock-analyzers") ? "weekly" : "daily-db");
            env.put("SECURE_ANALYZERS_PREFIX", prefix);
            env.put("AIRLOCK_STATE", tmp.resolve("state").toString()); // the runner's mounted volume
            env.put("AIRLOCK_SIGNING_KEY", key[0].toString()); // a File variable: GitLab passes its path
            env.put("PATH", bin + ":" + System.getenv("PATH"));
            Tools.Result r = Tools.run(List.of("sh", "-ec", script), env, build);
            assertEquals(0, r.exitCode(), job + ": " + r.stderr() + r.stdout());
            String channel = expected.get(job).get(0);
            Path bundle = build.resolve("out").resolve(channel + "-000001.airlock.tar");
            assertTrue(Files.exists(bundle), job + " wrote " + bundle + ": " + r.stdout());
            try (TarFile tar = new TarFile(bundle)) {
                TarArchiveEntry e = tar.getEntries().stream().filter(x -> x.getName().equals("airlock/bundle.json")).findFirst().orElseThrow();
                BundleManifest m = BundleManifest.parse(tar.getInputStream(e).readAllBytes());
                assertEquals(channel, m.channel());
                assertEquals(expected.get(job).subList(1, expected.get(job).size()), m.images().stream().map(BundleManifest.Image::source).toList());
            }
        }
        assertTrue(Files.exists(tmp.resolve("state/channels/gitlab-secure.json")));
        assertTrue(Files.exists(tmp.resolve("state/channels/gitlab-secure-db.json")));
    }

    @Test
    void systemdUnits_passSystemdAnalyzeVerify_areHardened_andTheirExampleConfigsMatch() throws Exception {
        Path dir = SCRIPTS.resolve("systemd");
        String service = Files.readString(dir.resolve("airlock-export@.service"));
        assertTrue(service.contains("\nProtectSystem=strict\n"));
        assertTrue(service.contains("\nNoNewPrivileges=yes\n"));
        assertTrue(service.contains("\nReadWritePaths=/var/lib/airlock/export /var/spool/airlock/out\n"));
        assertTrue(service.contains("\nExecStart=/usr/local/bin/airlock-export bundle --config /etc/airlock/export-%i.yaml --channel %i "));
        for (String channel : List.of("gitlab-secure", "gitlab-secure-db")) {
            ExportConfig c = ExportConfig.load(dir.resolve("export-" + channel + ".yaml"));
            assertEquals("gitlab-secure", c.preset());
            assertEquals("/var/spool/airlock/out", c.out(), "out: is writable under ReadWritePaths=");
            assertEquals("/var/lib/airlock/export", c.state(), "state: is writable under ReadWritePaths=");
        }
        assertEquals(GitlabSecureDefaults.DATABASE, ExportConfig.load(dir.resolve("export-gitlab-secure-db.yaml")).gitlabSecure().analyzers(),
                "the daily channel carries the analyzers that hold GitLab's advisory database");
        ExportConfig.GitlabSecure weekly = ExportConfig.load(dir.resolve("export-gitlab-secure.yaml")).gitlabSecure();
        assertEquals(null, weekly == null ? null : weekly.analyzerVersion(), "the weekly channel takes each analyzer's own version");
        String daily = Files.readString(dir.resolve("airlock-export@gitlab-secure-db.timer.d/daily.conf"));
        assertTrue(daily.contains("\nOnCalendar=\nOnCalendar=*-*-* 03:30:00\n"), "the daily drop-in replaces the weekly calendar");

        Assumptions.assumeTrue(Tools.has("systemd-analyze"), "needs systemd-analyze (Debian package systemd) to verify the units");
        // Both instances, as systemd would load them; ExecStart points at a stand-in for the
        // installed launcher, since verify insists that the program exists.
        Path units = Files.createDirectories(tmp.resolve("units"));
        Path stub = units.resolve("airlock-export");
        Files.writeString(stub, "#!/bin/sh\nexit 0\n");
        Files.setPosixFilePermissions(stub, PosixFilePermissions.fromString("rwxr-xr-x"));
        List<String> cmd = new ArrayList<>(List.of("systemd-analyze", "verify", "--man=no"));
        for (String channel : List.of("gitlab-secure", "gitlab-secure-db")) {
            Path s = units.resolve("airlock-export@" + channel + ".service");
            Files.writeString(s, service.replace("/usr/local/bin/airlock-export", stub.toString()));
            Path t = units.resolve("airlock-export@" + channel + ".timer");
            Files.copy(dir.resolve("airlock-export@.timer"), t);
            cmd.add(s.toString());
            cmd.add(t.toString());
        }
        Path dropIn = Files.createDirectories(units.resolve("airlock-export@gitlab-secure-db.timer.d"));
        Files.copy(dir.resolve("airlock-export@gitlab-secure-db.timer.d/daily.conf"), dropIn.resolve("daily.conf"));
        Tools.Result r = Tools.run(cmd, Map.of("SYSTEMD_LOG_COLOR", "0"), units);
        assertEquals(0, r.exitCode(), r.stderr() + r.stdout());
        // verify only warns (exit 0) on an unknown or misspelled key: any line about our files is a failure
        assertEquals("", r.stderr().lines().filter(l -> l.contains(units.toString())).reduce("", (a, b) -> a + b + "\n"));
    }
}
