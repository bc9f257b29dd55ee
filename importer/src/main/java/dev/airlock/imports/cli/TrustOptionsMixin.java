package dev.airlock.imports.cli;

import dev.airlock.crypto.OpenPgpKeys;
import dev.airlock.crypto.TrustPolicy;
import dev.airlock.imports.config.ImportConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code --trust} and {@code --threshold}: who may sign, and how many must; and {@code --config},
 * whose {@code trust:} and {@code threshold:} stand in for them (flags win).
 */
final class TrustOptionsMixin {
    /** The one default of --threshold. */
    static final int DEFAULT_THRESHOLD = 1;

    @Option(names = "--trust", paramLabel = "CERT.asc",
            description = "A certificate allowed to sign bundles (repeatable). Required, here or as trust: in --config.")
    List<Path> certs = new ArrayList<>();

    @Option(names = "--threshold", paramLabel = "N",
            description = "How many distinct trusted certificates must have signed (default: 1).")
    Integer threshold;

    @Mixin
    ImportConfigOption config;

    /** The policy; no certificate (neither --trust nor trust: in --config) is a usage error. */
    TrustPolicy policy() {
        ImportConfig c = config.get();
        List<Path> files = files();
        config.require(files.isEmpty() ? null : files, "--trust CERT.asc", "trust");
        List<PGPPublicKeyRing> rings = new ArrayList<>();
        for (Path p : files) {
            rings.addAll(OpenPgpKeys.readCertificates(p));
        }
        Integer n = ImportConfigOption.or(threshold, c.threshold());
        return new TrustPolicy(rings, n != null ? n : DEFAULT_THRESHOLD);
    }

    /** The certificate files: --trust, else trust: in --config (may be empty). */
    List<Path> files() {
        return !certs.isEmpty() ? certs : config.paths(config.get().trust());
    }
}
