package dev.airlock.imports.cli;

import dev.airlock.cli.RegistryOptionsMixin;
import dev.airlock.crypto.TrustPolicy;
import dev.airlock.imports.ImportLedger;
import dev.airlock.imports.ImportRequest;
import dev.airlock.imports.TargetNaming;
import dev.airlock.registry.RegistryOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * What every command that imports takes ({@code import}, {@code watch}, {@code serve}): who may
 * sign, the target registry and its naming, the ledger directory, how many blobs at once, and how
 * to reach the registry.
 */
public final class ImportOptionsMixin {
    @Mixin
    TrustOptionsMixin trust;

    @Mixin
    RegistryOptionsMixin registryOptions;

    @Option(names = "--registry", required = true, paramLabel = "HOST[:PORT][/PREFIX]",
            description = "Target registry, and an optional path prefix for every repository. With --map, the target whose chain the bundle follows.")
    String registry;

    @Option(names = "--map", paramLabel = "SRC=DST",
            description = "Rewrite repository paths starting with SRC (host/path or path) to DST; longest SRC wins (repeatable).")
    List<String> maps = new ArrayList<>();

    @Option(names = "--strict-map", description = "Refuse a bundle (exit 2, before anything is pushed) when a --map rule places none "
            + "of its images; without it such a rule is a warning on stderr.")
    boolean strictMap;

    @Option(names = "--state", paramLabel = "DIR", description = "Importer ledger directory (one chain per channel and target). Default: $XDG_STATE_HOME/airlock/import.")
    Path state;

    @Option(names = "--parallel", paramLabel = "N", defaultValue = "4", description = "Blobs pushed at once (default: ${DEFAULT-VALUE}).")
    int parallel;

    public TargetNaming naming() {
        return new TargetNaming(registry, mapRules());
    }

    /** --registry as given. */
    public String registry() {
        return registry;
    }

    /** The --map rules, parsed (a bad one is a usage error). */
    public List<TargetNaming.Mapping> mapRules() {
        return maps.stream().map(TargetNaming.Mapping::parse).toList();
    }

    public Path stateDir() {
        return state != null ? state : ImportLedger.defaultStateDir();
    }

    public TrustPolicy trustPolicy() {
        return trust.policy();
    }

    /** The registry options; --creds goes to the target registry only. */
    public RegistryOptions registryOptions() {
        return registryOptions.toOptions(List.of(), null, List.of(naming().host()));
    }

    /** The request for {@code bundle}; every option checked (a bad one is a usage error). */
    public ImportRequest request(Path bundle, boolean reapply) {
        return request(bundle, reapply, null);
    }

    /** @param warnings where a warning line goes (a --map rule that placed no image) */
    public ImportRequest request(Path bundle, boolean reapply, java.util.function.Consumer<String> warnings) {
        return new ImportRequest(bundle, trustPolicy(), naming(), stateDir(), RegistryOptionsMixin.parallel(parallel), reapply,
                strictMap, warnings);
    }
}
