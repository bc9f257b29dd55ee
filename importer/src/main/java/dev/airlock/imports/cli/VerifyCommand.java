package dev.airlock.imports.cli;

import dev.airlock.cli.OutputOptionsMixin;
import dev.airlock.imports.ImportService;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "verify", mixinStandardHelpOptions = true,
        footerHeading = dev.airlock.cli.Cli.EXAMPLES, footer = {
            "  # check a bundle on the USB stick against the certificate carried over once",
            "  airlock-import verify /media/usb/scanners-000001.airlock.tar \\",
            "      --trust mirror.pub.asc",
            "  # a bundle written as volumes: give its list (or any volume)",
            "  airlock-import verify /media/usb/scanners-000042.airlock.volumes.json \\",
            "      --trust mirror.pub.asc"},
        description = "Check a bundle's signatures and every byte of it, without touching any registry.")
final class VerifyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    OutputOptionsMixin output;

    @Mixin
    TrustOptionsMixin trust;

    @Parameters(index = "0", paramLabel = "BUNDLE", description = "The bundle: its file NAME.tar, or for a bundle written as volumes, any volume NAME.tar.NNN or the list NAME.volumes.json.")
    Path bundle;

    @picocli.CommandLine.Option(names = "--json", description = "Print the result as JSON on stdout (schema " + dev.airlock.cli.JsonOutput.VERIFY + ").")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        ImportService.VerifyReport r = new ImportService(() -> {
            throw new IllegalStateException("verify must not touch a registry");
        }, output.listener(err)).verify(bundle, trust.policy());
        PrintWriter out = output.report(spec.commandLine().getOut(), json);
        if (json) {
            com.fasterxml.jackson.databind.node.ObjectNode o = dev.airlock.cli.JsonOutput.object(dev.airlock.cli.JsonOutput.VERIFY);
            dev.airlock.cli.JsonOutput.bundle(o, bundle.toString(), r.digest().toString(), r.manifest());
            o.put("verified", true);
            o.set("signers", dev.airlock.cli.JsonOutput.MAPPER.valueToTree(r.signers()));
            o.set("images", dev.airlock.cli.JsonOutput.MAPPER.valueToTree(r.manifest().images()));
            dev.airlock.cli.JsonOutput.blobs(o, r.manifest(), true);
            o.set("report", dev.airlock.cli.JsonOutput.report(r.manifest(), r.report().name().toLowerCase(java.util.Locale.ROOT)));
            out.println(dev.airlock.cli.JsonOutput.write(o));
            return 0;
        }
        out.printf("verified %s%n", bundle);
        out.printf("digest   %s%n", r.digest());
        out.printf("channel  %s  sequence %d (%s)%n", r.manifest().channel(), r.manifest().sequence(),
                r.manifest().isFull() ? "full" : "delta after " + r.manifest().parent().sequence());
        r.signers().forEach(s -> out.printf("signer   %s%n", s));
        out.printf("carries  %s, every digest and size checked%n", dev.airlock.cli.CarriedText.of(r.manifest()));
        for (dev.airlock.bundle.BundleManifest.Image i : r.manifest().images()) {
            if (i.upstream() != null) {
                out.printf("upstream %s  %s%n", i.source(), dev.airlock.report.UpstreamSummary.of(i.upstream()));
            }
        }
        if (r.report() != dev.airlock.report.ReportFile.Status.NONE) {
            out.printf("report   %s%n", r.report().describe(r.manifest()));
        }
        return 0;
    }
}
