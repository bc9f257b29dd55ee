package dev.airlock.imports.cli;

import dev.airlock.bundle.BundleInput;
import dev.airlock.bundle.UntrustedBundle;
import dev.airlock.cli.LogText;
import dev.airlock.cli.Units;
import dev.airlock.digest.Digest;
import dev.airlock.cli.VerboseMixin;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "inspect", mixinStandardHelpOptions = true,
        footerHeading = dev.airlock.cli.Cli.EXAMPLES, footer = {
            "  # what a bundle claims to hold (not checked: use verify for that)",
            "  airlock-import inspect /media/usb/scanners-000001.airlock.tar",
            "  airlock-import inspect /media/usb/scanners-000001.airlock.tar --json"},
        description = "Show what a bundle claims to hold, WITHOUT checking its signature (use verify for that).")
final class InspectCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    VerboseMixin output;

    @Option(names = "--json", description = "Print bundle.json as found.")
    boolean json;

    @Parameters(index = "0", paramLabel = "BUNDLE", description = "The bundle: its file NAME.tar, or for a bundle written as volumes, any volume NAME.tar.NNN or the list NAME.volumes.json.")
    Path bundle;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (UntrustedBundle b = BundleInput.open(bundle, null)) {
            byte[] raw = b.untrustedManifestBytes();
            if (json) {
                out.println(new String(raw, StandardCharsets.UTF_8));
                return 0;
            }
            UnverifiedSummary m;
            try {
                m = UnverifiedSummary.of(raw); // a stream of tokens, never a tree (red-team pass G)
            } catch (java.io.IOException e) {
                throw dev.airlock.error.AirlockException.malformed(bundle + ": airlock/bundle.json is not JSON: "
                        + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
            }
            // Every string is the sender's and unchecked: escaped as watch and serve escape names (LogText), so
            // that no ESC sequence can erase the UNVERIFIED line and no line break can forge a line (red-team pass H).
            out.println("UNVERIFIED: nothing below is checked; run 'airlock-import verify' before trusting it.");
            out.printf("digest   %s%n", Digest.sha256Of(raw));
            out.printf("format   %s%n", LogText.printable(m.format));
            out.printf("channel  %s  sequence %s%n", LogText.printable(m.channel), LogText.printable(m.sequence));
            out.printf("parent   %s%n", "".equals(m.parent) ? "none (full bundle)" : m.parent == null ? " " : LogText.printable(m.parent));
            out.printf("created  %s%n", LogText.printable(m.created));
            out.printf("blobs    %d, %s; requires %d from earlier bundles%n", m.blobs, Units.bytes(m.blobBytes), m.requires);
            UnverifiedSummary.images(raw, line -> out.printf("image    %s%n", LogText.printable(line)));
        }
        return 0;
    }
}
