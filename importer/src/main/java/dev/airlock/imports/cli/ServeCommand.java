package dev.airlock.imports.cli;

import dev.airlock.cli.OutputOptionsMixin;
import dev.airlock.cli.Units;
import dev.airlock.error.AirlockException;
import dev.airlock.imports.ImportRequest;
import dev.airlock.imports.config.ImportConfig;
import dev.airlock.imports.inbox.InboxWatcher;
import dev.airlock.imports.inbox.WatchOptions;
import dev.airlock.imports.serve.InboxServer;
import dev.airlock.imports.serve.ServeSettings;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "serve", mixinStandardHelpOptions = true,
        footerHeading = dev.airlock.cli.Cli.EXAMPLES, footer = {
            "  # an SFTP inbox on port 2222 for the keys in authorized_keys; imports arrivals",
            "  airlock-import serve --listen 0.0.0.0:2222 \\",
            "      --host-key /etc/airlock/serve/ssh_host_ed25519_key \\",
            "      --authorized-keys /etc/airlock/serve/authorized_keys \\",
            "      --inbox /var/lib/airlock/inbox --trust mirror.pub.asc \\",
            "      --registry registry.local:5000/mirror",
            "  # the same with every setting in a config file",
            "  airlock-import serve --config /etc/airlock/import.yaml"},
        description = {"Run an SFTP server that lets the keys in an authorized_keys file upload bundles into the inbox, and nothing else,"
                + " and import what arrives there as `watch` does (same options), in the same process.",
            "Server events go to stderr, the watcher's to stdout. SIGTERM: close every session, finish the current import, exit 0."})
final class ServeCommand implements Callable<Integer> {
    static final long DEFAULT_MIN_FREE = 1L << 30;
    static final Duration DEFAULT_SESSION_IDLE = Duration.ofMinutes(5);
    static final int DEFAULT_MAX_SESSIONS = 8;

    @Spec
    CommandSpec spec;

    @Mixin
    OutputOptionsMixin output;

    @Mixin
    ImportOptionsMixin options;

    @Mixin
    WatchOptionsMixin watchOptions;

    @Option(names = "--listen", paramLabel = "HOST:PORT",
            description = "Address and port to listen on, e.g. 0.0.0.0:2222 or [::1]:2222. Required, here or as listen: in --config.")
    String listen;

    @Option(names = "--host-key", paramLabel = "FILE",
            description = "The server's private host key (OpenSSH format, mode 0600). Generated (ed25519) when it does not exist."
                    + " Required, here or as hostKey: in --config.")
    Path hostKey;

    @Option(names = "--authorized-keys", paramLabel = "FILE",
            description = "Public keys that may upload, in OpenSSH authorized_keys format, without options. Re-read when it changes."
                    + " Required, here or as authorizedKeys: in --config.")
    Path authorizedKeys;

    @Option(names = "--inbox", paramLabel = "DIR",
            description = "Where uploads land: the directory the watcher imports from. Required, here or as inbox: in --config.")
    Path inbox;

    @Option(names = "--max-upload-size", paramLabel = "SIZE", converter = Units.SizeConverter.class,
            description = "Refuse a file larger than SIZE (e.g. 20G); default: no limit but --min-free.")
    Long maxUploadSize;

    @Option(names = "--min-free", paramLabel = "SIZE", converter = Units.SizeConverter.class,
            description = "Refuse a write that would leave less than SIZE free in the inbox's file system (default: 1GiB).")
    Long minFree;

    @Option(names = "--session-idle-timeout", paramLabel = "DURATION", converter = Units.DurationConverter.class,
            description = "Close a session that moves nothing for this long (default: 5m).")
    Duration idleTimeout;

    @Option(names = "--max-sessions", paramLabel = "N",
            description = "Logged-in sessions at once (default: 8). Connections not logged in yet are bounded apart:"
                    + " 10 per address, 30 in all, the oldest closed first; 30 s and 6 keys to log in.")
    Integer maxSessions;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ServeSettings settings = settings(options.config());
        // trust and target checked before anything listens
        ImportRequest template = WatchCommand.template(options, err);
        WatchOptions watching = watchOptions.toOptions(options.config());
        // With --json the server's events join the watcher's on stdout, each a JSON object; else text on stderr.
        InboxServer server = InboxServer.start(settings, watchOptions.json ? WatchCommand.eventLog(out, EventJson.SERVE, "server") : line -> {
            synchronized (err) {
                err.println("serve: " + line);
                err.flush();
            }
        });
        Consumer<String> log = WatchCommand.eventLog(out, watchOptions.json ? EventJson.SERVE : null, "watcher");
        WatchCommand.Client client = new WatchCommand.Client(options.registryOptions());
        try {
            InboxWatcher watcher = WatchCommand.watcher(settings.inbox(), watching, template, client, output, err, log);
            // SIGTERM: no new uploads or sessions first, then the current import finishes (bounded), then exit 0.
            WatchCommand.runUntilSignal(watcher, server::close, log, out, err);
            return 0;
        } finally {
            server.close();
            client.close();
        }
    }

    /** The server's settings, each from its flag, else from {@code config}, else its default; the four required ones checked. */
    ServeSettings settings(ImportConfigOption config) {
        ImportConfig c = config.get();
        String[] hp = hostPort(config.require(ImportConfigOption.or(listen, c.listen()), "--listen HOST:PORT", "listen"));
        Path key = config.require(ImportConfigOption.or(hostKey, config.path(c.hostKey())), "--host-key FILE", "hostKey");
        Path authorized = config.require(ImportConfigOption.or(authorizedKeys, config.path(c.authorizedKeys())), "--authorized-keys FILE",
                "authorizedKeys");
        Path dir = config.require(ImportConfigOption.or(inbox, config.path(c.inbox())), "--inbox DIR", "inbox");
        Long maxUpload = ImportConfigOption.or(maxUploadSize, config.size("maxUploadSize", c.maxUploadSize()));
        Long free = ImportConfigOption.or(minFree, config.size("minFree", c.minFree()));
        Duration idle = ImportConfigOption.or(idleTimeout, config.duration("sessionIdleTimeout", c.sessionIdleTimeout()));
        Integer sessions = ImportConfigOption.or(maxSessions, c.maxSessions());
        return new ServeSettings(hp[0], Integer.parseInt(hp[1]), key, authorized, dir, maxUpload == null ? 0 : maxUpload,
                free != null ? free : DEFAULT_MIN_FREE, idle != null ? idle : DEFAULT_SESSION_IDLE, sessions != null ? sessions : DEFAULT_MAX_SESSIONS);
    }

    /** {@code HOST:PORT} or {@code [V6]:PORT}; a usage error otherwise. */
    static String[] hostPort(String s) {
        int colon = s.lastIndexOf(':');
        String host = colon > 0 ? s.substring(0, colon) : "";
        String port = colon > 0 ? s.substring(colon + 1) : "";
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (host.isEmpty() || !port.matches("\\d{1,5}") || Integer.parseInt(port) > 65535 || (host.contains(":") && !s.startsWith("["))) {
            throw AirlockException.usage("--listen '" + s + "' is not HOST:PORT (e.g. 0.0.0.0:2222, [::1]:2222)");
        }
        return new String[] {host, port};
    }
}
