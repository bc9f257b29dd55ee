package dev.airlock.imports;

import dev.airlock.crypto.TrustPolicy;
import java.nio.file.Path;

/**
 * What to import, checked against whom, and where it lands.
 *
 * @param reapply push again a bundle the ledger shows applied (after the registry was wiped)
 */
public record ImportRequest(Path bundle, TrustPolicy trust, TargetNaming naming, Path stateDir, int parallelism, boolean reapply) {
}
