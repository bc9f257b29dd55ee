package dev.airlock.export.plan;

import dev.airlock.bundle.BundleManifest;
import dev.airlock.export.ExportLedger;
import dev.airlock.report.PlatformSummary;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What the plan and the bundle's output say about platforms: for each index cut, how
 * ({@link PlatformSummary}); and when the platform set is not the one of the channel's last bundle,
 * that it changed (the set is part of the channel's identity; the delta then carries what the new
 * set needs, blob by blob as always).
 */
public final class PlatformNotes {
    private PlatformNotes() {
    }

    /** @param set the chosen platforms (normalized, sorted), null for every platform */
    public static List<String> of(List<BundleManifest.Image> images, List<String> set, ExportLedger ledger) {
        List<String> out = new ArrayList<>();
        ExportLedger.Entry head = ledger.head().orElse(null);
        String change = change(head, set);
        if (change != null) {
            out.add(change);
        }
        for (BundleManifest.Image i : images) {
            String line = PlatformSummary.of(i);
            if (line != null) {
                out.add(i.source() + ": " + line);
            }
        }
        return out;
    }

    /** "platforms changed: …", or null when the set is the channel's last bundle's (or the channel has none yet). */
    public static String change(ExportLedger.Entry head, List<String> set) {
        if (head == null || Objects.equals(head.platforms(), set)) {
            return null;
        }
        return "platforms changed: " + words(set) + " (the channel's last bundle, " + head.sequence() + ", carried "
                + words(head.platforms()) + "); this bundle carries what the new set needs";
    }

    public static String words(List<String> set) {
        return set == null ? "every platform" : String.join(", ", set);
    }
}
