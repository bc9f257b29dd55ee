package dev.airlock.imports.cli;

import dev.airlock.cli.Units;
import dev.airlock.imports.config.ImportConfig;
import dev.airlock.imports.inbox.WatchOptions;
import java.time.Duration;
import picocli.CommandLine.Option;

/** How an inbox is watched ({@code watch}, {@code serve}); each also from --config (flags win). */
public final class WatchOptionsMixin {
    @Option(names = "--poll-interval", paramLabel = "DURATION", converter = Units.DurationConverter.class,
            description = "List the inbox this often besides inotify's events (which file systems such as NFS do not send); "
                    + "also the first retry delay after a registry or local failure (default: 5s).")
    Duration pollInterval;

    @Option(names = "--settle", paramLabel = "DURATION", converter = Units.DurationConverter.class,
            description = "Touch a file only once its size and modification time have not changed for this long "
                    + "(default: 1s). Senders that write under a .part or dot name and rename are never seen half-written.")
    Duration settle;

    @Option(names = "--json", description = "Print each event as one JSON object on a line of its own (JSON Lines; schema "
            + EventJson.WATCH + ", " + EventJson.SERVE + " for serve) instead of the text line: its time, event, bundle, exitCode"
            + " and where the files went, as the line says them, and the line itself as message.")
    boolean json;

    /** The options, each from its flag, else from {@code config}, else its default. */
    WatchOptions toOptions(ImportConfigOption config) {
        ImportConfig c = config.get();
        Duration poll = ImportConfigOption.or(pollInterval, config.duration("pollInterval", c.pollInterval()));
        Duration wait = ImportConfigOption.or(settle, config.duration("settle", c.settle()));
        return new WatchOptions(poll != null ? poll : WatchOptions.DEFAULT_POLL, wait != null ? wait : WatchOptions.DEFAULT_SETTLE,
                WatchOptions.DEFAULT_MAX_RETRY);
    }
}
