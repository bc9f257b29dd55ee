package dev.airlock.copy;

import dev.airlock.error.AirlockException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Runs tasks, at most {@code parallelism} at once, in the order given, and waits for all; a task is
 * taken from the list only shortly before a worker needs it (at most {@link #AHEAD} per worker). The first
 * failure ends the run: every queued task is cancelled (its future completed, so nobody waits on it)
 * and every running one is interrupted (an HTTP exchange in flight is then abandoned), and that
 * failure is what the caller sees. Tasks must themselves be bounded in time (every exchange is
 * watched for idleness); after a failure, running tasks get {@link #GRACE_SECONDS} to wind down.
 */
public final class TransferRunner {
    static final long GRACE_SECONDS = 10;
    /**
     * Tasks taken ahead of the workers, per worker: enough that a worker never waits for the next,
     * few enough that a run of many thousand tasks holds a handful of futures, not one per task.
     */
    static final int AHEAD = 2;

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
        Set<Future<Void>> unfinished = new LinkedHashSet<>();
        try {
            feed(tasks.iterator(), AHEAD * parallelism, done, unfinished);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw AirlockException.transientFailure("interrupted", e);
        } finally {
            stop(pool, unfinished);
        }
    }

    /**
     * Keeps at most {@code window} tasks submitted and unfinished, taking the next from the list as
     * each one ends, until the list is done; the first failure is thrown.
     */
    private static void feed(Iterator<? extends Runnable> tasks, int window, CompletionService<Void> done, Set<Future<Void>> unfinished)
            throws InterruptedException {
        while (unfinished.size() < window && tasks.hasNext()) {
            unfinished.add(done.submit(tasks.next(), null));
        }
        while (!unfinished.isEmpty()) {
            Future<Void> f = done.take();
            unfinished.remove(f);
            try {
                f.get();
            } catch (ExecutionException e) {
                throw asAirlock(e.getCause());
            }
            if (tasks.hasNext()) {
                unfinished.add(done.submit(tasks.next(), null));
            }
        }
    }

    /**
     * Last submitted first: the queued ones are cancelled before any running one is interrupted, so
     * a worker freed by the interrupt finds nothing left to start; tasks never taken never start.
     */
    private static void stop(ExecutorService pool, Set<Future<Void>> unfinished) {
        List<Future<Void>> submitted = new ArrayList<>(unfinished);
        boolean running = false;
        for (int i = submitted.size() - 1; i >= 0; i--) {
            running |= submitted.get(i).cancel(true);
        }
        pool.shutdownNow();
        if (running) {
            try {
                pool.awaitTermination(GRACE_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
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
