package dev.airlock.imports.cli;

import dev.airlock.cli.Units;
import dev.airlock.imports.inbox.WatchOptions;
import java.time.Duration;
import picocli.CommandLine.Option;

/** How an inbox is watched ({@code watch}, {@code serve}). */
public final class WatchOptionsMixin {
    @Option(names = "--poll-interval", paramLabel = "DURATION", defaultValue = "5s", converter = Units.DurationConverter.class,
            description = "List the inbox this often besides inotify's events (which file systems such as NFS do not send); "
                    + "also the first retry delay after a registry or local failure (default: ${DEFAULT-VALUE}).")
    Duration pollInterval;

    @Option(names = "--settle", paramLabel = "DURATION", defaultValue = "1s", converter = Units.DurationConverter.class,
            description = "Touch a file only once its size and modification time have not changed for this long "
                    + "(default: ${DEFAULT-VALUE}). Senders that write under a .part or dot name and rename are never seen half-written.")
    Duration settle;

    public WatchOptions toOptions() {
        return new WatchOptions(pollInterval, settle, WatchOptions.DEFAULT_MAX_RETRY);
    }
}
