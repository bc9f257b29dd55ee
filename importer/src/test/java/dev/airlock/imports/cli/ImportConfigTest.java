package dev.airlock.imports.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.crypto.OpenPgpKeys;
import dev.airlock.error.AirlockException;
import dev.airlock.imports.ImportRequest;
import dev.airlock.imports.inbox.WatchOptions;
import dev.airlock.imports.serve.ServeSettings;
import dev.airlock.registry.RegistryOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code --config FILE} of {@code import}, {@code watch} and {@code serve}, through picocli's real
 * parse: every setting from the file, each flag over its key (also flags that have a default),
 * defaults when neither, relative paths from the file's directory, and the refusals' texts.
 */
class ImportConfigTest {
    @TempDir
    Path tmp;

    private Path etc;
    private String fingerprint;

    @BeforeEach
    void cert() throws Exception {
        etc = Files.createDirectories(tmp.resolve("etc"));
        OpenPgpKeys.Generated g = OpenPgpKeys.generate("mirror <mirror@airlock.test>", null);
        Files.write(etc.resolve("mirror.pub.asc"), g.certArmored());
        fingerprint = g.fingerprint();
        Files.writeString(etc.resolve("auth.json"), "{\"auths\": {}}"); // authFile: auth.json, read relative to the config
    }

    private Path config(String yaml) throws Exception {
        return Files.writeString(etc.resolve("import.yaml"), yaml);
    }

    private static <T> T parse(T command, String... args) {
        new CommandLine(command).setCaseInsensitiveEnumValuesAllowed(true).parseArgs(args);
        return command;
    }

    private static final String FULL = """
            trust: [mirror.pub.asc]
            threshold: 1
            registry: registry.local:5000/mirror
            map: [docker.io/library=lib]
            state: state
            parallel: 7
            plainHttp: [registry.local:5000]
            tlsVerify: false
            insecureSkipTlsVerify: other.local:443
            certDir: certs.d
            authFile: auth.json
            retries: 9
            idleTimeout: 2m
            inbox: /srv/airlock/inbox
            pollInterval: 700ms
            settle: 3s
            listen: 127.0.0.1:2222
            hostKey: serve/host_key
            authorizedKeys: serve/authorized_keys
            maxUploadSize: 20G
            minFree: 64MiB
            maxSessions: 3
            sessionIdleTimeout: 90s
            """;

    @Test
    void everySettingComesFromTheFile_pathsRelativeToIt() throws Exception {
        Path f = config(FULL);
        ImportCommand c = parse(new ImportCommand(), "--config", f.toString(), "b.tar");
        ImportRequest r = c.options.request(c.bundle, false);
        assertEquals(List.of(fingerprint), r.trust().fingerprints());
        assertEquals("registry.local:5000", r.naming().host());
        assertEquals("mirror", r.naming().prefix());
        assertEquals(1, r.naming().mappings().size(), r.naming().mappings().toString());
        assertEquals(etc.resolve("state"), r.stateDir());
        assertEquals(7, r.parallelism());
        RegistryOptions o = c.options.registryOptions();
        assertEquals(Set.of("registry.local:5000"), o.insecureHosts());
        assertEquals(Set.of("other.local:443"), o.skipVerifyHosts());
        assertEquals(false, o.tlsVerify());
        assertEquals(etc.resolve("certs.d"), o.certDir());
        assertEquals(9, o.maxAttempts());
        assertEquals(Duration.ofMinutes(2), o.idleTimeout());

        ServeCommand s = parse(new ServeCommand(), "--config", f.toString());
        ServeSettings ss = s.settings(s.options.config());
        assertEquals(new ServeSettings("127.0.0.1", 2222, etc.resolve("serve/host_key"), etc.resolve("serve/authorized_keys"),
                Path.of("/srv/airlock/inbox"), 20_000_000_000L, 64L << 20, Duration.ofSeconds(90), 3), ss);
        assertEquals(new WatchOptions(Duration.ofMillis(700), Duration.ofSeconds(3), WatchOptions.DEFAULT_MAX_RETRY),
                s.watchOptions.toOptions(s.options.config()));
    }

    @Test
    void flagsWin_alsoThoseWithADefault() throws Exception {
        Path f = config(FULL);
        Path other = tmp.resolve("other.pub.asc");
        OpenPgpKeys.Generated g = OpenPgpKeys.generate("other <other@airlock.test>", null);
        Files.write(other, g.certArmored());
        ImportCommand c = parse(new ImportCommand(), "--config", f.toString(), "b.tar", "--trust", other.toString(), "--registry",
                "elsewhere:5000/x", "--map", "a=b", "--state", "/var/s", "--parallel", "4", "--tls-verify", "--retries", "5",
                "--idle-timeout", "60s", "--cert-dir", "/etc/c");
        ImportRequest r = c.options.request(c.bundle, false);
        assertEquals(List.of(g.fingerprint()), r.trust().fingerprints(), "--trust replaces trust:");
        assertEquals("elsewhere:5000", r.naming().host());
        assertEquals("x", r.naming().prefix());
        assertEquals(Path.of("/var/s"), r.stateDir());
        assertEquals(4, r.parallelism(), "--parallel 4 (its default) given on the command line wins over parallel: 7");
        RegistryOptions o = c.options.registryOptions();
        assertEquals(true, o.tlsVerify(), "--tls-verify given wins over tlsVerify: false");
        assertEquals(5, o.maxAttempts());
        assertEquals(Duration.ofSeconds(60), o.idleTimeout());
        assertEquals(Path.of("/etc/c"), o.certDir());

        ServeCommand s = parse(new ServeCommand(), "--config", f.toString(), "--listen", "[::1]:2200", "--min-free", "1GiB",
                "--max-sessions", "8", "--poll-interval", "5s");
        ServeSettings ss = s.settings(s.options.config());
        assertEquals("::1", ss.host());
        assertEquals(2200, ss.port());
        assertEquals(1L << 30, ss.minFree());
        assertEquals(8, ss.maxSessions());
        assertEquals(Duration.ofSeconds(5), s.watchOptions.toOptions(s.options.config()).pollInterval());
    }

    @Test
    void neitherFlagNorKey_givesTheDefaults() throws Exception {
        Path f = config("trust: mirror.pub.asc\nregistry: r.local:5000\nlisten: 0.0.0.0:2222\nhostKey: k\nauthorizedKeys: a\ninbox: i\n");
        ServeCommand s = parse(new ServeCommand(), "--config", f.toString());
        ServeSettings ss = s.settings(s.options.config());
        assertEquals(0, ss.maxUploadSize());
        assertEquals(1L << 30, ss.minFree());
        assertEquals(Duration.ofMinutes(5), ss.idleTimeout());
        assertEquals(8, ss.maxSessions());
        assertEquals(WatchOptions.defaults(), s.watchOptions.toOptions(s.options.config()));
        ImportRequest r = s.options.request(null, false);
        assertEquals(4, r.parallelism());
        RegistryOptions o = s.options.registryOptions();
        assertEquals(true, o.tlsVerify());
        assertEquals(RegistryOptions.DEFAULT_IDLE_TIMEOUT, o.idleTimeout());
    }

    private AirlockException refused(Object command, String... args) {
        return assertThrows(AirlockException.class, () -> {
            Object c = parse(command, args);
            if (c instanceof ServeCommand s) {
                s.settings(s.options.config());
                s.options.request(null, false);
            } else if (c instanceof ImportCommand i) {
                i.options.request(i.bundle, false);
            } else if (c instanceof VerifyCommand v) {
                v.trust.policy();
            }
        });
    }

    /**
     * Red-team pass R, R9: a config or a --trust certificate that other users may write decides whom
     * the importer trusts (as an authorized_keys does, which serve refuses so): refused, saying the fix.
     */
    @Test
    void aConfigOrCertificateWritableByOthers_isRefused_withTheChmod() throws Exception {
        Path f = config(FULL);
        Files.setPosixFilePermissions(f, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-r--"));
        AirlockException e = refused(new VerifyCommand(), "--config", f.toString(), "b.tar");
        assertEquals(AirlockException.Kind.USAGE, e.kind());
        assertTrue(e.getMessage().contains("config " + f + " is writable by group or others") && e.getMessage().contains("chmod go-w " + f),
                e.getMessage());
        Files.setPosixFilePermissions(f, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        Path cert = tmp.resolve("shared.pub.asc");
        Files.write(cert, dev.airlock.crypto.OpenPgpKeys.generate("t <t@airlock.test>", null).certArmored());
        Files.setPosixFilePermissions(cert, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--rw-"));
        AirlockException c = refused(new VerifyCommand(), "--trust", cert.toString(), "b.tar");
        assertEquals(AirlockException.Kind.USAGE, c.kind());
        assertTrue(c.getMessage().contains("certificate " + cert + " is writable by group or others"), c.getMessage());
    }

    /** Red-team pass T, T12: the file's own mode was all that was read; a directory others may write lets them swap it after the check. */
    @Test
    void aConfigOrCertificateInADirectoryOthersMayWrite_isRefused_unlessItIsSticky() throws Exception {
        Path shared = Files.createDirectory(tmp.resolve("shared"));
        Path f = Files.writeString(shared.resolve("airlock.yaml"), FULL);
        Files.setPosixFilePermissions(f, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        Files.setPosixFilePermissions(shared, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        AirlockException e = refused(new VerifyCommand(), "--config", f.toString(), "b.tar");
        assertEquals(AirlockException.Kind.USAGE, e.kind());
        assertTrue(e.getMessage().contains("config " + f + " is in " + shared + ", which group or others may write")
                && e.getMessage().contains("chmod go-w " + shared), e.getMessage());
        Path link = Files.createSymbolicLink(tmp.resolve("linked.yaml"), f); // the directory the file really is in counts
        assertTrue(refused(new VerifyCommand(), "--config", link.toString(), "b.tar").getMessage().contains("is in " + shared), "via a link");
        Files.setAttribute(shared, "unix:mode", 01777); // sticky, as /tmp: only the file's owner may replace it
        AirlockException past = refused(new VerifyCommand(), "--config", f.toString(), "b.tar");
        assertFalse(past.getMessage().contains("group or others"), past.getMessage());
    }

    /**
     * Red-team pass V, V8: a ledger directory others may write (not sticky) let any of them take a
     * channel's ledger away, and an older full bundle was then taken for a first one (its tags move the
     * images back). Refused, as an inbox is; one yet to be made is judged by the directory it will be in.
     */
    @Test
    void aStateDirectoryOthersMayWrite_isRefused_unlessItIsSticky() throws Exception {
        Path shared = Files.createDirectory(tmp.resolve("shared"));
        Files.setPosixFilePermissions(shared, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        String cert = etc.resolve("mirror.pub.asc").toString();
        AirlockException e = refused(new ImportCommand(), "b.tar", "--trust", cert, "--registry", "r:5000", "--state", shared.toString());
        assertEquals(AirlockException.Kind.LOCAL, e.kind());
        assertTrue(e.getMessage().startsWith("state directory " + shared + " may be written by other users but has no sticky bit")
                && e.getMessage().contains("chmod +t " + shared), e.getMessage());
        Path later = shared.resolve("import");
        e = refused(new ImportCommand(), "b.tar", "--trust", cert, "--registry", "r:5000", "--state", later.toString());
        assertTrue(e.getMessage().startsWith("state directory " + later + " is in " + shared + ", which may be written"), e.getMessage());
        Path f = config(FULL.replace("state: state", "state: " + later));
        assertTrue(refused(new ServeCommand(), "--config", f.toString()).getMessage().contains("state directory " + later), "serve too");

        Files.setAttribute(shared, "unix:mode", 01777); // sticky, as /tmp: only a file's owner may rename it
        assertEquals(later, parse(new ImportCommand(), "b.tar", "--trust", cert, "--registry", "r:5000", "--state", later.toString())
                .options.stateDir());
    }

    /**
     * Red-team pass X, R7: the ledger directory was judged by mode bits alone, and one not made yet by
     * its path as text: {@code --state} in another user's directory (0755, his to empty) passed, and so
     * did {@code /tmp/nx/../shared/state} with {@code shared} 0777, judged by {@code /tmp}.
     */
    @Test
    void aStateDirectoryOfAnotherUser_orReachedThroughDotDot_isRefused() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(dev.airlock.io.FileOwners.SELF == 0, "needs root, to give files to user nobody");
        String cert = etc.resolve("mirror.pub.asc").toString();
        Path his = Files.createDirectory(tmp.resolve("his"));
        Files.setAttribute(his, "unix:mode", 0755);
        Files.setAttribute(his, "unix:uid", 65534);
        AirlockException e = refused(new ImportCommand(), "b.tar", "--trust", cert, "--registry", "r:5000", "--state",
                his.resolve("state").toString());
        assertTrue(e.getMessage().contains("the directory " + his + " belongs to uid 65534"), e.getMessage());
        Path made = Files.createDirectory(his.resolve("made"));
        Files.setAttribute(made, "unix:uid", 65534); // his, and in his directory: he may swap the ledger in it at any time
        e = refused(new ImportCommand(), "b.tar", "--trust", cert, "--registry", "r:5000", "--state", made.toString());
        assertTrue(e.getMessage().contains("belongs to uid 65534"), e.getMessage());

        Path shared = Files.createDirectory(tmp.resolve("shared"));
        Files.setPosixFilePermissions(shared, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        Path dotted = tmp.resolve("nx").resolve("..").resolve("shared").resolve("state");
        e = refused(new ImportCommand(), "b.tar", "--trust", cert, "--registry", "r:5000", "--state", dotted.toString());
        assertTrue(e.getMessage().contains("is in " + shared + ", which may be written"), e.getMessage());
    }

    @Test
    void missingRequiredSettings_nameTheFlagAndTheKey() throws Exception {
        AirlockException e = refused(new ImportCommand(), "b.tar", "--registry", "r:5000");
        assertEquals(AirlockException.Kind.USAGE, e.kind());
        assertEquals("missing --trust CERT.asc (or trust: in a --config FILE)", e.getMessage());
        Path f = config("trust: mirror.pub.asc\n");
        e = refused(new ImportCommand(), "b.tar", "--config", f.toString());
        assertEquals("missing --registry HOST[:PORT][/PREFIX] (or registry: in the --config file " + f + ")", e.getMessage());
        e = refused(new ServeCommand(), "--config", f.toString(), "--listen", "0.0.0.0:2222", "--inbox", "i", "--authorized-keys", "a");
        assertEquals("missing --host-key FILE (or hostKey: in the --config file " + f + ")", e.getMessage());
        e = refused(new VerifyCommand(), "b.tar");
        assertEquals("missing --trust CERT.asc (or trust: in a --config FILE)", e.getMessage());
    }

    @Test
    void unknownKeys_badTypesAndBadValues_nameTheKeyAndTheFile() throws Exception {
        Path f = config("trust: mirror.pub.asc\nregistry: r:5000\nregistyr: x\n");
        AirlockException e = refused(new ImportCommand(), "b.tar", "--config", f.toString());
        assertEquals(AirlockException.Kind.USAGE, e.kind());
        assertTrue(e.getMessage().startsWith("config " + f + ": unknown setting 'registyr' (known: trust, threshold, registry,"), e.getMessage());

        f = config("trust: mirror.pub.asc\nregistry: r:5000\ntls-verify: false\n");
        e = refused(new ImportCommand(), "b.tar", "--config", f.toString());
        assertTrue(e.getMessage().startsWith("config " + f + ": unknown setting 'tls-verify' (did you mean tlsVerify?)"), e.getMessage());

        f = config("trust: mirror.pub.asc\nregistry: r:5000\nthreshold: two\n");
        e = refused(new ImportCommand(), "b.tar", "--config", f.toString());
        assertEquals("config " + f + ": threshold must be a whole number, not 'two'", e.getMessage());

        f = config("trust: mirror.pub.asc\nregistry: [a, b]\n");
        e = refused(new ImportCommand(), "b.tar", "--config", f.toString());
        assertEquals("config " + f + ": registry must be a single value (text or a number), not a list or a mapping", e.getMessage());

        f = config("trust: mirror.pub.asc\nregistry: r:5000\nlisten: 0.0.0.0:2222\nhostKey: k\nauthorizedKeys: a\ninbox: i\nminFree: lots\n");
        e = refused(new ServeCommand(), "--config", f.toString());
        assertTrue(e.getMessage().startsWith("config " + f + ": minFree 'lots' is not a size such as 4G"), e.getMessage());

        e = refused(new ImportCommand(), "b.tar", "--config", tmp.resolve("nope.yaml").toString());
        assertEquals("config " + tmp.resolve("nope.yaml") + " does not exist", e.getMessage());
    }

    @Test
    void theDocsExample_isAValidConfig_withEveryKey() throws Exception {
        String readme = Files.readString(Path.of("..", "docs", "configuration.md"));
        int start = readme.indexOf("```yaml airlock-import-config\n# /etc/airlock/import.yaml\n");
        assertTrue(start >= 0, "docs/configuration.md has the importer's config example");
        String yaml = readme.substring(readme.indexOf('\n', start) + 1, readme.indexOf("```", start + 7));
        Path f = config(yaml);
        dev.airlock.imports.config.ImportConfig c = dev.airlock.imports.config.ImportConfig.load(f);
        assertEquals("registry.local:5000/mirror", c.registry());
        for (String key : dev.airlock.imports.config.ImportConfig.KEYS) {
            assertTrue(yaml.contains(key), "the docs' example names " + key);
        }
    }
}
