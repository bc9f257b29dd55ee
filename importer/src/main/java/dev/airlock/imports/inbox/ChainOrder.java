package dev.airlock.imports.inbox;

import dev.airlock.bundle.BundleInput;
import dev.airlock.bundle.BundleManifest;
import dev.airlock.bundle.UntrustedBundle;
import dev.airlock.error.AirlockException;
import dev.airlock.digest.Digest;
import dev.airlock.imports.ImportLedger;
import java.nio.file.Path;

/**
 * The order bundles of one channel are taken in. Only the ORDER comes from here, read from each
 * bundle's bundle.json before its signature is checked: a forged one can at worst make the watcher
 * try a bundle early or late, and the import then checks everything (signatures, the chain against
 * the ledger, every byte) as it does for a bundle named on the command line.
 *
 * <p>A bundle is taken when the import's chain check would let it through (the next delta, a full
 * bundle, a {@code --since} bundle whose parent is the last applied, one already applied) or would
 * refuse it for good (a replay, a parent that disagrees): either way waiting cannot help. It is
 * held only when its parent has not been applied yet, which a later arrival can change.
 */
final class ChainOrder {
    private ChainOrder() {
    }

    /** What bundle.json claims, unverified: enough to order and to report. */
    record Peek(String channel, long sequence, Long parentSequence, String digest) {
        boolean isFull() {
            return parentSequence == null;
        }

        String describe() {
            return "channel " + channel + ", sequence " + sequence + (isFull() ? " (full)" : " (delta after " + parentSequence + ")");
        }
    }

    /** Held: the first and last sequence missing before this bundle can follow, and the last applied (0: none). */
    record Hold(long missingFrom, long missingTo, long lastApplied) {
        String missing() {
            return missingFrom == missingTo ? "sequence " + missingFrom : "sequences " + missingFrom + " to " + missingTo;
        }
    }

    /** Reads bundle.json from a bundle file or a complete volume set, without trusting it. */
    static Peek peek(Path open) {
        try (UntrustedBundle b = BundleInput.open(open, null, false)) { // as the inbox's import: a stray volume does not make it unreadable
            return b.readUntrustedManifest(ChainOrder::peek);
        }
    }

    /**
     * Channel, sequence and parent of an unverified bundle.json, read as a stream of tokens (a
     * typed parse of 60 MiB of {@code {"blobs":[{},…]}} held millions of objects: red-team pass
     * G); only for ordering — the import verifies the whole of it.
     */
    private static Peek peek(byte[] raw) {
        dev.airlock.imports.cli.UnverifiedSummary s;
        try {
            s = dev.airlock.imports.cli.UnverifiedSummary.of(raw);
        } catch (java.io.IOException e) {
            throw AirlockException.malformed("airlock/bundle.json is not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (!BundleManifest.CHANNEL.matcher(s.channel()).matches() || !s.sequence().matches("[1-9][0-9]{0,17}")
                || s.parent() == null || !s.parent().isEmpty() && !s.parent().matches("[1-9][0-9]{0,17} sha256:[0-9a-f]{64}")) {
            throw AirlockException.malformed("airlock/bundle.json has no valid channel, sequence and parent");
        }
        long sequence = Long.parseLong(s.sequence());
        Long parent = s.parent().isEmpty() ? null : Long.valueOf(s.parent().substring(0, s.parent().indexOf(' ')));
        if (parent != null && parent >= sequence) {
            throw AirlockException.malformed("airlock/bundle.json has an invalid parent " + parent);
        }
        return new Peek(s.channel(), sequence, parent, Digest.sha256Of(raw).toString());
    }

    /** Null when the bundle may be taken now; else what it waits for. */
    static Hold hold(Peek p, ImportLedger ledger) {
        if (p.isFull() || ledger.isApplied(p.digest())) {
            return null;
        }
        if (ledger.last().isEmpty()) {
            return new Hold(1, p.parentSequence(), 0);
        }
        long last = ledger.last().get().sequence();
        if (p.parentSequence() > last && p.sequence() > last) {
            return new Hold(last + 1, p.parentSequence(), last);
        }
        return null;
    }
}
