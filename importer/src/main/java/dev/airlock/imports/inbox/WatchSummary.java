package dev.airlock.imports.inbox;

import java.util.List;

/**
 * What a watcher did: bundles imported, already applied (moved to {@code done/} as duplicates),
 * refused (moved to {@code rejected/}), left to retry (the registry or this host failed, not the
 * bundle), and the channels waiting for a missing bundle.
 *
 * @param rejectedExitCode the highest exit code among the refused ones (0: none)
 * @param retryExitCode the highest exit code among those left to retry (0: none)
 * @param waiting one line per channel that holds a bundle for a missing one
 * @param left bundles not touched because they were still being written or incomplete
 */
public record WatchSummary(int imported, int duplicates, int rejected, int rejectedExitCode, int retrying, int retryExitCode,
        List<String> waiting, List<String> left) {

    /** 0 when nothing was refused and nothing is left to retry (held and incomplete bundles do not count); else the highest code. */
    public int exitCode() {
        return Math.max(rejectedExitCode, retryExitCode);
    }

    public String describe() {
        return imported + " imported, " + duplicates + " duplicate(s), " + rejected + " rejected, " + retrying + " left to retry, "
                + waiting.size() + " channel(s) waiting, " + left.size() + " not complete yet";
    }
}
