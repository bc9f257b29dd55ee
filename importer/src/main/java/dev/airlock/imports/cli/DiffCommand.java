package dev.airlock.imports.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.cli.OutputOptionsMixin;
import dev.airlock.cli.Units;
import dev.airlock.imports.DiffService;
import dev.airlock.report.AttachedSummary;
import dev.airlock.report.BundleContents;
import dev.airlock.report.ContentsFormat;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "diff", mixinStandardHelpOptions = true,
        footerHeading = dev.airlock.cli.Cli.EXAMPLES, footer = {
            "  # what changed from one bundle of a channel to the next",
            "  airlock-import diff scanners-000041.airlock.tar scanners-000042.airlock.tar --trust mirror.pub.asc",
            "  # what a bundle brings to an offline side that holds what its receipt shows",
            "  airlock-import diff receipt.json scanners-000042.airlock.tar \\",
            "      --trust importer.pub.asc --trust mirror.pub.asc"},
        description = "Compare two bundles, two receipts, or one of each, once both are verified (a bundle as verify does, a "
                + "receipt by its FILE.asc): images added, removed and changed (old -> new digest), the signatures, attestations and "
                + "SBOMs attached to each that are new or gone (bundles only), and the bytes NEW brings.")
final class DiffCommand implements Callable<Integer> {
    static final String SCHEMA = dev.airlock.cli.JsonOutput.DIFF;

    @Spec
    CommandSpec spec;

    @Mixin
    OutputOptionsMixin output;

    @Mixin
    TrustOptionsMixin trust;

    @Option(names = "--json", description = "Print the comparison as JSON (schema " + SCHEMA + ").")
    boolean json;

    @Parameters(index = "0", paramLabel = "OLD", description = "A bundle (NAME.tar, a volume, NAME.volumes.json) or a receipt (FILE, with FILE.asc beside it).")
    Path older;

    @Parameters(index = "1", paramLabel = "NEW", description = "The same, to compare with OLD.")
    Path newer;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        DiffService.Diff d = new DiffService(output.listener(err)).diff(older, newer, trust.policy());
        PrintWriter out = output.report(spec.commandLine().getOut(), json);
        if (json) {
            out.println(json(d));
            return 0;
        }
        text(out, d);
        return 0;
    }

    /**
     * One line per image that changed, its attachments' change at its end; an image whose digest
     * did not change but whose attachments did gets its own line ("attached … unchanged image, 1
     * new signature"), and the closing count is of images with no change at all.
     */
    private static void text(PrintWriter out, DiffService.Diff d) {
        out.printf("old        %s%n", describe(d.older()));
        out.printf("new        %s%n", describe(d.newer()));
        for (String kind : new String[] {"added", "removed", "changed"}) {
            for (DiffService.ImageChange i : d.only(kind)) {
                BundleContents.Change c = i.change();
                String what = switch (kind) {
                    case "added" -> c.digest();
                    case "removed" -> "(was " + c.previousDigest() + ")";
                    default -> c.previousDigest() + " -> " + c.digest();
                };
                List<String> notes = new ArrayList<>();
                if (i.newBytes() >= 0 && !kind.equals("removed")) {
                    notes.add(blobs(i.newBlobs(), i.newBytes()) + " new");
                }
                if (i.attachments() != null && !i.attachments().isEmpty()) {
                    notes.add(i.attachments().describe());
                }
                out.printf("%-10s %s  %s%s%n", kind, c.source(), what, notes.isEmpty() ? "" : "  (" + String.join("; ", notes) + ")");
            }
        }
        int same = 0;
        for (DiffService.ImageChange i : d.only("unchanged")) {
            if (i.attachments() == null || i.attachments().isEmpty()) {
                same++;
            } else {
                out.printf("%-10s %s  unchanged image, %s%n", "attached", i.change().source(), i.attachments().describe());
            }
        }
        out.printf("unchanged  %d image(s)%n", same);
        DiffService.Side n = d.newer();
        if (n.kind().equals("bundle")) {
            out.printf("bytes      new carries %s; its images use %s that old %s%n", blobs(n.carriedBlobs(), n.carriedBytes()),
                    blobs(d.newBlobs(), d.newBytes()), d.older().kind().equals("bundle") ? "did not use" : "did not hold");
        } else {
            out.printf("bytes      unknown (a receipt records no sizes); new holds %d blob(s) that old %s%n", d.newBlobs(),
                    d.older().kind().equals("bundle") ? "did not use" : "did not hold");
        }
    }

    private static String describe(DiffService.Side s) {
        return s.path() + " (" + s.kind() + ", channel " + s.channel() + (s.kind().equals("bundle") ? ", sequence " : " at sequence ")
                + s.sequence() + ", " + s.digest() + ")";
    }

    private static String blobs(int n, long bytes) {
        return n + (n == 1 ? " blob" : " blobs") + ", " + Units.bytes(bytes);
    }

    private static String json(DiffService.Diff d) throws Exception {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode o = mapper.createObjectNode();
        o.put("schema", SCHEMA);
        o.set("old", side(mapper, d.older()));
        o.set("new", side(mapper, d.newer()));
        ArrayNode images = o.putArray("images");
        for (String kind : new String[] {"added", "removed", "changed", "unchanged"}) {
            for (DiffService.ImageChange i : d.only(kind)) {
                ObjectNode n = images.addObject();
                n.put("source", i.change().source());
                n.put("change", kind);
                n.put("previousDigest", i.change().previousDigest());
                n.put("digest", i.change().digest());
                if (!kind.equals("removed") && i.newBytes() >= 0) {
                    n.put("newBlobs", i.newBlobs());
                    n.put("newBytes", i.newBytes());
                }
                attachments(n, i);
            }
        }
        ObjectNode blobs = o.putObject("blobs");
        boolean sized = d.newer().kind().equals("bundle");
        if (sized) {
            blobs.put("carried", d.newer().carriedBlobs());
            blobs.put("carriedBytes", d.newer().carriedBytes());
        }
        blobs.put("new", d.newBlobs());
        if (sized) {
            blobs.put("newBytes", d.newBytes());
        } else {
            blobs.putNull("newBytes");
        }
        return mapper.writeValueAsString(o);
    }

    /**
     * {@code attached} (NEW's one-line summary, null for none), and {@code newAttachments} /
     * {@code removedAttachments} against OLD, each attachment as {@code list --json} shows it; the
     * three are left out where a side is a receipt (it records no attachments).
     */
    private static void attachments(ObjectNode n, DiffService.ImageChange i) {
        if (i.attachments() == null) {
            return;
        }
        n.put("attached", i.attached() == null || i.attached().isEmpty() ? null : AttachedSummary.ofBundle(i.attached()));
        n.set("newAttachments", ContentsFormat.attachments(i.attachments().added()));
        n.set("removedAttachments", ContentsFormat.attachments(i.attachments().removed()));
    }

    private static ObjectNode side(ObjectMapper mapper, DiffService.Side s) {
        ObjectNode n = mapper.createObjectNode();
        n.put("kind", s.kind());
        n.put("path", s.path().toString());
        n.put("channel", s.channel());
        n.put("sequence", s.sequence());
        n.put("digest", s.digest());
        n.put("imageCount", s.images().size());
        return n;
    }
}
