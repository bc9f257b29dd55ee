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

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        ImportService.VerifyReport r = new ImportService(() -> {
            throw new IllegalStateException("verify must not touch a registry");
        }, output.listener(err)).verify(bundle, trust.policy());
        PrintWriter out = spec.commandLine().getOut();
        out.printf("verified %s%n", bundle);
        out.printf("digest   %s%n", r.digest());
        out.printf("channel  %s  sequence %d (%s)%n", r.manifest().channel(), r.manifest().sequence(),
                r.manifest().isFull() ? "full" : "delta after " + r.manifest().parent().sequence());
        r.signers().forEach(s -> out.printf("signer   %s%n", s));
        out.printf("blobs    %d, every digest and size checked%n", r.manifest().blobs().size());
        if (r.report() != dev.airlock.report.ReportFile.Status.NONE) {
            out.printf("report   %s%n", r.report().describe(r.manifest()));
        }
        return 0;
    }
}
