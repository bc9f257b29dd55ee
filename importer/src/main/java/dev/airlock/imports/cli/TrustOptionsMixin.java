package dev.airlock.imports.cli;

import dev.airlock.crypto.OpenPgpKeys;
import dev.airlock.crypto.TrustPolicy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import picocli.CommandLine.Option;

/** {@code --trust} and {@code --threshold}: who may sign, and how many must. */
final class TrustOptionsMixin {
    @Option(names = "--trust", required = true, paramLabel = "CERT.asc",
            description = "A certificate allowed to sign bundles (repeatable).")
    List<Path> certs = new ArrayList<>();

    @Option(names = "--threshold", paramLabel = "N", defaultValue = "1",
            description = "How many distinct trusted certificates must have signed (default: ${DEFAULT-VALUE}).")
    int threshold;

    TrustPolicy policy() {
        List<PGPPublicKeyRing> rings = new ArrayList<>();
        for (Path p : certs) {
            rings.addAll(OpenPgpKeys.readCertificates(p));
        }
        return new TrustPolicy(rings, threshold);
    }
}
