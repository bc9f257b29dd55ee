package dev.airlock.export.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.cli.Units;
import dev.airlock.export.ExportPlan;
import dev.airlock.export.ExportService;
import dev.airlock.io.TransferListener;
import dev.airlock.cli.VerboseMixin;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "plan", mixinStandardHelpOptions = true,
        footerHeading = dev.airlock.cli.Cli.EXAMPLES, footer = {
            "  # what the next bundle of the channel 'scanners' would carry, and its size",
            "  airlock-export plan --config scanners.yaml",
            "  airlock-export plan --channel scanners --image alpine:3.20 --json"},
        description = "Show what 'bundle' with the same arguments would write, writing nothing and reading no key: "
                + "each image new/changed/unchanged, blobs and bytes carried and saved, and the bundle's exact size. "
                + "--key and --out are optional: keys are only counted (one signer when none is given), --out only names the target.")
final class PlanCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    VerboseMixin output;

    @Mixin
    BundleOptions options;

    @Option(names = "--json", description = "Print the plan as JSON on stdout.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PresetRun preset = options.preset();
        if (preset != null && preset.skipsDownload(out, json, dev.airlock.cli.JsonOutput.PLAN)) {
            return 0;
        }
        ExportPlan p;
        try (dev.airlock.registry.RegistryClient client = options.client()) {
            dev.airlock.export.ExportRequest request = options.planRequest();
            if (preset != null) {
                request = preset.check(client, request, dev.airlock.cli.RegistryOptionsMixin.parallel(options.parallel));
            }
            p = options.configure(new ExportService(client, TransferListener.NONE)).plan(request);
        }
        if (json) {
            out.println(dev.airlock.cli.JsonOutput.write(json(p, preset)));
            return 0;
        }
        out.printf("bundle   %s (sequence %d, %s)%n", p.target(), p.sequence(),
                p.parent() == null ? "full" : "delta after " + p.parent().sequence());
        for (ExportPlan.ImageStatus i : p.images()) {
            out.printf("%-9s %s %s%s%n", i.status(), i.source(), i.digest() != null ? i.digest() : "(was " + i.previousDigest() + ")",
                    i.attached() == null ? "" : "; attached: " + i.attached() + (i.newAttached() == 0 ? ""
                            : " (" + i.newAttached() + " not carried before on this channel)"));
        }
        p.platformNotes().forEach(n -> out.printf("platform %s%n", n));
        if (preset != null) {
            preset.printSkipped(out);
        }
        out.printf("carries  %d blobs, %s%n", p.carriedBlobs(), Units.bytes(p.carriedBytes()));
        out.printf("saves    %d blobs, %s already sent on this channel%n", p.requiredBlobs(), Units.bytes(p.savedBytes()));
        out.printf("size     %s (%d bytes, signed by %d key%s)%n", Units.bytes(p.bundleSize()), p.bundleSize(), p.signers(),
                p.signers() == 1 ? "" : "s");
        long volume = options.media().maxVolumeSize();
        if (volume > 0) {
            out.printf("volumes  %d of at most %d bytes, with their list %s%n", dev.airlock.bundle.VolumeList.count(p.bundleSize(), volume),
                    volume, dev.airlock.bundle.VolumeList.listName(p.target().getFileName().toString()));
        }
        return 0;
    }

    /** {@value dev.airlock.cli.JsonOutput#PLAN}: the bundle it would write, each image's change, the blobs carried and left to earlier bundles. */
    private static com.fasterxml.jackson.databind.node.ObjectNode json(ExportPlan p, PresetRun preset) {
        ObjectMapper mapper = dev.airlock.cli.JsonOutput.MAPPER;
        com.fasterxml.jackson.databind.node.ObjectNode o = dev.airlock.cli.JsonOutput.object(dev.airlock.cli.JsonOutput.PLAN);
        com.fasterxml.jackson.databind.node.ObjectNode b = o.putObject("bundle");
        b.put("path", p.target().toString());
        b.putNull("digest"); // known only once written and signed
        b.put("channel", p.channel());
        b.put("sequence", p.sequence());
        b.put("full", p.parent() == null);
        b.set("parent", mapper.valueToTree(p.parent()));
        b.put("size", p.bundleSize());
        o.put("signerCount", p.signers());
        com.fasterxml.jackson.databind.node.ArrayNode images = o.putArray("images");
        for (ExportPlan.ImageStatus i : p.images()) {
            images.addObject().put("source", i.source()).put("change", i.status()).put("previousDigest", i.previousDigest())
                    .put("digest", i.digest()).put("attached", i.attached()).put("newAttached", i.newAttached());
        }
        if (!p.platformNotes().isEmpty()) { // only with --platform: JSON without it reads as before
            o.set("platformNotes", mapper.valueToTree(p.platformNotes()));
        }
        com.fasterxml.jackson.databind.node.ObjectNode blobs = o.putObject("blobs");
        blobs.put("carried", p.carriedBlobs());
        blobs.put("carriedBytes", p.carriedBytes());
        blobs.put("required", p.requiredBlobs());
        blobs.put("requiredBytes", p.savedBytes());
        if (preset != null) {
            o.set("preset", preset.toJson(mapper));
        }
        return o;
    }
}
