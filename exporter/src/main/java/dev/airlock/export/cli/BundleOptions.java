package dev.airlock.export.cli;

import dev.airlock.export.plan.PlatformSelection;
import dev.airlock.oci.PlatformMatcher;

import dev.airlock.cli.Passphrases;
import dev.airlock.cli.RegistryOptionsMixin;
import dev.airlock.cli.Units;
import dev.airlock.bundle.BundleWriter;
import dev.airlock.error.AirlockException;
import dev.airlock.export.ExportLedger;
import dev.airlock.export.ExportRequest;
import dev.airlock.copy.AttachedSelection;
import dev.airlock.export.config.ExportConfig;
import dev.airlock.registry.RegistryClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The arguments {@code bundle} and {@code plan} share, merged with {@code --config} (flags win). */
final class BundleOptions {
    @Mixin
    RegistryOptionsMixin registry;

    @Option(names = "--image", paramLabel = "REF", description = "Image to carry, by tag or REF@sha256:... (repeatable).")
    List<String> images = new ArrayList<>();

    @Option(names = "--from-docker-archive", paramLabel = "FILE.tar[.gz][=NAME:TAG]",
            description = "Also carry the images of this docker save / docker-archive file, under its RepoTags (or NAME:TAG for a "
                    + "one-image archive). Repeatable; may replace --image.")
    List<String> dockerArchives = new ArrayList<>();

    @Option(names = "--channel", paramLabel = "NAME", description = "The channel: one chain of bundles to one offline side.")
    String channel;

    @Option(names = "--key", paramLabel = "KEY.asc", description = "Secret signing key (from keygen). Repeat to sign with several keys (m-of-n).")
    List<Path> keys = new ArrayList<>();

    @Option(names = "--passphrase-file", paramLabel = "FILE", description = "Passphrase of the key. Default: AIRLOCK_KEY_PASSPHRASE, else none.")
    Path passphraseFile;

    @Option(names = "--out", paramLabel = "DIR", description = "Directory to write the bundle into (a USB stick, a diode outbox).")
    Path out;

    @Option(names = "--state", paramLabel = "DIR", description = "Exporter ledger directory. Default: $XDG_STATE_HOME/airlock/export.")
    Path state;

    @Option(names = "--config", paramLabel = "FILE", description = "YAML with the same settings (images, channel, key, out, ...); flags win.")
    Path config;

    @Option(names = "--full", description = "Write a complete bundle that starts a new baseline (for a new or out-of-step offline side).")
    boolean full;

    @Option(names = "--since", paramLabel = "SEQ",
            description = "Write a catch-up delta for an offline side known to be at bundle SEQ: it carries everything shipped after SEQ that the images still use.")
    Long since;

    @Option(names = "--if-changed", description = "Write nothing (exit 0, and \"changed\": false with --json) when every image "
            + "resolves to the digest it had in the channel's last bundle: for cron. No bundle, no ledger entry, no push.")
    boolean ifChanged;

    @Option(names = "--parallel", paramLabel = "N", defaultValue = "4", description = "Blobs fetched at once (default: ${DEFAULT-VALUE}).")
    int parallel;

    @Option(names = "--max-volume-size", paramLabel = "SIZE", converter = Units.SizeConverter.class,
            description = "Write the bundle as volumes NAME.tar.000, .001, ... of at most SIZE bytes, plus NAME.volumes.json and its "
                    + "signature: 4G (4,000,000,000 bytes) for FAT32, 4700M for a DVD, 64MiB; K/M/G/T are 1000-based, Ki/Mi/Gi/Ti 1024-based; at least 1M.")
    Long maxVolumeSize;

    @Option(names = "--no-verify-after-write", negatable = false,
            description = "Do not read the written bundle back from the medium to check it (it is by default, before the rename).")
    boolean noVerifyAfterWrite;

    @Option(names = "--no-report", negatable = false,
            description = "Do not write the approver's report NAME.report.md next to the bundle (it is by default, its sha256 in the signed bundle.json).")
    boolean noReport;

    @Option(names = "--attached", paramLabel = "all|signatures|none",
            description = "What attached to each image crosses with it: all (default: cosign signatures, attestations and SBOMs under "
                    + "their sha256-<hex>.sig/.att/.sbom tags, and OCI referrers), signatures (cosign, Sigstore bundle, Notary v2), or none.")
    String attached;

    @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]",
            description = "Carry only this platform of each multi-platform image (repeatable; matched as containerd does: linux/arm64 is "
                    + "linux/arm64/v8). Default: every platform; an image without any chosen platform is refused.")
    List<String> platform;

    @Option(names = "--platform-index", paramLabel = "rewrite|sparse",
            description = "What lands for an index cut to some of its platforms: rewrite (default: a new index of the kept entries, "
                    + "new digest, stated) or sparse (the source index, same digest, only chosen children; the target registry must accept it).")
    String platformIndex;

    @Option(names = "--verify-policy", paramLabel = "FILE",
            description = "Check each image's upstream cosign signatures against this policy (YAML: trustedRoot, rules of match and keys or"
                    + " keyless) before anything is written; an image that fails is refused (exit 3). What verified each is recorded.")
    Path verifyPolicy;

    @Option(names = "--push", paramLabel = "sftp://USER@HOST[:PORT]/DIR",
            description = "Then push the bundle to a bastion over SFTP (as the push command does; with --identity).")
    String push;

    @Mixin
    SshOptions ssh;

    @Mixin
    PresetOptions presetOptions;

    private ExportConfig loaded;
    private PresetRun preset;
    private boolean presetResolved;

    /** The --preset (or preset: in --config) resolved against the environment; null for none. */
    PresetRun preset() {
        if (!presetResolved) {
            preset = presetOptions.resolve(cfg(), System.getenv());
            presetResolved = true;
        }
        return preset;
    }

    private ExportConfig cfg() {
        if (loaded == null) {
            loaded = config != null ? ExportConfig.load(config) : ExportConfig.empty();
        }
        return loaded;
    }

    /** The files this run reads besides its keys and archives (the config, the passphrase file): inputs the output must not touch. */
    List<Path> otherInputs() {
        List<Path> in = new java.util.ArrayList<>();
        in.add(config);
        in.add(passphraseFile != null ? passphraseFile : config == null ? null : ExportConfig.resolve(config, cfg().passphraseFile()));
        in.addAll(java.util.Arrays.asList(registry.caFile, registry.authFile, registry.credsFile, ssh.identity, ssh.identityPassphraseFile,
                ssh.knownHosts));
        in.add(verifyPolicy != null ? verifyPolicy : config == null ? null : ExportConfig.resolve(config, cfg().verifyPolicy()));
        if (config != null) {
            in.add(ExportConfig.resolve(config, cfg().caFile()));
            in.add(ExportConfig.resolve(config, cfg().authFile()));
        }
        // The credentials file named by the environment (REGISTRY_AUTH_FILE, as skopeo reads it), where no
        // option names one: the other files it may read have fixed names no writer's name can match.
        String envAuthFile = System.getenv("REGISTRY_AUTH_FILE");
        if (envAuthFile != null && !envAuthFile.isEmpty()) {
            in.add(Path.of(envAuthFile));
        }
        if (registry.certDir != null) {
            try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(registry.certDir)) {
                files.forEach(in::add);
            } catch (java.io.IOException e) {
                // its own reader names it
            }
        }
        in.removeIf(java.util.Objects::isNull);
        return in;
    }

    /** For {@code bundle}: --key and --out are required; the passphrase is read. */
    ExportRequest request() {
        ExportConfig c = cfg();
        String ch = channel();
        List<Path> keyFiles = require(keyFiles().isEmpty() ? null : keyFiles(), "--key");
        Path outDir = require(outDir(), "--out");
        Path pass = passphraseFile != null ? passphraseFile : ExportConfig.resolve(config, c.passphraseFile());
        return new ExportRequest(images(), ch, keyFiles, Passphrases.forSigning(pass, keyFiles), outDir, stateDir(), full, since, media());
    }

    /**
     * For {@code plan}, which accepts the same command line: --key and --out are optional and no
     * file they or --passphrase-file name is opened. The keys are only counted; the output
     * directory (may be null) only names the target in the plan.
     */
    ExportRequest planRequest() {
        return new ExportRequest(images(), channel(), keyFiles(), null, outDir(), stateDir(), full, since, media());
    }

    /** The settings plan and bundle share, set on {@code service}: archives, attachments, platforms, upstream policy, report. */
    dev.airlock.export.ExportService configure(dev.airlock.export.ExportService service) {
        return service.dockerArchives(dockerArchives).attached(attached()).platforms(platforms()).verifyPolicy(verifyPolicy())
                .report(!noReport).preset(preset() == null ? null : dev.airlock.export.preset.GitlabSecure.NAME);
    }

    /** --verify-policy, else verifyPolicy: in --config (relative to it), else none; read and checked now (exit 2 for a bad one). */
    dev.airlock.upstream.UpstreamPolicy verifyPolicy() {
        Path file = verifyPolicy != null ? verifyPolicy : ExportConfig.resolve(config, cfg().verifyPolicy());
        return file == null ? null : dev.airlock.upstream.UpstreamPolicy.load(file);
    }

    /** --attached, else attached: in --config, else all. */
    AttachedSelection attached() {
        return attached != null ? AttachedSelection.parse(attached, "--attached")
                : AttachedSelection.parse(cfg().attached(), "config " + config + ": attached");
    }

    /** --platform and --platform-index, else platforms: and platformIndex: in --config; no platform named: every platform. */
    PlatformSelection.Options platforms() {
        ExportConfig c = cfg();
        List<String> chosen = platform != null && !platform.isEmpty() ? platform : c.platforms();
        PlatformSelection.Mode mode = platformIndex != null ? PlatformSelection.Mode.parse(platformIndex, "--platform-index")
                : PlatformSelection.Mode.parse(c.platformIndex(), "config " + config + ": platformIndex");
        if (chosen == null || chosen.isEmpty()) {
            return PlatformSelection.Options.ALL;
        }
        return new PlatformSelection.Options(PlatformMatcher.of(chosen), mode);
    }

    /** --max-volume-size and --no-verify-after-write, else their settings in --config. */
    ExportRequest.Media media() {
        ExportConfig c = cfg();
        long volume = 0;
        if (maxVolumeSize != null) {
            volume = maxVolumeSize;
        } else if (c.maxVolumeSize() != null) {
            try {
                volume = Units.size(c.maxVolumeSize());
            } catch (IllegalArgumentException e) {
                throw AirlockException.usage("config " + config + ": maxVolumeSize " + e.getMessage());
            }
        }
        if (volume != 0 && volume < BundleWriter.Media.MIN_VOLUME) {
            throw AirlockException.usage("--max-volume-size " + volume + " bytes is below the smallest volume, 1M (1,000,000 bytes)");
        }
        boolean verify = !noVerifyAfterWrite && (c.verifyAfterWrite() == null || c.verifyAfterWrite());
        return new ExportRequest.Media(volume, verify);
    }

    private List<String> images() {
        ExportConfig c = cfg();
        if (preset() != null) {
            if (!images.isEmpty() || c.images() != null) {
                throw AirlockException.usage("--preset " + dev.airlock.export.preset.GitlabSecure.NAME + " names the images itself (SECURE_BINARIES_ANALYZERS"
                        + " or --analyzers); drop --image and images: in --config");
            }
            return preset().images();
        }
        return !images.isEmpty() ? images : c.images() != null ? c.images() : List.of();
    }

    private String channel() {
        String given = channel != null ? channel : cfg().channel();
        return require(given == null && preset() != null ? preset().channel() : given, "--channel");
    }

    private List<Path> keyFiles() {
        ExportConfig c = cfg();
        return !keys.isEmpty() ? keys : c.key() != null ? List.of(ExportConfig.resolve(config, c.key())) : List.of();
    }

    private Path outDir() {
        return out != null ? out : ExportConfig.resolve(config, cfg().out());
    }

    Path stateDir() {
        ExportConfig c = cfg();
        return state != null ? state : c.state() != null ? ExportConfig.resolve(config, c.state()) : ExportLedger.defaultStateDir();
    }

    RegistryClient client() {
        ExportConfig c = cfg();
        if (registry.authFile == null) {
            registry.authFile = ExportConfig.resolve(config, c.authFile());
        }
        // --creds goes only to the registries the images come from (refused when there are several).
        java.util.Set<String> hosts = new java.util.HashSet<>();
        for (String image : images()) {
            try {
                hosts.add(dev.airlock.oci.ImageReference.parse(image).apiHost());
            } catch (AirlockException e) {
                // refused with its own message where the images are read
            }
        }
        return new RegistryClient(registry.toOptions(c.insecureRegistries(), ExportConfig.resolve(config, c.caFile()), hosts));
    }

    /** For {@code bundle --push}: where to and how (null without --push); the identity is not read here. */
    dev.airlock.export.sftp.PushRequest pushRequest() {
        if (push == null) {
            if (ssh.given()) {
                throw AirlockException.usage("--identity, --identity-passphrase-file, --known-hosts and --remote-import need --push");
            }
            return null;
        }
        return ssh.request(push, "--push", registry.retries, registry.idleTimeout);
    }

    static <T> T require(T value, String flag) {
        if (value == null) {
            throw AirlockException.usage("missing " + flag + " (or its setting in --config)");
        }
        return value;
    }
}
