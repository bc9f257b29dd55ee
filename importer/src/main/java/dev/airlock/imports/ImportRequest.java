package dev.airlock.imports;

import dev.airlock.copy.AttachedSelection;
import dev.airlock.crypto.TrustPolicy;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * What to import, checked against whom, and where it lands.
 *
 * @param reapply push again a bundle the ledger shows applied (after the registry was wiped)
 * @param strictMap refuse the bundle (before anything is pushed) when a {@code --map} rule names the target of none of its images
 * @param warnings where a warning goes (a {@code --map} rule used by no image), one line each, without a prefix
 * @param reportBeside whether a report beside the bundle that does not match the signed digest
 *     refuses the bundle ({@code import}, {@code verify}: the operator chose the file and the report
 *     beside it) or is left to the caller ({@code watch}, {@code serve}: anyone who can drop a file
 *     into the inbox could otherwise veto a signed, intact bundle with a stray report)
 */
public record ImportRequest(Path bundle, TrustPolicy trust, TargetNaming naming, Path stateDir, int parallelism, boolean reapply,
        boolean strictMap, Consumer<String> warnings, ReportBeside reportBeside, AttachedSelection attached,
        dev.airlock.upstream.ImageVerification upstream) {

    /** What a report lying beside the bundle does to the import. */
    public enum ReportBeside {
        /** A report that does not match the signed bundle.json refuses the bundle (exit 3). */
        MUST_MATCH,
        /**
         * Not looked at here: the inbox checks it after the import and sets a mismatching one aside.
         * Nor does a volume beside a set that its signed list does not name refuse the set (a
         * stranger's {@code NAME.tar.999}): only the listed volumes are read.
         */
        CALLER_CHECKS
    }

    public ImportRequest {
        warnings = warnings == null ? w -> {
        } : warnings;
        reportBeside = reportBeside == null ? ReportBeside.MUST_MATCH : reportBeside;
        attached = attached == null ? AttachedSelection.ALL : attached;
    }

    /** Every attachment pushed. */
    public ImportRequest(Path bundle, TrustPolicy trust, TargetNaming naming, Path stateDir, int parallelism, boolean reapply,
            boolean strictMap, Consumer<String> warnings, ReportBeside reportBeside) {
        this(bundle, trust, naming, stateDir, parallelism, reapply, strictMap, warnings, reportBeside, AttachedSelection.ALL, null);
    }

    /** The same request with only {@code selection}'s attachments pushed (the others still verified). */
    public ImportRequest withAttached(AttachedSelection selection) {
        return new ImportRequest(bundle, trust, naming, stateDir, parallelism, reapply, strictMap, warnings, reportBeside, selection,
                upstream);
    }

    /**
     * The same request checking, before any push, that each image's carried upstream signatures
     * satisfy {@code policy} ({@code --verify-policy}); null: no check.
     */
    public ImportRequest withVerifyPolicy(dev.airlock.upstream.UpstreamPolicy policy) {
        return new ImportRequest(bundle, trust, naming, stateDir, parallelism, reapply, strictMap, warnings, reportBeside, attached,
                policy == null ? null : dev.airlock.upstream.ImageVerification.of(policy));
    }

    /** A report that does not match refuses the bundle. */
    public ImportRequest(Path bundle, TrustPolicy trust, TargetNaming naming, Path stateDir, int parallelism, boolean reapply,
            boolean strictMap, Consumer<String> warnings) {
        this(bundle, trust, naming, stateDir, parallelism, reapply, strictMap, warnings, ReportBeside.MUST_MATCH);
    }

    /** No {@code --strict-map}, warnings dropped. */
    public ImportRequest(Path bundle, TrustPolicy trust, TargetNaming naming, Path stateDir, int parallelism, boolean reapply) {
        this(bundle, trust, naming, stateDir, parallelism, reapply, false, null);
    }

    /** The same request landing by {@code other} ({@code --preset}: the preset's rules with --map's); every other setting kept. */
    public ImportRequest withNaming(TargetNaming other) {
        return new ImportRequest(bundle, trust, other, stateDir, parallelism, reapply, strictMap, warnings, reportBeside, attached,
                upstream);
    }

    /** The same request for another bundle file (the watched inbox). */
    public ImportRequest forBundle(Path other) {
        return new ImportRequest(other, trust, naming, stateDir, parallelism, reapply, strictMap, warnings, reportBeside, attached,
                upstream);
    }
}
