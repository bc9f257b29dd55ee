package dev.airlock.export.cli;

import dev.airlock.cli.Cli;
import dev.airlock.crypto.OpenPgpKeys;
import dev.airlock.io.Trace;
import dev.airlock.export.sftp.SshWarmup;
import dev.airlock.registry.Warmup;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Command;

/** {@code airlock-export}: the connected side. */
@Command(name = "airlock-export", mixinStandardHelpOptions = true, // --version: dev.airlock.cli.Version, set in Cli
        description = "Pull container images and write signed, delta-based airlock bundles.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done", "1:anything else", "2:bad usage or config", "3:verification failed",
            "4:chain or sequence problem", "5:registry or network failure, safe to run again;"
                + " an SSH host key that known_hosts does not list or lists otherwise",
            "other:with --remote-import, the remote command's own exit code"})
public final class ExportMain implements Runnable {
    private static final List<Class<?>> SUBCOMMANDS = List.of(ExportKeygenCommand.class, BundleCommand.class, PlanCommand.class,
            ReceiptCommand.class, PushCommand.class,
            dev.airlock.cli.LoginCommand.class, dev.airlock.cli.LogoutCommand.class, SignCommand.class);

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "missing command: keygen, bundle, plan, receipt, push, login, logout or sign");
    }

    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        return Cli.run("airlock-export", new ExportMain(), SUBCOMMANDS, args, out, err);
    }

    /** The whole command line, every subcommand modelled (for tests and generated documentation). */
    public static picocli.CommandLine model() {
        return Cli.model(new ExportMain(), SUBCOMMANDS);
    }

    public static void main(String[] args) {
        Trace.mark("main");
        if (args.length > 0 && args[0].equals("push")) {
            SshWarmup.start();
        } else {
            Warmup.start(OpenPgpKeys::warmUp);
        }
        int code = run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true));
        Trace.mark("exit");
        System.exit(code);
    }
}
