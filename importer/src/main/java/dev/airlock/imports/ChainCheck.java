package dev.airlock.imports;

import dev.airlock.bundle.BundleManifest;
import dev.airlock.digest.Digest;
import dev.airlock.error.AirlockException;

/**
 * Decides whether a verified bundle may be applied after what this side already holds in the
 * target being imported into (each target has its own chain, see {@link ImportLedger}): a full
 * bundle at any time (but never an older one), a delta only right after its parent, and a bundle
 * already applied as a no-op. Every refusal names the way out.
 */
final class ChainCheck {
    enum Decision { APPLY, ALREADY_APPLIED }

    private ChainCheck() {
    }

    /** @param reapply push a bundle again although the ledger shows it applied (a wiped or replaced registry) */
    static Decision check(ImportLedger ledger, BundleManifest m, Digest digest, boolean reapply) {
        if (ledger.isApplied(digest.toString())) {
            return reapply ? Decision.APPLY : Decision.ALREADY_APPLIED;
        }
        String ch = "channel '" + m.channel() + "'";
        String here = "to target " + ledger.target() + " (" + ledger.file() + ")";
        if (ledger.last().isEmpty()) {
            if (m.isFull()) {
                return Decision.APPLY;
            }
            throw AirlockException.chain("bundle " + m.sequence() + " of " + ch + " is a delta after bundle " + m.parent().sequence()
                    + ", but no bundle of this channel has been applied " + here + ": missing "
                    + range(1, m.parent().sequence()) + ". Import the bundles from the last full one on, or ask the sender for a --full bundle"
                    + ChainRulesHint.of(ledger, m));
        }
        ImportLedger.Applied last = ledger.last().get();
        if (m.sequence() <= last.sequence()) {
            throw AirlockException.chain("bundle " + m.sequence() + " of " + ch + " (" + digest + ") is not newer than bundle "
                    + last.sequence() + " (" + last.digest() + "), the last applied " + here + ", and is not one already applied: "
                    + "refusing a replay that could roll images back. If it is expected, ask the sender for a new --full bundle");
        }
        if (m.isFull()) {
            return Decision.APPLY;
        }
        BundleManifest.Parent p = m.parent();
        if (p.sequence() == last.sequence()) {
            if (p.digest().equals(last.digest())) {
                return Decision.APPLY;
            }
            throw AirlockException.chain("bundle " + m.sequence() + " of " + ch + " follows bundle " + p.sequence() + " with digest "
                    + p.digest() + ", but bundle " + last.sequence() + " applied " + here + " has digest " + last.digest()
                    + ": the two sides disagree. Ask the sender for a --full bundle, or for a '--since " + last.sequence()
                    + "' bundle made from the same exporter state");
        }
        if (p.sequence() > last.sequence()) {
            throw AirlockException.chain("bundle " + m.sequence() + " of " + ch + " follows bundle " + p.sequence() + " (" + p.digest()
                    + "), but the last bundle applied " + here + " is " + last.sequence() + " (" + last.digest() + "): missing "
                    + range(last.sequence() + 1, p.sequence()) + ". Import the missing bundle(s) first, or ask the sender for a "
                    + "--full bundle or a '--since " + last.sequence() + "' bundle" + ChainRulesHint.of(ledger, m));
        }
        throw AirlockException.chain("bundle " + m.sequence() + " of " + ch + " follows bundle " + p.sequence()
                + ", but this side has already applied " + here + " up to bundle " + last.sequence() + " (" + last.digest()
                + "). Ask the sender for a '--since " + last.sequence() + "' bundle or a --full bundle");
    }

    private static String range(long from, long to) {
        return from == to ? "sequence " + from : "sequences " + from + " to " + to;
    }
}
