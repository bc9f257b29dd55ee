package dev.airlock.io;

import dev.airlock.error.AirlockException;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/** Waits between tries: exponential from a first wait, capped, with jitter (half fixed, half random). */
public final class Backoff {
    private Backoff() {
    }

    /** The wait before try {@code attempt + 1}: {@code first × 2^(attempt−1)}, at most {@code cap}, jittered. */
    public static Duration after(int attempt, Duration first, Duration cap) {
        long ms = Math.min(cap.toMillis(), first.toMillis() << Math.min(Math.max(attempt, 1) - 1, 10));
        return Duration.ofMillis(ms / 2 + ThreadLocalRandom.current().nextLong(ms / 2 + 1));
    }

    /** Sleeps; an interrupt (a run cancelled after another failure) ends the wait as a transient failure. */
    public static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw AirlockException.transientFailure("interrupted", e);
        }
    }
}
