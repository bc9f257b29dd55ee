package dev.airlock.export.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
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
        if (preset != null && preset.skipsDownload(out, json)) {
            return 0;
        }
        ExportPlan p;
        try (dev.airlock.registry.RegistryClient client = options.client()) {
            dev.airlock.export.ExportRequest request = options.planRequest();
            if (preset != null) {
                request = preset.check(client, request, dev.airlock.cli.RegistryOptionsMixin.parallel(options.parallel));
            }
            p = new ExportService(client, TransferListener.NONE).dockerArchives(options.dockerArchives).report(!options.noReport).plan(request);
        }
        if (json) {
            ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            com.fasterxml.jackson.databind.node.ObjectNode o = mapper.valueToTree(p);
            if (preset != null) {
                o.set("preset", preset.toJson(mapper));
            }
            out.println(mapper.writeValueAsString(o));
            return 0;
        }
        out.printf("bundle   %s (sequence %d, %s)%n", p.target(), p.sequence(),
                p.parent() == null ? "full" : "delta after " + p.parent().sequence());
        for (ExportPlan.ImageStatus i : p.images()) {
            out.printf("%-9s %s %s%n", i.status(), i.source(), i.digest() != null ? i.digest() : "(was " + i.previousDigest() + ")");
        }
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
}
