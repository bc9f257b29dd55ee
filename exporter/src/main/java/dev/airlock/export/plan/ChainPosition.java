package dev.airlock.export.plan;

import dev.airlock.error.AirlockException;
import dev.airlock.export.ExportLedger;
import dev.airlock.export.ExportRequest;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where in the channel's chain the next bundle goes: its parent (null for a full bundle), the
 * blobs the far side holds once it applied that parent, and what the chain named before (images by
 * source and their digests, and what was attached to each), which statuses compare with.
 */
public record ChainPosition(ExportLedger.Entry parent, Set<String> present, Map<String, String> previous,
        Map<String, List<String>> previouslyAttached) {

    public static ChainPosition locate(ExportRequest request, ExportLedger ledger) {
        ExportLedger.Entry parent = null;
        if (request.since() != null) {
            parent = ledger.find(request.since()).orElseThrow(() -> AirlockException.usage("--since " + request.since()
                    + ": channel '" + request.channel() + "' has no bundle " + request.since() + " in " + request.stateDir()));
        } else if (!request.full()) {
            parent = ledger.head().orElse(null);
        }
        Set<String> present = parent == null ? Set.of() : ledger.presentAt(parent.sequence());
        Long compared = parent != null ? Long.valueOf(parent.sequence()) : ledger.head().map(ExportLedger.Entry::sequence).orElse(null);
        return new ChainPosition(parent, present, compared == null ? Map.of() : ledger.imagesAt(compared),
                compared == null ? Map.of() : ledger.attachedAt(compared));
    }
}
