package dev.airlock.imports;

import dev.airlock.bundle.BundleManifest;
import dev.airlock.report.AttachedSummary;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One image's attachments between two bundles: those NEW lists that OLD did not ({@code added})
 * and those OLD listed that NEW does not ({@code removed}). An attachment is the same when its
 * manifest digest is — what the exporter counts as carried before on a channel — so a signature
 * found again under another name is not news.
 */
public record AttachmentDiff(List<BundleManifest.Attachment> added, List<BundleManifest.Attachment> removed) {
    public AttachmentDiff {
        added = List.copyOf(added);
        removed = List.copyOf(removed);
    }

    /** Null when either side records no attachments (a receipt); an image absent on a side has none there. */
    static AttachmentDiff of(Map<String, List<BundleManifest.Attachment>> older, Map<String, List<BundleManifest.Attachment>> newer,
            String source) {
        if (older == null || newer == null) {
            return null;
        }
        Map<String, BundleManifest.Attachment> before = byDigest(older.getOrDefault(source, List.of()));
        Map<String, BundleManifest.Attachment> after = byDigest(newer.getOrDefault(source, List.of()));
        return new AttachmentDiff(after.values().stream().filter(x -> !before.containsKey(x.digest())).toList(),
                before.values().stream().filter(x -> !after.containsKey(x.digest())).toList());
    }

    public boolean isEmpty() {
        return added.isEmpty() && removed.isEmpty();
    }

    /** "1 new signature; 1 SBOM (spdx+json) removed", or "" when nothing changed. */
    public String describe() {
        return AttachedSummary.change(AttachedSummary.kinds(added), AttachedSummary.kinds(removed));
    }

    private static Map<String, BundleManifest.Attachment> byDigest(List<BundleManifest.Attachment> list) {
        Map<String, BundleManifest.Attachment> m = new LinkedHashMap<>();
        list.forEach(x -> m.putIfAbsent(x.digest(), x));
        return m;
    }
}
