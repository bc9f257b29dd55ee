package dev.airlock.imports.cli;

import dev.airlock.cli.Cli;
import dev.airlock.cli.KeygenCommand;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code airlock-import}: the offline side. */
@Command(name = "airlock-import", mixinStandardHelpOptions = true, version = "airlock-import 0.1.0",
        description = "Verify airlock bundles and push their images into the local registry.",
        subcommands = {VerifyCommand.class, InspectCommand.class, ImportCommand.class, ReceiptCommand.class, KeygenCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done", "1:anything else", "2:bad usage or config", "3:verification failed",
            "4:chain or sequence problem", "5:registry or network failure, safe to run again"})
public final class ImportMain implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing command: verify, inspect, import, receipt or keygen");
    }

    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        return Cli.run("airlock-import", new ImportMain(), args, out, err);
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }
}
