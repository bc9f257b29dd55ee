package dev.airlock.imports.cli;

import dev.airlock.cli.RegistryOptionsMixin;
import dev.airlock.crypto.TrustPolicy;
import dev.airlock.imports.ImportLedger;
import dev.airlock.imports.ImportRequest;
import dev.airlock.imports.TargetNaming;
import dev.airlock.imports.config.ImportConfig;
import dev.airlock.registry.RegistryOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * What every command that imports takes ({@code import}, {@code watch}, {@code serve}): who may
 * sign, the target registry and its naming, the ledger directory, how many blobs at once, and how
 * to reach the registry; each also from {@code --config FILE} (flags win, setting by setting).
 */
public final class ImportOptionsMixin {
    static final int DEFAULT_PARALLEL = 4;

    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Mixin
    TrustOptionsMixin trust;

    @Mixin
    RegistryOptionsMixin registryOptions;

    @Option(names = "--registry", paramLabel = "HOST[:PORT][/PREFIX]",
            description = "Target registry, and an optional path prefix for every repository. With --map, the target whose chain the bundle"
                    + " follows. Required, here or as registry: in --config.")
    String registry;

    @Option(names = "--map", paramLabel = "SRC=DST",
            description = "Rewrite repository paths starting with SRC (host/path or path) to DST; longest SRC wins (repeatable).")
    List<String> maps = new ArrayList<>();

    @Option(names = "--strict-map", description = "Refuse a bundle (exit 2, before anything is pushed) when a --map rule places none "
            + "of its images; without it such a rule is a warning on stderr.")
    boolean strictMap;

    @Option(names = "--state", paramLabel = "DIR", description = "Importer ledger directory (one chain per channel and target). Default: $XDG_STATE_HOME/airlock/import.")
    Path state;

    @Option(names = "--parallel", paramLabel = "N", description = "Blobs pushed at once (default: 4).")
    Integer parallel;

    @Option(names = "--attached", paramLabel = "all|signatures|none",
            description = "What attached to the images is pushed: all (default: signatures, attestations, SBOMs, referrers), signatures,"
                    + " or none. Whatever is left out is still verified with the rest of the bundle.")
    String attached;

    @Option(names = "--verify-policy", paramLabel = "FILE",
            description = "Check, before any push, that each image's upstream cosign signatures carried in the bundle satisfy this policy"
                    + " (the exporter's format; its trustedRoot travels by hand); a bundle that does not is refused (exit 3).")
    Path verifyPolicy;

    private boolean registryConfigured;

    /** The --config file's settings (empty without one). */
    ImportConfigOption config() {
        return trust.config;
    }

    public TargetNaming naming() {
        return new TargetNaming(registry(), mapRules());
    }

    /** --registry (or registry: in --config) as given; missing is a usage error. */
    public String registry() {
        return config().require(ImportConfigOption.or(registry, config().get().registry()), "--registry HOST[:PORT][/PREFIX]", "registry");
    }

    /** The --map rules (or map: in --config), parsed (a bad one is a usage error). */
    public List<TargetNaming.Mapping> mapRules() {
        List<String> rules = !maps.isEmpty() ? maps : config().get().map() != null ? config().get().map() : List.of();
        return rules.stream().map(TargetNaming.Mapping::parse).toList();
    }

    /**
     * The ledger directory; refused (exit 1) when users other than its owner may rename what is in it
     * (it, or a directory above it, writable by group or others without the sticky bit): any of them
     * could take a channel's ledger away and have an older full bundle, whose tags move images back,
     * taken for a first one (red-team pass V, V8); or another user's, or in one (pass X, R7).
     */
    public Path stateDir() {
        Path p = ImportConfigOption.or(state, config().path(config().get().state()));
        Path dir = p != null ? p : ImportLedger.defaultStateDir();
        dev.airlock.io.FileOwners.refuseSharedOrAnotherUsers(dir, "state directory");
        return dir;
    }

    public TrustPolicy trustPolicy() {
        return trust.policy();
    }

    /** The registry options, flags over --config; --creds goes to the target registry only. */
    public RegistryOptions registryOptions() {
        ImportConfig c = config().get();
        RegistryOptionsMixin r = registryOptions;
        if (!registryConfigured) {
            registryConfigured = true;
            if (c.tlsVerify() != null && !given("--tls-verify")) {
                r.tlsVerify = c.tlsVerify();
            }
            if (c.retries() != null && !given("--retries") && !given("--retry-times")) {
                r.retries = c.retries();
            }
            if (c.idleTimeout() != null && !given("--idle-timeout")) {
                r.idleTimeout = config().duration("idleTimeout", c.idleTimeout());
            }
            if (c.insecureSkipTlsVerify() != null) {
                c.insecureSkipTlsVerify().forEach(h -> r.skipVerify.add(RegistryOptionsMixin.hostPort(h, configKey("insecureSkipTlsVerify"))));
            }
            if (c.plainHttp() != null) {
                c.plainHttp().forEach(h -> RegistryOptionsMixin.hostPort(h, configKey("plainHttp")));
            }
            r.certDir = ImportConfigOption.or(r.certDir, config().path(c.certDir()));
            r.authFile = ImportConfigOption.or(r.authFile, config().path(c.authFile()));
            if (r.creds == null) {
                r.credsFile = ImportConfigOption.or(r.credsFile, config().path(c.credsFile()));
            }
        }
        return r.toOptions(c.plainHttp(), config().path(c.caFile()), List.of(naming().host()));
    }

    /** The request for {@code bundle}; every option checked (a bad one is a usage error). */
    public ImportRequest request(Path bundle, boolean reapply) {
        return request(bundle, reapply, null);
    }

    /** @param warnings where a warning line goes (a --map rule that placed no image) */
    public ImportRequest request(Path bundle, boolean reapply, java.util.function.Consumer<String> warnings) {
        Integer n = ImportConfigOption.or(parallel, config().get().parallel());
        boolean strict = strictMap || Boolean.TRUE.equals(config().get().strictMap());
        return new ImportRequest(bundle, trustPolicy(), naming(), stateDir(), RegistryOptionsMixin.parallel(n != null ? n : DEFAULT_PARALLEL),
                reapply, strict, warnings).withAttached(attachedSelection()).withVerifyPolicy(verifyPolicy());
    }

    /** --verify-policy, else verifyPolicy: in --config, else none; read and checked now (exit 2 for a bad one). */
    private dev.airlock.upstream.UpstreamPolicy verifyPolicy() {
        Path file = ImportConfigOption.or(verifyPolicy, config().path(config().get().verifyPolicy()));
        return file == null ? null : dev.airlock.upstream.UpstreamPolicy.load(file);
    }

    /** --attached, else attached: in --config, else all. */
    private dev.airlock.copy.AttachedSelection attachedSelection() {
        return attached != null ? dev.airlock.copy.AttachedSelection.parse(attached, "--attached")
                : dev.airlock.copy.AttachedSelection.parse(config().get().attached(), configKey("attached"));
    }

    private String configKey(String key) {
        return "config " + config().file + ": " + key;
    }

    /** Whether {@code option} was on the command line (for options with a default, which --config may replace). */
    private boolean given(String option) {
        return mixee != null && mixee.commandLine() != null && mixee.commandLine().getParseResult() != null
                && mixee.commandLine().getParseResult().hasMatchedOption(option);
    }
}
