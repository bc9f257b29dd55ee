package dev.airlock.cli;

import dev.airlock.error.AirlockException;
import dev.airlock.io.BoundedFiles;
import dev.airlock.registry.CredentialStore;
import dev.airlock.registry.Credentials;
import dev.airlock.registry.DockerConfigCredentials;
import dev.airlock.registry.RegistryOptions;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Registry connection flags shared by both programs, with skopeo's names where skopeo has one
 * ({@code --authfile}, {@code --tls-verify}, {@code --cert-dir}, {@code --retry-times}, {@code --creds}).
 */
public final class RegistryOptionsMixin {
    private static final Duration MIN_IDLE = Duration.ofMillis(100);
    /** The most blobs moved at once that --parallel accepts. */
    public static final int MAX_PARALLEL = 64;

    /** Checks a --parallel value: 1 to {@link #MAX_PARALLEL}. */
    public static int parallel(int n) {
        if (n < 1 || n > MAX_PARALLEL) {
            throw AirlockException.usage("--parallel " + n + ": give 1 to " + MAX_PARALLEL);
        }
        return n;
    }

    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    /** The flag and the config key (both programs) that name a registry without TLS: one name everywhere. */
    public static final String PLAIN_HTTP = "--plain-http";
    public static final String PLAIN_HTTP_KEY = "plainHttp";

    @Option(names = PLAIN_HTTP, paramLabel = "HOST:PORT",
            description = "Speak plain HTTP (no TLS) to this registry (repeatable; config: plainHttp). Every other registry is HTTPS.")
    public List<String> plainHttp = new ArrayList<>();

    /**
     * The old name of --plain-http, still accepted silently so that existing scripts and units keep
     * working; hidden from help and man pages, so that --plain-http is the one name users see.
     */
    @Option(names = "--insecure-registry", paramLabel = "HOST:PORT", hidden = true)
    List<String> insecureRegistry = new ArrayList<>();

    @Option(names = "--insecure-skip-tls-verify", paramLabel = "HOST:PORT",
            description = "Speak HTTPS to this registry without checking its certificate (repeatable): encrypted, but not"
                    + " authenticated. Prefer --cert-dir with its CA.")
    public List<String> skipVerify = new ArrayList<>();

    @Option(names = "--tls-verify", arity = "0..1", paramLabel = "BOOL", defaultValue = "true", fallbackValue = "true",
            description = "As skopeo: --tls-verify=false checks no registry's certificate, and speaks plain HTTP to a registry"
                    + " that has no TLS (default: true).")
    public boolean tlsVerify = true;

    @Option(names = "--ca-file", paramLabel = "PEM", description = "Trust the CA certificates in this PEM file, besides the system store.")
    public Path caFile;

    @Option(names = "--cert-dir", paramLabel = "DIR",
            description = "Trust the CA certificates in DIR/*.crt (PEM, as in containers' certs.d), besides the system store.")
    public Path certDir;

    @Option(names = {"--authfile", "--auth-file"}, paramLabel = "FILE",
            description = "Registry credentials in docker config.json / containers auth.json form (what login writes). Default:"
                    + " REGISTRY_AUTH_FILE, else XDG_RUNTIME_DIR/containers/auth.json (/run/containers/UID/auth.json),"
                    + " ~/.config/containers/auth.json, DOCKER_CONFIG/config.json (~/.docker/config.json).")
    public Path authFile;

    @Option(names = "--creds", paramLabel = "USER[:PASSWORD]",
            description = "Log in with this account (asked for the password on a terminal when none is given). A password here"
                    + " is visible to other users (ps): prefer --creds-file or login.")
    public String creds;

    @Option(names = "--creds-file", paramLabel = "FILE", description = "Log in with the account USER:PASSWORD on the first line of FILE.")
    public Path credsFile;

    @Option(names = "--retries", paramLabel = "N", defaultValue = "5",
            description = "Tries per registry request on 429/5xx and connection errors (default: ${DEFAULT-VALUE}).")
    public int retries;

    private Integer retryTimes;

    @Option(names = "--retry-times", paramLabel = "N",
            description = "As skopeo: retry a failed registry request N more times (--retries N+1).")
    void retryTimes(int n) {
        retryTimes = n;
        retries = Math.max(1, n + 1);
    }

    @Option(names = "--idle-timeout", paramLabel = "DURATION", defaultValue = "60s", converter = Units.DurationConverter.class,
            description = "Give up on a connection or transfer that moves no byte for this long (e.g. 30s, 2m, 500ms;"
                    + " default: ${DEFAULT-VALUE}); the request is then retried like a dropped connection.")
    public Duration idleTimeout;

    /** As {@link #toOptions(List, Path, Collection)}, with --creds for whichever registry asks for a login. */
    public RegistryOptions toOptions(List<String> configPlainHttp, Path extraCa) {
        return toOptions(configPlainHttp, extraCa, null);
    }

    /**
     * Builds the options; {@code configPlainHttp} (the config's plainHttp hosts) and {@code extraCa}
     * come from a config file and lose to flags. {@code credsHosts} are the registries (API hosts) the command talks to: --creds is only
     * ever sent to those, and must name one account for one registry.
     */
    public RegistryOptions toOptions(List<String> configPlainHttp, Path extraCa, Collection<String> credsHosts) {
        if (retryTimes != null && retryTimes < 0) {
            throw AirlockException.usage("--retry-times " + retryTimes + ": give 0 or more (the retries after the first try)");
        }
        if (retries < 1) {
            throw AirlockException.usage("--retries " + retries + ": give at least 1 (the number of tries per request)");
        }
        if (retryTimes != null && mixee != null && mixee.commandLine() != null && mixee.commandLine().getParseResult() != null
                && mixee.commandLine().getParseResult().hasMatchedOption("--retries")) {
            throw AirlockException.usage("--retries and --retry-times say the same thing; give one (--retry-times N is --retries N+1)");
        }
        if (idleTimeout.compareTo(MIN_IDLE) < 0) {
            throw AirlockException.usage("--idle-timeout " + idleTimeout.toMillis() + "ms is too short to connect at all; give at least "
                    + MIN_IDLE.toMillis() + "ms");
        }
        Set<String> hosts = new HashSet<>();
        plainHttp.forEach(h -> hosts.add(hostPort(h, PLAIN_HTTP)));
        insecureRegistry.forEach(h -> hosts.add(hostPort(h, "--insecure-registry")));
        if (configPlainHttp != null) {
            configPlainHttp.forEach(h -> hosts.add(hostPort(h, PLAIN_HTTP_KEY)));
        }
        Set<String> skip = new HashSet<>();
        skipVerify.forEach(h -> skip.add(hostPort(h, "--insecure-skip-tls-verify")));
        CredentialStore store = DockerConfigCredentials.standard(authFile, System.getenv());
        Credentials given = credentials();
        if (given != null) {
            if (credsHosts != null && new HashSet<>(credsHosts).size() > 1) {
                throw AirlockException.usage((creds != null ? "--creds" : "--creds-file") + " gives one account, but this command talks to "
                        + new HashSet<>(credsHosts).size() + " registries (" + String.join(", ", new java.util.TreeSet<>(credsHosts))
                        + "): log in to each with 'login HOST' (or give an --authfile) instead");
            }
            CredentialStore files = store;
            store = host -> credsHosts == null || credsHosts.contains(host) ? Optional.of(given) : files.lookup(host);
        }
        return RegistryOptions.defaults()
                .withInsecure(hosts)
                .withSkipVerify(skip)
                .withTlsVerify(tlsVerify)
                .withCaFile(caFile != null ? caFile : extraCa)
                .withCertDir(certDir)
                .withCredentials(store)
                .withRetries(retries, Duration.ofMillis(250))
                .withIdleTimeout(idleTimeout);
    }

    /**
     * A registry named where {@code HOST[:PORT]} is expected: a URL or a path is refused (it would
     * silently match no registry).
     */
    public static String hostPort(String value, String flag) {
        String v = value.trim();
        int scheme = v.indexOf("://");
        if (scheme >= 0) {
            String rest = v.substring(scheme + 3);
            int slash = rest.indexOf('/');
            throw AirlockException.usage(flag + " " + value + ": give HOST[:PORT] without " + v.substring(0, scheme + 3) + ", e.g. "
                    + flag + " " + (slash < 0 ? rest : rest.substring(0, slash)));
        }
        if (v.isEmpty() || v.contains("/")) {
            throw AirlockException.usage(flag + " '" + value + "': give a registry as HOST[:PORT] (e.g. registry.local:5000), not a path");
        }
        return v;
    }

    /** The account of --creds or --creds-file, or null; a password on the command line is warned about. */
    private Credentials credentials() {
        if (creds != null && credsFile != null) {
            throw AirlockException.usage("--creds and --creds-file both name an account; give one");
        }
        if (credsFile != null) {
            String line;
            try {
                line = BoundedFiles.firstLine(credsFile, BoundedFiles.SECRET);
            } catch (NoSuchFileException e) {
                throw AirlockException.usage("--creds-file " + credsFile + " does not exist");
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw AirlockException.usage("--creds-file " + credsFile + ": the first line must be USER:PASSWORD");
            }
            return new Credentials(line.substring(0, colon), line.substring(colon + 1));
        }
        if (creds == null) {
            return null;
        }
        int colon = creds.indexOf(':');
        String user = colon < 0 ? creds : creds.substring(0, colon);
        if (user.isEmpty()) {
            throw AirlockException.usage("--creds needs USER[:PASSWORD]; the user name is empty");
        }
        if (colon >= 0) {
            if (mixee != null) {
                picocli.CommandLine root = mixee.commandLine();
                while (root.getParent() != null) {
                    root = root.getParent();
                }
                mixee.commandLine().getErr().println(root.getCommandName() + ": warning: a password given with --creds can be read by"
                        + " other users of this machine (ps, /proc/PID/cmdline); use --creds-file FILE or 'login' instead");
                mixee.commandLine().getErr().flush();
            }
            return new Credentials(user, creds.substring(colon + 1));
        }
        java.io.Console console = System.console();
        if (console == null) {
            throw AirlockException.usage("--creds " + user + " has no password and there is no terminal to ask for it: use"
                    + " --creds-file FILE (USER:PASSWORD) or 'login'");
        }
        char[] pw = console.readPassword("Password for %s: ", user);
        if (pw == null) {
            throw AirlockException.usage("no password given for --creds " + user);
        }
        return new Credentials(user, new String(pw));
    }
}
