package dev.airlock.imports.cli;

import dev.airlock.cli.Passphrases;
import dev.airlock.crypto.BundleSigner;
import dev.airlock.crypto.OpenPgpKeys;
import dev.airlock.imports.ImportLedger;
import dev.airlock.imports.ReceiptWriter;
import dev.airlock.imports.TargetNaming;
import dev.airlock.error.AirlockException;
import dev.airlock.io.OutputFiles;
import dev.airlock.receipt.Receipt;
import dev.airlock.cli.VerboseMixin;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "receipt", mixinStandardHelpOptions = true,
        footerHeading = dev.airlock.cli.Cli.EXAMPLES, footer = {
            "  # what this side holds on the channel 'scanners', signed, to carry back",
            "  airlock-import receipt --channel scanners --key offline.key.asc \\",
            "      --out /media/usb/scanners.receipt.json"},
        description = "Write a signed receipt of what this side holds on a channel (FILE and FILE.asc), to carry back to the exporter.")
final class ReceiptCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    VerboseMixin output;

    @Option(names = "--channel", required = true, paramLabel = "NAME", description = "The channel to report on.")
    String channel;

    @Option(names = "--registry", paramLabel = "HOST[:PORT][/PREFIX]",
            description = "The target to report on, as given to import. Default: the only target that holds the channel.")
    String registry;

    @Option(names = "--map", paramLabel = "SRC=DST", description = "The --map rules the target was imported with (repeatable).")
    List<String> maps = new ArrayList<>();

    @Option(names = "--state", paramLabel = "DIR", description = "Importer ledger directory. Default: $XDG_STATE_HOME/airlock/import.")
    Path state;

    @Option(names = "--key", required = true, paramLabel = "KEY.asc", description = "This side's secret signing key (airlock-import keygen).")
    Path key;

    @Option(names = "--passphrase-file", paramLabel = "FILE", description = "Passphrase of the key. Default: AIRLOCK_KEY_PASSPHRASE, else none.")
    Path passphraseFile;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to write the receipt; its signature goes to FILE.asc (missing directories are created).")
    Path out;

    @Option(names = "--json", description = "Print what was recorded as JSON on stdout (schema " + dev.airlock.cli.JsonOutput.RECEIPT + ").")
    boolean json;

    @Override
    public Integer call() {
        java.util.Map<Path, String> read = new java.util.LinkedHashMap<>();
        read.put(key, "the --key file");
        if (passphraseFile != null) {
            read.put(passphraseFile, "the --passphrase-file");
        }
        OutputFiles.check("--out", out, OutputFiles.Parents.CREATE, read);
        OutputFiles.check("--out", Receipt.signatureFile(out), OutputFiles.Parents.CREATE, read);
        BundleSigner signer = new BundleSigner(OpenPgpKeys.readSecretKey(key), Passphrases.forSigning(passphraseFile, java.util.List.of(key)));
        if (registry == null && !maps.isEmpty()) {
            throw AirlockException.usage("--map needs --registry: it names a target together with the registry and prefix");
        }
        TargetNaming target = registry == null ? null : new TargetNaming(registry, maps.stream().map(TargetNaming.Mapping::parse).toList());
        Receipt r = new ReceiptWriter().write(state != null ? state : ImportLedger.defaultStateDir(), channel, target, signer, out);
        PrintWriter o = spec.commandLine().getOut();
        if (json) {
            o.println(dev.airlock.cli.JsonOutput.write(dev.airlock.cli.ReceiptJson.of(r, out, List.of(signer.fingerprint()), "written")));
            return 0;
        }
        o.printf("receipt  %s (+ %s)%n", out, Receipt.signatureFile(out).getFileName());
        o.printf("signer   %s%n", signer.fingerprint());
        o.printf("channel  %s at sequence %d (%s)%n", r.channel(), r.sequence(), r.digest());
        o.printf("in place %d images, %d blobs%n", r.images().size(), r.blobs().size());
        return 0;
    }
}
