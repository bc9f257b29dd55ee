package dev.airlock.imports.cli;

import dev.airlock.cli.OutputOptionsMixin;
import dev.airlock.imports.ImportRequest;
import dev.airlock.imports.ImportService;
import dev.airlock.imports.inbox.InboxWatcher;
import dev.airlock.imports.inbox.WatchOptions;
import dev.airlock.imports.inbox.WatchSummary;
import dev.airlock.io.TransferListener;
import dev.airlock.registry.RegistryClient;
import dev.airlock.registry.RegistryOptions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "watch", mixinStandardHelpOptions = true,
        footerHeading = dev.airlock.cli.Cli.EXAMPLES, footer = {
            "  # import what arrives in the inbox, in order, until stopped",
            "  airlock-import watch /var/lib/airlock/inbox --trust mirror.pub.asc \\",
            "      --registry registry.local:5000/mirror",
            "  # for cron: what is there now, then exit",
            "  airlock-import watch --config /etc/airlock/import.yaml --once"},
        description = {"Import the bundles that arrive in DIR, each channel in sequence order; move each to DIR/done/,"
                + " or to DIR/rejected/ with NAME.reason when refused. One line per event on stdout.",
            "A later bundle waits for a missing earlier one (a full or --since bundle that makes it unnecessary is taken);"
                + " a registry or local failure leaves the bundle in place and tries again later. SIGTERM: finish the"
                + " current import, then exit 0."})
final class WatchCommand implements Callable<Integer> {
    /** How long SIGTERM waits for the current import before the process ends anyway (a restart resumes it). */
    static final Duration STOP_WAIT = Duration.ofMinutes(5);

    @Spec
    CommandSpec spec;

    @Mixin
    OutputOptionsMixin output;

    @Mixin
    ImportOptionsMixin options;

    @Mixin
    WatchOptionsMixin watchOptions;

    @Parameters(index = "0", arity = "0..1", paramLabel = "DIR", description = "The inbox directory (or inbox: in --config).")
    Path dir;

    @Option(names = "--once", description = "Process what is in DIR (and what becomes importable meanwhile), then exit: 0 when"
            + " nothing was refused or left to retry, else the highest exit code among those. Waiting bundles are reported, not failed.")
    boolean once;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ImportConfigOption config = options.config();
        Path inbox = config.require(ImportConfigOption.or(dir, config.path(config.get().inbox())), "DIR", "inbox");
        ImportRequest template = template(options, err);
        Consumer<String> log = eventLog(out, watchOptions.json ? EventJson.WATCH : null, "watcher");
        Client client = new Client(options.registryOptions());
        InboxWatcher watcher = watcher(inbox, watchOptions.toOptions(config), template, client, output, err, log);
        try {
            if (once) {
                WatchSummary s = watcher.runOnce();
                s.waiting().forEach(log);
                s.left().forEach(l -> log.accept("not complete yet: " + l));
                if (watchOptions.json) {
                    printLine(out, EventJson.once(EventJson.WATCH, now(), s));
                } else {
                    log.accept("once: " + s.describe());
                }
                return s.exitCode();
            }
            runUntilSignal(watcher, () -> { }, log, out, err);
            return 0;
        } finally {
            client.close();
        }
    }

    /** The import every bundle gets (trust and target checked now, before anything runs); --map warnings to stderr. */
    static ImportRequest template(ImportOptionsMixin options, PrintWriter err) {
        return options.request(null, false, w -> {
            synchronized (err) {
                err.println("airlock-import: warning: " + w);
                err.flush();
            }
        });
    }

    /**
     * The event lines: one per event, timestamped, on {@code out}; with a {@code jsonSchema}, each as
     * one JSON object (EventJson) from {@code source} ("watcher", "server").
     */
    static Consumer<String> eventLog(PrintWriter out, String jsonSchema, String source) {
        return line -> {
            Instant now = now();
            printLine(out, jsonSchema == null ? now + " " + line : EventJson.line(jsonSchema, now, source, line));
        };
    }

    /** The time an event line carries: UTC, ISO-8601, to the second. */
    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS);
    }

    private static void printLine(PrintWriter out, String line) {
        synchronized (out) {
            out.println(line);
            out.flush();
        }
    }

    /** A watcher on {@code inbox} whose imports go through {@code client}, each with a progress listener of its own. */
    static InboxWatcher watcher(Path inbox, WatchOptions watching, ImportRequest template, Client client, OutputOptionsMixin output,
            PrintWriter err, Consumer<String> log) {
        return new InboxWatcher(inbox, watching, template, request -> {
            // A listener per import, stopped after it: a failed import never calls done(), and its ticker would print on.
            TransferListener progress = output.listener(err);
            try {
                return new ImportService(client, progress).importBundle(request);
            } finally {
                progress.abandoned();
            }
        }, log);
    }

    /**
     * Runs the watcher until SIGTERM or SIGINT; then {@code first} (serve: close the server to new
     * sessions), then the current import finishes (bounded) and the process ends with 0. The JVM
     * would otherwise report the signal (143), and a service manager would count a clean stop as a
     * failure. After {@link #STOP_WAIT} the process ends anyway; the next start resumes.
     */
    static void runUntilSignal(InboxWatcher watcher, Runnable first, Consumer<String> log, PrintWriter out, PrintWriter err) {
        Thread hook = new Thread(() -> {
            first.run();
            stopOnSignal(watcher, log, out, err);
        }, "airlock-watch-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            watcher.run();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it ends the process
            }
        }
    }

    private static void stopOnSignal(InboxWatcher watcher, Consumer<String> log, PrintWriter out, PrintWriter err) {
        if (!watcher.isRunning()) {
            return;
        }
        log.accept("stopping: finishing the current import first (at most " + STOP_WAIT.toMinutes() + " min)");
        watcher.stop();
        try {
            if (watcher.awaitStopped(STOP_WAIT)) {
                out.flush();
                err.flush();
                Runtime.getRuntime().halt(0);
            }
            log.accept("stopping: the import did not finish within " + STOP_WAIT.toMinutes() + " min; the next start takes it again");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One registry client for the watcher's life, made at the first import that needs it. */
    static final class Client implements Supplier<RegistryClient> {
        private final RegistryOptions options;
        private RegistryClient client;

        Client(RegistryOptions options) {
            this.options = options;
        }

        @Override
        public synchronized RegistryClient get() {
            if (client == null) {
                client = new RegistryClient(options);
            }
            return client;
        }

        synchronized void close() {
            if (client != null) {
                client.close();
            }
        }
    }
}
