package dev.airlock.imports;

import dev.airlock.crypto.TrustPolicy;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * What to import, checked against whom, and where it lands.
 *
 * @param reapply push again a bundle the ledger shows applied (after the registry was wiped)
 * @param strictMap refuse the bundle (before anything is pushed) when a {@code --map} rule names the target of none of its images
 * @param warnings where a warning goes (a {@code --map} rule used by no image), one line each, without a prefix
 */
public record ImportRequest(Path bundle, TrustPolicy trust, TargetNaming naming, Path stateDir, int parallelism, boolean reapply,
        boolean strictMap, Consumer<String> warnings) {

    public ImportRequest {
        warnings = warnings == null ? w -> {
        } : warnings;
    }

    /** No {@code --strict-map}, warnings dropped. */
    public ImportRequest(Path bundle, TrustPolicy trust, TargetNaming naming, Path stateDir, int parallelism, boolean reapply) {
        this(bundle, trust, naming, stateDir, parallelism, reapply, false, null);
    }

    /** The same request for another bundle file (the watched inbox). */
    public ImportRequest forBundle(Path other) {
        return new ImportRequest(other, trust, naming, stateDir, parallelism, reapply, strictMap, warnings);
    }
}
