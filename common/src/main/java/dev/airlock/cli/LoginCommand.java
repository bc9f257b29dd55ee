package dev.airlock.cli;

import dev.airlock.error.AirlockException;
import dev.airlock.registry.Credentials;
import dev.airlock.registry.DockerConfigCredentials;
import dev.airlock.registry.RegistryClient;
import dev.airlock.registry.RegistryOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code login HOST}: checks an account against a registry and stores it where skopeo and podman
 * read it ({@code auths.HOST.auth} in {@code auth.json}), so both programs and skopeo find it.
 */
@Command(name = "login", mixinStandardHelpOptions = true,
        footerHeading = Cli.EXAMPLES, footer = {
            "  # asks for the password on a terminal",
            "  ${ROOT-COMMAND-NAME} login registry.local:5000 -u airlock",
            "  # a token from a file, for scripts",
            "  ${ROOT-COMMAND-NAME} login registry.gitlab.com -u mirror-bot \\",
            "      --password-stdin < token.txt"},
        description = "Check a registry account and store it in the auth file that skopeo and podman read"
                + " (XDG_RUNTIME_DIR/containers/auth.json unless --authfile or REGISTRY_AUTH_FILE names another).")
public final class LoginCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    VerboseMixin output;

    @Mixin
    RegistryOptionsMixin registry;

    @Parameters(index = "0", paramLabel = "HOST[:PORT]", description = "The registry, e.g. registry.local:5000 or docker.io.")
    String host;

    @Option(names = {"-u", "--username"}, paramLabel = "USER", description = "The account (asked for on a terminal when not given).")
    String username;

    @Option(names = "--password-stdin", description = "Read the password from standard input (up to the first end of line).")
    boolean passwordStdin;

    @Option(names = {"-p", "--password"}, paramLabel = "PASSWORD",
            description = "The password; visible to other users (ps): prefer --password-stdin or the prompt.")
    String password;

    @Override
    public Integer call() {
        String name = RegistryOptionsMixin.hostPort(host, "login");
        String apiHost = name.equals("docker.io") ? "registry-1.docker.io" : name;
        if (registry.creds != null || registry.credsFile != null) {
            throw AirlockException.usage("login takes the account from --username and --password-stdin (or asks on a terminal);"
                    + " --creds and --creds-file are for the other commands");
        }
        PrintWriter err = spec.commandLine().getErr();
        java.io.Console console = System.console();
        String user = username;
        if (user == null && console != null) {
            user = console.readLine("Username: ");
        }
        if (user == null || user.isEmpty()) {
            throw AirlockException.usage("login " + name + ": no user name; give --username USER");
        }
        DockerConfigCredentials.checkUserName(user);
        String secret = secret(user, console, err);
        Credentials account = new Credentials(user, secret);
        Path file = DockerConfigCredentials.loginFile(registry.authFile, System.getenv());
        // The auth file is written, not read: it need not exist yet, and only this account is offered.
        registry.authFile = null;
        RegistryOptions options = registry.toOptions(List.of(), null)
                .withCredentials(h -> h.equals(apiHost) ? Optional.of(account) : Optional.empty());
        boolean asked;
        try (RegistryClient client = new RegistryClient(options)) {
            asked = client.checkLogin(apiHost);
        }
        DockerConfigCredentials.store(file, name, account);
        PrintWriter out = spec.commandLine().getOut();
        out.printf("Login Succeeded: %s as %s%s, stored in %s%n", name, user,
                asked ? "" : " (the registry asked for no login; stored anyway)", file);
        return 0;
    }

    private String secret(String user, java.io.Console console, PrintWriter err) {
        if (passwordStdin && password != null) {
            throw AirlockException.usage("--password and --password-stdin both give the password; give one");
        }
        if (passwordStdin) {
            try {
                String all = new String(System.in.readNBytes(64 * 1024), StandardCharsets.UTF_8);
                int eol = all.indexOf('\n');
                String line = eol < 0 ? all : all.substring(0, eol);
                line = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
                if (line.isEmpty()) {
                    throw AirlockException.usage("--password-stdin: standard input held no password");
                }
                return line;
            } catch (IOException e) {
                throw AirlockException.usage("--password-stdin: cannot read standard input: " + e.getMessage());
            }
        }
        if (password != null) {
            err.println(spec.commandLine().getParent().getCommandName() + ": warning: a password given with --password can be read by other users of this machine"
                    + " (ps, /proc/PID/cmdline); use --password-stdin instead");
            err.flush();
            return password;
        }
        if (console == null) {
            throw AirlockException.usage("login: no password and no terminal to ask for it; give it on standard input with"
                    + " --password-stdin (e.g. login --username " + user + " --password-stdin " + host + " < FILE)");
        }
        char[] pw = console.readPassword("Password: ");
        if (pw == null || pw.length == 0) {
            throw AirlockException.usage("login: no password given");
        }
        return new String(pw);
    }
}
