package dev.airlock.cli;

import dev.airlock.error.AirlockException;
import dev.airlock.registry.DockerConfigCredentials;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code logout HOST}: removes what {@code login} stored, from the same file. */
@Command(name = "logout", mixinStandardHelpOptions = true,
        footerHeading = Cli.EXAMPLES, footer = {
            "  ${ROOT-COMMAND-NAME} logout registry.local:5000",
            "  ${ROOT-COMMAND-NAME} logout --all"},
        description = "Remove a registry's stored account from the auth file login writes.")
public final class LogoutCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    VerboseMixin output;

    @Parameters(index = "0", arity = "0..1", paramLabel = "HOST[:PORT]", description = "The registry.")
    String host;

    @Option(names = "--all", description = "Remove every registry's account from the file.")
    boolean all;

    @Option(names = {"--authfile", "--auth-file"}, paramLabel = "FILE", description = "The auth file (default: where login writes).")
    Path authFile;

    @Override
    public Integer call() {
        if ((host == null) == !all) {
            throw AirlockException.usage("logout needs a HOST[:PORT] or --all (not both)");
        }
        String name = host == null ? null : RegistryOptionsMixin.hostPort(host, "logout");
        Path file = DockerConfigCredentials.loginFile(authFile, System.getenv());
        if (!DockerConfigCredentials.remove(file, name)) {
            throw AirlockException.usage("not logged in " + (name == null ? "anywhere" : "to " + name) + " in " + file);
        }
        spec.commandLine().getOut().printf("Removed %s from %s%n", name == null ? "every account" : "the account for " + name, file);
        return 0;
    }
}
