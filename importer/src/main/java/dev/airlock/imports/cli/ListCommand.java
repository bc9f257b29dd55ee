package dev.airlock.imports.cli;

import dev.airlock.cli.OutputOptionsMixin;
import dev.airlock.imports.ListService;
import dev.airlock.report.ContentsFormat;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "list", mixinStandardHelpOptions = true,
        footerHeading = dev.airlock.cli.Cli.EXAMPLES, footer = {
            "  # what the bundle on the stick holds, checked first (signers, images, platforms, sizes)",
            "  airlock-import list /media/usb/scanners-000042.airlock.tar --trust mirror.pub.asc",
            "  # the same as Markdown for a ticket, or as JSON for a script",
            "  airlock-import list /media/usb/scanners-000042.airlock.tar --trust mirror.pub.asc --markdown"},
        description = "Print what a bundle holds, once it is verified as verify does (signatures, every blob's digest and size, "
                + "its report if there): signers, channel, sequence, parent, each image with its platforms, manifest digest and "
                + "size, and what is attached to it (signatures, attestations, SBOMs, referrers). Nothing is printed from a bundle that fails.")
final class ListCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    OutputOptionsMixin output;

    @Mixin
    TrustOptionsMixin trust;

    @ArgGroup(exclusive = true)
    Format format = new Format();

    static final class Format {
        @Option(names = "--json", description = "Print the listing as JSON (schema airlock-list/v1).")
        boolean json;

        @Option(names = "--markdown", description = "Print the listing as Markdown (as in the exporter's NAME.report.md).")
        boolean markdown;
    }

    @Parameters(index = "0", paramLabel = "BUNDLE", description = "The bundle: its file NAME.tar, or for a bundle written as volumes, any volume NAME.tar.NNN or the list NAME.volumes.json.")
    Path bundle;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        ListService.Listing l = new ListService(output.listener(err)).list(bundle, trust.policy());
        ContentsFormat.Listing shown = new ContentsFormat.Listing(bundle.toString(), l.digest().toString(),
                l.report().describe(l.manifest()), l.contents());
        PrintWriter out = output.report(spec.commandLine().getOut(), format.json || format.markdown);
        out.print(format.json ? ContentsFormat.json(shown, dev.airlock.cli.JsonOutput.report(l.manifest(), l.report().name().toLowerCase(java.util.Locale.ROOT))) + System.lineSeparator()
                : format.markdown ? ContentsFormat.markdown(shown) : ContentsFormat.text(shown));
        out.flush();
        return 0;
    }
}
