package dev.airlock.export.cli;

import dev.airlock.error.AirlockException;
import dev.airlock.export.config.ExportConfig;
import dev.airlock.export.preset.GitlabSecure;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/** {@code --preset} and the flags that override its environment variables, for {@code bundle} and {@code plan}. */
final class PresetOptions {
    @Option(names = "--preset", paramLabel = "NAME",
            description = "gitlab-secure: carry GitLab's Secure analyzers as PREFIX/ANALYZER:VERSION, named by the variables of the "
                    + "Secure-Binaries template (SECURE_BINARIES_ANALYZERS, SECURE_BINARIES_ANALYZER_VERSION, SECURE_ANALYZERS_PREFIX, "
                    + "SECURE_BINARIES_DOWNLOAD_IMAGES), each at the template's version for it; channel gitlab-secure unless --channel. "
                    + "Flags and --config override the variables. bundle.json records the preset.")
    String preset;

    @Option(names = "--analyzers", paramLabel = "LIST", description = "With --preset gitlab-secure: analyzers, comma-separated (over SECURE_BINARIES_ANALYZERS).")
    String analyzers;

    @Option(names = "--analyzer-version", paramLabel = "TAG", description = "With --preset gitlab-secure: one tag for every analyzer (over SECURE_BINARIES_ANALYZER_VERSION); without it, each "
            + "analyzer takes the major version GitLab's Secure-Binaries template pins it to.")
    String analyzerVersion;

    @Option(names = "--source-prefix", paramLabel = "HOST[:PORT]/PATH",
            description = "With --preset gitlab-secure: where the analyzers are pulled from (over SECURE_ANALYZERS_PREFIX; "
                    + "default registry.gitlab.com/security-products).")
    String sourcePrefix;

    @Option(names = "--skip-missing", description = "With --preset: carry the analyzers the source has and list the missing ones, "
            + "instead of failing before writing anything.")
    boolean skipMissing;

    @Option(names = "--save-artifacts", description = "With --preset gitlab-secure: also write one gzipped docker archive per analyzer "
            + "next to the bundle (over SECURE_BINARIES_SAVE_ARTIFACTS).")
    Boolean saveArtifacts;

    /** The preset named by --preset or by preset: in --config, resolved against the environment; null for none. */
    PresetRun resolve(ExportConfig config, Map<String, String> env) {
        String name = preset != null ? preset : config.preset();
        if (name == null) {
            if (analyzers != null || analyzerVersion != null || sourcePrefix != null || skipMissing || saveArtifacts != null
                    || config.gitlabSecure() != null || config.skipMissing() != null) {
                throw AirlockException.usage("--analyzers, --analyzer-version, --source-prefix, --skip-missing, --save-artifacts"
                        + " and gitlabSecure:/skipMissing: in --config need --preset gitlab-secure");
            }
            return null;
        }
        if (!name.equals(GitlabSecure.NAME)) {
            throw AirlockException.usage("unknown preset '" + name + "' (known: " + GitlabSecure.NAME + ")");
        }
        ExportConfig.GitlabSecure c = config.gitlabSecure();
        GitlabSecure.Settings fromConfig = c == null ? GitlabSecure.Settings.NONE
                : new GitlabSecure.Settings(c.analyzers(), c.analyzerVersion(), c.sourcePrefix(), c.downloadImages(), c.saveArtifacts());
        GitlabSecure.Settings fromFlags = new GitlabSecure.Settings(analyzers == null ? null : List.of(analyzers), analyzerVersion,
                sourcePrefix, null, saveArtifacts);
        boolean skip = skipMissing || Boolean.TRUE.equals(config.skipMissing());
        return new PresetRun(GitlabSecure.resolve(fromFlags, fromConfig, env), skip);
    }
}
