package dev.airlock.imports.cli;

import dev.airlock.cli.Units;
import dev.airlock.error.AirlockException;
import dev.airlock.imports.serve.InboxServer;
import dev.airlock.imports.serve.ServeSettings;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run an SFTP server that lets the keys in an authorized_keys file upload bundles into the inbox, and nothing else.")
final class ServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--listen", required = true, paramLabel = "HOST:PORT", description = "Address and port to listen on, e.g. 0.0.0.0:2222 or [::1]:2222.")
    String listen;

    @Option(names = "--host-key", required = true, paramLabel = "FILE",
            description = "The server's private host key (OpenSSH format, mode 0600). Generated (ed25519) when it does not exist.")
    Path hostKey;

    @Option(names = "--authorized-keys", required = true, paramLabel = "FILE",
            description = "Public keys that may upload, in OpenSSH authorized_keys format, without options. Re-read when it changes.")
    Path authorizedKeys;

    @Option(names = "--inbox", required = true, paramLabel = "DIR", description = "Where uploads land.")
    Path inbox;

    @Option(names = "--max-upload-size", paramLabel = "SIZE", converter = Units.SizeConverter.class,
            description = "Refuse a file larger than SIZE (e.g. 20G); default: no limit but --min-free.")
    Long maxUploadSize;

    @Option(names = "--min-free", paramLabel = "SIZE", converter = Units.SizeConverter.class, defaultValue = "1GiB",
            description = "Refuse a write that would leave less than SIZE free in the inbox's file system (default: ${DEFAULT-VALUE}).")
    long minFree;

    @Option(names = "--idle-timeout", paramLabel = "DURATION", converter = Units.DurationConverter.class, defaultValue = "5m",
            description = "Close a session that moves nothing for this long (default: ${DEFAULT-VALUE}).")
    Duration idleTimeout;

    @Option(names = "--max-sessions", paramLabel = "N", defaultValue = "8",
            description = "Connections open at once, logged in or not (default: ${DEFAULT-VALUE}).")
    int maxSessions;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        String[] hp = hostPort(listen);
        ServeSettings settings = new ServeSettings(hp[0], Integer.parseInt(hp[1]), hostKey, authorizedKeys, inbox,
                maxUploadSize == null ? 0 : maxUploadSize, minFree, idleTimeout, maxSessions);
        Object lock = new Object();
        InboxServer server = InboxServer.start(settings, line -> {
            synchronized (lock) {
                err.println("serve: " + line);
                err.flush();
            }
        });
        // >>> WATCHER: start dev.airlock.imports.inbox.InboxWatcher on `inbox` here, in this process, with the
        // import options (mixin shared with `watch`), on its own thread; stop it in the hook below, after
        // server.close() and before stopped.countDown(), so that SIGTERM lets the current import finish. <<<
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "serve-shutdown"));
        stopped.await();
        return 0;
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
