package dev.airlock.report;

import dev.airlock.bundle.BundleManifest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The "Attachments" section of a Markdown listing (the approver's report, {@code list --markdown}):
 * one row per attachment — its image, kind, detail, how it was found (its tag, or "referrer of"
 * the short digest of the manifest it attaches to) and its manifest digest. Bounded at
 * {@link #MAX_ROWS} rows, so a report of 1,000 images each signed on an index and every child
 * stays a report (the importer refuses reports over {@link ReportFile#MAX_SIZE}); images with
 * attachments new on the channel come first, so the bound never hides what is new before it
 * hides what is old, and a line says how many rows were left out and where every one is listed.
 * Where the exporter knows which attachments are new on the channel, their kind reads "**new**
 * signature".
 */
final class AttachmentsSection {
    static final int MAX_ROWS = 1000;
    /** Hex digits of a subject's digest shown in "referrer of sha256:…". */
    private static final int SHORT = 12;

    private AttachmentsSection() {
    }

    static void markdown(StringBuilder sb, BundleContents c) {
        List<BundleContents.ImageInfo> images = ordered(c);
        int total = images.stream().mapToInt(i -> i.attached().size()).sum();
        sb.append("\n## Attachments (").append(total).append(")\n\n");
        sb.append("Signatures, attestations, SBOMs and other artifacts that cross with their images: cosign's tags "
                + "(`sha256-<hex>.sig`, `.att`, `.sbom`) and OCI referrers (manifests whose `subject` names the image or one of its "
                + "manifests).\n\n");
        sb.append("| image | kind | detail | found as | manifest digest |\n|---|---|---|---|---|\n");
        int rows = 0;
        int leftImages = 0;
        Map<String, BundleContents.Change> changes = new HashMap<>();
        if (c.changes() != null) {
            c.changes().forEach(ch -> changes.put(ch.source(), ch));
        }
        for (BundleContents.ImageInfo i : images) {
            boolean cut = false;
            BundleContents.Change ch = changes.get(i.source());
            for (BundleManifest.Attachment a : i.attached()) {
                if (rows < MAX_ROWS) {
                    row(sb, i, a, ch != null && ch.isNew(a));
                    rows++;
                } else {
                    cut = true;
                }
            }
            leftImages += cut ? 1 : 0;
        }
        if (rows < total) {
            int left = total - rows;
            sb.append("\n").append(left).append(left == 1 ? " more attachment" : " more attachments").append(" of ").append(leftImages)
                    .append(leftImages == 1 ? " image" : " images").append(" not listed here (at most ").append(MAX_ROWS)
                    .append(" rows; images with new attachments first): `airlock-import list BUNDLE --json` lists every one under ")
                    .append("`images[].attachments`.\n");
        }
    }

    /** {@code fresh}: known to be new on the channel (the exporter's report), marked so in its kind. */
    private static void row(StringBuilder sb, BundleContents.ImageInfo i, BundleManifest.Attachment a, boolean fresh) {
        String kind = (fresh ? "**new** " : "") + AttachedSummary.word(AttachedSummary.kind(a).type(), 1);
        String detail = a.detail() == null ? "—" : ContentsFormat.cell(AttachedSummary.shown(a.detail()));
        sb.append("| `").append(ContentsFormat.cell(i.source())).append("` | ").append(kind).append(" | ").append(detail)
                .append(" | ").append(foundAs(a)).append(" | `").append(a.digest()).append("` |\n");
    }

    /** "tag `sha256-….sig`", "referrer of `sha256:0123456789ab`", or both. */
    static String foundAs(BundleManifest.Attachment a) {
        List<String> how = new ArrayList<>();
        if (a.tag() != null) {
            how.add("tag `" + a.tag() + "`");
        }
        if (a.referrer()) {
            String s = a.subject();
            int colon = s.indexOf(':');
            how.add("referrer of `" + (s.length() > colon + 1 + SHORT ? s.substring(0, colon + 1 + SHORT) : s) + "`");
        }
        return String.join(", ", how);
    }

    /** Images with attachments, those with attachments new on the channel first, each group in the bundle's order. */
    private static List<BundleContents.ImageInfo> ordered(BundleContents c) {
        Map<String, Integer> fresh = new HashMap<>();
        if (c.changes() != null) {
            c.changes().forEach(ch -> fresh.put(ch.source(), ch.newAttached()));
        }
        List<BundleContents.ImageInfo> out = new ArrayList<>();
        c.images().stream().filter(i -> !i.attached().isEmpty() && fresh.getOrDefault(i.source(), 0) > 0).forEach(out::add);
        c.images().stream().filter(i -> !i.attached().isEmpty() && fresh.getOrDefault(i.source(), 0) == 0).forEach(out::add);
        return out;
    }
}
