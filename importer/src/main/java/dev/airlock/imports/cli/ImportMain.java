package dev.airlock.imports.cli;

import dev.airlock.cli.Cli;
import dev.airlock.crypto.OpenPgpKeys;
import dev.airlock.io.Trace;
import dev.airlock.registry.Warmup;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code airlock-import}: the offline side. */
@Command(name = "airlock-import", mixinStandardHelpOptions = true, // --version: dev.airlock.cli.Version, set in Cli
        description = "Verify airlock bundles and push their images into the local registry.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done", "1:anything else", "2:bad usage or config", "3:verification failed",
            "4:chain or sequence problem", "5:registry or network failure, safe to run again"})
public final class ImportMain implements Runnable {
    private static final List<Class<?>> SUBCOMMANDS = List.of(VerifyCommand.class, InspectCommand.class, ListCommand.class,
            DiffCommand.class, ImportCommand.class, WatchCommand.class, ServeCommand.class, LoadCommand.class, ReceiptCommand.class,
            ImportKeygenCommand.class, dev.airlock.cli.LoginCommand.class, dev.airlock.cli.LogoutCommand.class);

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(),
                "missing command: verify, inspect, list, diff, import, watch, serve, load, receipt, keygen, login or logout");
    }

    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        return Cli.run("airlock-import", new ImportMain(), SUBCOMMANDS, args, out, err);
    }

    /** The whole command line, every subcommand modelled (for tests and generated documentation). */
    public static picocli.CommandLine model() {
        return Cli.model(new ImportMain(), SUBCOMMANDS);
    }

    public static void main(String[] args) {
        Trace.mark("main");
        Warmup.start(OpenPgpKeys::warmUp);
        int code = run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true));
        Trace.mark("exit");
        System.exit(code);
    }
}
