package dev.airlock.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.bundle.BundleManifest;
import dev.airlock.cli.Units;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders {@link BundleContents} as plain text (a terminal), Markdown (the exporter's
 * {@code NAME.report.md} and {@code list --markdown}) and JSON. The three say the same things.
 */
public final class ContentsFormat {
    public static final String LIST_SCHEMA = dev.airlock.cli.JsonOutput.LIST;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ContentsFormat() {
    }

    /**
     * A bundle's contents with what is known about the file.
     *
     * @param bundle the bundle as named (a path, or the file name in the exporter's report)
     * @param digest the bundle's digest, or null where it cannot be known (the report is written
     *               before bundle.json, which holds the report's own digest)
     * @param report the report's name and state ("NAME.report.md (matches)"), or null for none
     */
    public record Listing(String bundle, String digest, String report, BundleContents contents) {
    }

    public static String text(Listing l) {
        BundleContents c = l.contents();
        StringBuilder sb = new StringBuilder();
        line(sb, "verified", l.bundle() + " (signatures, and every blob's digest and size)");
        if (l.digest() != null) {
            line(sb, "digest", l.digest());
        }
        line(sb, "channel", c.channel() + "  sequence " + c.sequence() + " (" + chainPosition(c) + ")");
        if (!c.isFull()) {
            line(sb, "parent", c.parent().sequence() + " " + c.parent().digest());
        }
        line(sb, "created", c.created() + (c.tool() == null ? "" : "  by " + c.tool()));
        c.signers().forEach(s -> line(sb, "signer", s));
        if (l.report() != null) {
            line(sb, "report", l.report());
        }
        line(sb, "carries", blobs(c.carriedBlobs(), c.carriedBytes()) + "; leaves " + blobs(c.requiredBlobs(), c.requiredBytes())
                + " to earlier bundles");
        line(sb, "images", String.valueOf(c.images().size()));
        for (BundleContents.ImageInfo i : c.images()) {
            line(sb, "image", i.source());
            line(sb, "  digest", i.digest() + "  (" + i.mediaType() + ")");
            line(sb, "  platforms", String.join(", ", i.platforms()));
            if (i.platformCut() != null) {
                line(sb, "  index", i.platformCut());
            }
            line(sb, "  size", Units.bytes(i.size()) + " in " + i.blobs() + " blob" + (i.blobs() == 1 ? "" : "s") + ": "
                    + blobs(i.carriedBlobs(), i.carriedBytes()) + " carried here, " + blobs(i.requiredBlobs(), i.requiredBytes())
                    + " in earlier bundles");
            if (!i.attached().isEmpty()) {
                line(sb, "  attached", AttachedSummary.ofBundle(i.attached()));
            }
            if (i.upstream() != null) {
                line(sb, "  upstream", UpstreamSummary.of(i.upstream()));
            }
        }
        if (c.changes() != null) {
            Map<String, BundleContents.ImageInfo> bySource = bySource(c);
            for (BundleContents.Change ch : c.changes()) {
                String fresh = freshNote(ch, bySource.get(ch.source()));
                line(sb, ch.change(), ch.source() + "  " + transition(ch) + (fresh.isEmpty() ? "" : "  (" + fresh + ")"));
            }
        }
        return sb.toString();
    }

    /**
     * Markdown, readable as plain text too: a summary table, one table row per image, and what
     * changed since the parent when that is known.
     */
    public static String markdown(Listing l) {
        BundleContents c = l.contents();
        StringBuilder sb = new StringBuilder();
        sb.append("# airlock bundle ").append(cell(l.bundle())).append("\n\n");
        sb.append("| | |\n|---|---|\n");
        row(sb, "channel", cell(c.channel()));
        row(sb, "sequence", c.sequence() + " (" + chainPosition(c) + ")");
        if (!c.isFull()) {
            row(sb, "parent", c.parent().sequence() + ", bundle digest `" + c.parent().digest() + "`");
        }
        if (l.digest() != null) {
            row(sb, "bundle digest", "`" + l.digest() + "`");
        }
        row(sb, "created", cell(c.created()) + (c.tool() == null ? "" : " by " + cell(c.tool())));
        for (String s : c.signers()) {
            row(sb, "signed by", "`" + cell(s) + "`");
        }
        if (l.report() != null) {
            row(sb, "report", cell(l.report()));
        }
        row(sb, "carries", blobs(c.carriedBlobs(), c.carriedBytes()) + " (" + c.carriedBytes() + " bytes)");
        row(sb, "leaves to earlier bundles", blobs(c.requiredBlobs(), c.requiredBytes()) + " (" + c.requiredBytes() + " bytes)");
        sb.append("\n## Images (").append(c.images().size()).append(")\n\n");
        // The attached column only where something is attached: bundles without attachments read as before.
        boolean attached = c.images().stream().anyMatch(i -> !i.attached().isEmpty());
        sb.append("| image | platforms | manifest digest | size | carried here | in earlier bundles |")
                .append(attached ? " attached |\n" : "\n");
        sb.append("|---|---|---|---|---|---|").append(attached ? "---|\n" : "\n");
        for (BundleContents.ImageInfo i : c.images()) {
            sb.append("| `").append(cell(i.source())).append("` | ").append(cell(String.join(", ", i.platforms()))).append(" | `")
                    .append(i.digest()).append("` | ").append(Units.bytes(i.size())).append(" in ").append(i.blobs())
                    .append(i.blobs() == 1 ? " blob" : " blobs").append(" | ").append(blobs(i.carriedBlobs(), i.carriedBytes()))
                    .append(" | ").append(blobs(i.requiredBlobs(), i.requiredBytes())).append(" |");
            if (attached) {
                sb.append(' ').append(i.attached().isEmpty() ? "—" : cell(AttachedSummary.ofBundle(i.attached()))).append(" |");
            }
            sb.append('\n');
        }
        for (BundleContents.ImageInfo i : c.images()) {
            if (i.platformCut() != null) {
                sb.append("\n`").append(cell(i.source())).append("`: ").append(cell(i.platformCut())).append('\n');
            }
        }
        if (c.changes() != null) {
            changesMarkdown(sb, c);
        }
        if (attached) {
            AttachmentsSection.markdown(sb, c);
        }
        upstreamMarkdown(sb, c);
        return sb.toString();
    }

    /**
     * What changed since the parent: a row per image whose digest changed, and per image whose
     * digest did not but that carries attachments new on the channel ("unchanged image, 1 new
     * signature"), so that a new signature reads as the change it is.
     */
    private static void changesMarkdown(StringBuilder sb, BundleContents c) {
        sb.append("\n## Changes since ").append(c.isFull() ? "the channel's last bundle" : "bundle " + c.parent().sequence())
                .append("\n\n");
        long changed = c.changes().stream().filter(BundleContents.Change::changedAnything).count();
        if (changed == 0) {
            sb.append("No image changed.\n");
        } else {
            Map<String, BundleContents.ImageInfo> bySource = bySource(c);
            sb.append("| image | change | before | after |\n|---|---|---|---|\n");
            for (BundleContents.Change ch : c.changes()) {
                if (ch.changedAnything()) {
                    String fresh = freshNote(ch, bySource.get(ch.source()));
                    String what = fresh.isEmpty() ? ch.change() : (ch.change().equals("unchanged") ? "unchanged image" : ch.change())
                            + ", " + cell(fresh);
                    sb.append("| `").append(cell(ch.source())).append("` | ").append(what).append(" | ")
                            .append(code(ch.previousDigest())).append(" | ").append(code(ch.digest())).append(" |\n");
                }
            }
        }
        long same = c.changes().size() - changed;
        if (same > 0) {
            sb.append("\n").append(same).append(same == 1 ? " image" : " images").append(" unchanged.\n");
        }
    }

    /**
     * "1 new signature" for a change whose image carries attachments new on the channel, else "":
     * named by kind from their digests where known, else from their number.
     */
    static String freshNote(BundleContents.Change ch, BundleContents.ImageInfo image) {
        if (ch.newAttached() == 0) {
            return "";
        }
        List<BundleManifest.Attachment> attached = image == null ? List.of() : image.attached();
        if (ch.newAttachedDigests() != null) {
            List<BundleManifest.Attachment> fresh = attached.stream().filter(ch::isNew).toList();
            if (fresh.size() == ch.newAttached()) {
                return AttachedSummary.counted(AttachedSummary.kinds(fresh), "new");
            }
        }
        return AttachedSummary.fresh(AttachedSummary.kinds(attached), ch.newAttached());
    }

    private static Map<String, BundleContents.ImageInfo> bySource(BundleContents c) {
        Map<String, BundleContents.ImageInfo> m = new HashMap<>();
        c.images().forEach(i -> m.put(i.source(), i));
        return m;
    }

    /** JSON ({@value #LIST_SCHEMA}): the same content, sizes in bytes. */
    public static String json(Listing l, com.fasterxml.jackson.databind.JsonNode report) {
        BundleContents c = l.contents();
        ObjectNode o = JSON.createObjectNode();
        o.put("schema", LIST_SCHEMA);
        ObjectNode b = o.putObject("bundle");
        b.put("path", l.bundle());
        b.put("digest", l.digest());
        b.put("channel", c.channel());
        b.put("sequence", c.sequence());
        b.put("full", c.isFull());
        b.set("parent", JSON.valueToTree(c.parent()));
        b.put("created", c.created());
        b.put("tool", c.tool());
        o.set("signers", JSON.valueToTree(c.signers()));
        ObjectNode blobs = o.putObject("blobs");
        blobs.put("carried", c.carriedBlobs());
        blobs.put("carriedBytes", c.carriedBytes());
        blobs.put("required", c.requiredBlobs());
        blobs.put("requiredBytes", c.requiredBytes());
        ArrayNode images = o.putArray("images");
        for (BundleContents.ImageInfo i : c.images()) {
            ObjectNode n = images.addObject();
            n.put("source", i.source());
            n.put("digest", i.digest());
            n.put("mediaType", i.mediaType());
            n.set("platforms", JSON.valueToTree(i.platforms()));
            if (i.platformCut() != null) { // only for an index cut to some platforms
                n.put("platformIndex", i.platformCut());
            }
            n.put("size", i.size());
            ObjectNode ib = n.putObject("blobs");
            ib.put("total", i.blobs());
            ib.put("carried", i.carriedBlobs());
            ib.put("carriedBytes", i.carriedBytes());
            ib.put("required", i.requiredBlobs());
            ib.put("requiredBytes", i.requiredBytes());
            n.put("attached", i.attached().isEmpty() ? null : AttachedSummary.ofBundle(i.attached()));
            n.set("attachments", attachments(i.attached()));
            n.set("upstream", JSON.valueToTree(i.upstream()));
        }
        if (c.changes() != null) {
            o.set("changes", JSON.valueToTree(c.changes()));
        }
        return toJson(o, report);
    }

    /**
     * Each attachment as bundle.json lists it: {@code subject}, {@code digest}, {@code mediaType},
     * {@code artifactType}, {@code tag} (null for a referrer only), {@code referrer}, {@code kind},
     * {@code detail}; every key present (null where absent), so that a script need not test for
     * them.
     */
    /** Where the exporter checked upstream signatures: a line per image saying what verified it. */
    private static void upstreamMarkdown(StringBuilder sb, BundleContents c) {
        if (c.images().stream().allMatch(i -> i.upstream() == null)) {
            return;
        }
        sb.append("\n## Upstream signatures (checked by the exporter's --verify-policy)\n\n| image | verified by |\n|---|---|\n");
        for (BundleContents.ImageInfo i : c.images()) {
            sb.append("| `").append(cell(i.source())).append("` | ")
                    .append(i.upstream() == null ? "—" : cell(UpstreamSummary.of(i.upstream()))).append(" |\n");
        }
    }

    public static ArrayNode attachments(List<BundleManifest.Attachment> attached) {
        ArrayNode a = JSON.createArrayNode();
        for (BundleManifest.Attachment x : attached) {
            a.addObject().put("subject", x.subject()).put("digest", x.digest()).put("mediaType", x.mediaType())
                    .put("artifactType", x.artifactType()).put("tag", x.tag()).put("referrer", x.referrer()).put("kind", x.kind())
                    .put("detail", x.detail());
        }
        return a;
    }

    private static String toJson(ObjectNode o, com.fasterxml.jackson.databind.JsonNode report) {
        o.set("report", report);
        try {
            return JSON.writeValueAsString(o);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String chainPosition(BundleContents c) {
        return c.isFull() ? "full" : "delta after " + c.parent().sequence();
    }

    static String blobs(int n, long bytes) {
        return n + (n == 1 ? " blob" : " blobs") + ", " + Units.bytes(bytes);
    }

    static String transition(BundleContents.Change ch) {
        return switch (ch.change()) {
            case "added" -> ch.digest();
            case "removed" -> "(was " + ch.previousDigest() + ")";
            case "changed" -> ch.previousDigest() + " -> " + ch.digest();
            default -> ch.digest();
        };
    }

    private static void line(StringBuilder sb, String label, String value) {
        sb.append(String.format("%-11s %s%n", label, value));
    }

    private static void row(StringBuilder sb, String label, String value) {
        sb.append("| ").append(label).append(" | ").append(value).append(" |\n");
    }

    private static String code(String digest) {
        return digest == null ? "—" : "`" + digest + "`";
    }

    /** Table-safe text: no line breaks, no pipes, no backticks, no control characters. */
    static String cell(String s) {
        if (s == null) {
            return "";
        }
        return s.replaceAll("[\\p{Cntrl}]", "?").replace("|", "\\|").replace("`", "'");
    }
}
