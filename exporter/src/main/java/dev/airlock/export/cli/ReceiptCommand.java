package dev.airlock.export.cli;

import dev.airlock.crypto.OpenPgpKeys;
import dev.airlock.crypto.TrustPolicy;
import dev.airlock.export.ExportLedger;
import dev.airlock.export.ReceiptService;
import dev.airlock.receipt.Receipt;
import dev.airlock.cli.VerboseMixin;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "receipt", mixinStandardHelpOptions = true,
        footerHeading = dev.airlock.cli.Cli.EXAMPLES, footer = {
            "  # re-baseline the channel from a receipt the offline side carried back",
            "  airlock-export receipt /media/usb/scanners.receipt.json \\",
            "      --trust offline.pub.asc"},
        description = "Check a signed receipt carried back from the offline side and re-baseline its channel: the next bundle "
                + "follows the receipt's sequence and counts as sent only the blobs the receipt shows in place.")
final class ReceiptCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    VerboseMixin output;

    @Parameters(index = "0", paramLabel = "FILE", description = "The receipt (its signature is FILE.asc).")
    Path file;

    @Option(names = "--trust", required = true, paramLabel = "CERT.asc", description = "The importer's certificate (repeatable).")
    List<Path> certs = new ArrayList<>();

    @Option(names = "--state", paramLabel = "DIR", description = "Exporter ledger directory. Default: $XDG_STATE_HOME/airlock/export.")
    Path state;

    @Option(names = "--json", description = "Print what the receipt recorded as JSON on stdout (schema " + dev.airlock.cli.JsonOutput.RECEIPT + ").")
    boolean json;

    @Override
    public Integer call() {
        List<PGPPublicKeyRing> rings = new ArrayList<>();
        certs.forEach(c -> rings.addAll(OpenPgpKeys.readCertificates(c)));
        Receipt r = new ReceiptService().apply(file, new TrustPolicy(rings, 1), state != null ? state : ExportLedger.defaultStateDir());
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(dev.airlock.cli.JsonOutput.write(dev.airlock.cli.ReceiptJson.of(r, file, null, "applied")));
            return 0;
        }
        out.printf("receipt  %s (signed, created %s)%n", file, r.created());
        out.printf("channel  %s re-baselined at sequence %d (%s)%n", r.channel(), r.sequence(), r.digest());
        out.printf("in place %d images, %d blobs; the next bundle follows %d and carries everything else%n", r.images().size(),
                r.blobs().size(), r.sequence());
        return 0;
    }
}
