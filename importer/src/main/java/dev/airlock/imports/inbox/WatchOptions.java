package dev.airlock.imports.inbox;

import dev.airlock.error.AirlockException;
import java.time.Duration;

/**
 * How an inbox is watched.
 *
 * @param pollInterval how often the inbox is listed besides inotify's events (the only way to see
 *     changes on a file system that sends none, such as NFS); also the first retry delay
 * @param settle how long a file's size and modification time must stay the same before it is
 *     touched (for files copied in under their final name; senders that rename in are taken as
 *     soon as their last write is this old)
 * @param maxRetryDelay the longest wait between tries of a bundle the registry or this host failed
 */
public record WatchOptions(Duration pollInterval, Duration settle, Duration maxRetryDelay) {
    public static final Duration DEFAULT_POLL = Duration.ofSeconds(5);
    public static final Duration DEFAULT_SETTLE = Duration.ofSeconds(1);
    public static final Duration DEFAULT_MAX_RETRY = Duration.ofMinutes(5);

    public WatchOptions {
        if (pollInterval.toMillis() < 100) {
            throw AirlockException.usage("--poll-interval " + pollInterval.toMillis() + "ms: give at least 100ms");
        }
        if (settle.isNegative()) {
            throw AirlockException.usage("--settle must not be negative");
        }
        if (maxRetryDelay.compareTo(pollInterval) < 0) {
            maxRetryDelay = pollInterval;
        }
    }

    public static WatchOptions defaults() {
        return new WatchOptions(DEFAULT_POLL, DEFAULT_SETTLE, DEFAULT_MAX_RETRY);
    }
}
