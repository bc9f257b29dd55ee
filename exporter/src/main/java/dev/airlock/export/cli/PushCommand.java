package dev.airlock.export.cli;

import dev.airlock.cli.OutputOptionsMixin;
import dev.airlock.cli.Units;
import dev.airlock.export.sftp.PushRequest;
import dev.airlock.export.sftp.PushResult;
import dev.airlock.export.sftp.PushService;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "push", mixinStandardHelpOptions = true,
        footerHeading = dev.airlock.cli.Cli.EXAMPLES, footer = {
            "  # send a finished bundle to the bastion's inbox (resumes a broken upload)",
            "  airlock-export push /media/usb/scanners-000042.airlock.tar \\",
            "      --to sftp://airlock@bastion.dmz.example/var/lib/airlock/inbox \\",
            "      --identity mirror-push --known-hosts bastion.known_hosts"},
        description = "Push finished files (a bundle, or a volume set with its list file last) to a bastion over SFTP, in the order "
                + "given: each as NAME.part, resumed after an interruption, renamed into place when complete. Strict known_hosts.")
final class PushCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    OutputOptionsMixin output;

    @Mixin
    SshOptions ssh;

    @Parameters(paramLabel = "FILE", arity = "1..*", description = "Files to push, in order: the last one is pushed last.")
    List<Path> files = new ArrayList<>();

    @Option(names = "--to", required = true, paramLabel = "sftp://USER@HOST[:PORT]/DIR",
            description = "Where to: DIR is absolute; /~/DIR is under the login directory.")
    String to;

    @Option(names = "--retries", paramLabel = "N", defaultValue = "5",
            description = "Tries per connection and per file when the connection fails without progress (default: ${DEFAULT-VALUE}).")
    int retries;

    @Option(names = "--idle-timeout", paramLabel = "DURATION", defaultValue = "60s", converter = Units.DurationConverter.class,
            description = "Drop and retry a connection, login or transfer that moves nothing for this long (default: ${DEFAULT-VALUE}).")
    Duration idleTimeout;

    @Option(names = "--json", description = "Print the result as JSON on stdout.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = output.report(spec.commandLine().getOut(), json);
        PrintWriter err = spec.commandLine().getErr();
        PushRequest request = ssh.request(to, "--to", retries, idleTimeout);
        // With --json, stdout holds the JSON alone, with -q nothing: the remote command's stdout goes to stderr.
        PushResult r = new PushService(request, () -> output.listener(err), err).push(files, Relay.to(json || output.quiet ? err : out),
                Relay.to(err));
        return report(r, out, err, json, true);
    }

    /** The push's fields ({@value dev.airlock.cli.JsonOutput#PUSH}, and {@code push} in bundle --push): to, files[], remoteExitCode. */
    static com.fasterxml.jackson.databind.node.ObjectNode json(PushResult r, com.fasterxml.jackson.databind.node.ObjectNode o) {
        o.put("to", r.target());
        com.fasterxml.jackson.databind.node.ArrayNode files = o.putArray("files");
        for (PushResult.File f : r.files()) {
            files.addObject().put("path", f.local()).put("remote", f.remote()).put("size", f.size()).put("resumedFrom", f.resumedFrom())
                    .put("sent", f.sent()).put("reconnects", f.reconnects());
        }
        if (r.remoteExitCode() == null) {
            o.putNull("remoteExitCode");
        } else {
            o.put("remoteExitCode", r.remoteExitCode());
        }
        return o;
    }

    /** Prints the result; the exit code is the remote import's, when one ran. */
    static int report(PushResult r, PrintWriter out, PrintWriter err, boolean json, boolean lines) throws Exception {
        if (json) {
            out.println(dev.airlock.cli.JsonOutput.write(json(r, dev.airlock.cli.JsonOutput.object(dev.airlock.cli.JsonOutput.PUSH))));
        } else if (lines) {
            for (PushResult.File f : r.files()) {
                out.printf("pushed   %s -> %s (%s; sent %s%s%s)%n", Path.of(f.local()).getFileName(), f.remote(), Units.bytes(f.size()),
                        Units.bytes(f.sent()), f.resumedFrom() > 0 ? ", resumed at " + f.resumedFrom() : "",
                        f.reconnects() > 0 ? ", " + f.reconnects() + " reconnect" + (f.reconnects() == 1 ? "" : "s") : "");
            }
        }
        out.flush();
        if (r.remoteExitCode() != null && r.remoteExitCode() != 0) {
            err.println("airlock-export: " + dev.airlock.export.sftp.RemoteImportFailure.describe(r));
            err.flush();
            return r.remoteExitCode();
        }
        return 0;
    }
}
