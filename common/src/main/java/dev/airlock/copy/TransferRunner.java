package dev.airlock.copy;

import dev.airlock.error.AirlockException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Runs tasks, at most {@code parallelism} at once, in the order given, and waits for all. The first
 * failure ends the run: every queued task is cancelled (its future completed, so nobody waits on it)
 * and every running one is interrupted (an HTTP exchange in flight is then abandoned), and that
 * failure is what the caller sees. Tasks must themselves be bounded in time (every exchange is
 * watched for idleness); after a failure, running tasks get {@link #GRACE_SECONDS} to wind down.
 */
public final class TransferRunner {
    static final long GRACE_SECONDS = 10;

    private TransferRunner() {
    }

    public static void run(List<? extends Runnable> tasks, int parallelism, String threadName) {
        if (tasks.isEmpty()) {
            return;
        }
        if (tasks.size() == 1 || parallelism <= 1) {
            tasks.forEach(Runnable::run);
            return;
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(parallelism, tasks.size()), r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        CompletionService<Void> done = new ExecutorCompletionService<>(pool);
        List<Future<Void>> futures = new ArrayList<>();
        try {
            for (Runnable task : tasks) {
                futures.add(done.submit(task, null));
            }
            for (int i = 0; i < futures.size(); i++) {
                Future<Void> f = done.take();
                try {
                    f.get();
                } catch (ExecutionException e) {
                    throw asAirlock(e.getCause());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw AirlockException.transientFailure("interrupted", e);
        } finally {
            // Last submitted first: the queued ones are cancelled before any running one is
            // interrupted, so a worker freed by the interrupt finds nothing left to start.
            boolean unfinished = false;
            for (int i = futures.size() - 1; i >= 0; i--) {
                unfinished |= futures.get(i).cancel(true);
            }
            pool.shutdownNow();
            if (unfinished) {
                try {
                    pool.awaitTermination(GRACE_SECONDS, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    private static AirlockException asAirlock(Throwable t) {
        if (t instanceof AirlockException a) {
            return a;
        }
        if (t instanceof java.io.UncheckedIOException u) {
            return AirlockException.local(u.getCause().getMessage(), u.getCause());
        }
        return AirlockException.internal(String.valueOf(t), t);
    }
}
