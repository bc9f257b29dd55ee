package dev.airlock.io;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * Start-up work (class loading, TLS and HTTP client set-up, OpenPGP key parsing) started on a
 * second core while the first does something else; {@link #get()} waits for it and rethrows its
 * failure as thrown. Short commands on small machines spend a good part of their time here.
 */
public final class Background<T> implements Supplier<T> {
    private final CompletableFuture<T> future;

    private Background(Supplier<T> work) {
        // A thread of its own: the common pool has one worker on a two-core machine, which would
        // queue two pieces of start-up work behind each other.
        this.future = CompletableFuture.supplyAsync(work, task -> {
            Thread t = new Thread(task, "airlock-background");
            t.setDaemon(true);
            t.start();
        });
    }

    public static <T> Background<T> start(Supplier<T> work) {
        return new Background<>(work);
    }

    @Override
    public T get() {
        try {
            return future.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }

    /** Runs {@code action} on the value once it is there, unless the work failed. */
    public void whenDone(java.util.function.Consumer<T> action) {
        future.thenAccept(action);
    }
}
