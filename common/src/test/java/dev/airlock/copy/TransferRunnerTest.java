package dev.airlock.copy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.error.AirlockException;
import java.util.AbstractList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The runner takes a task from its list only when a worker is about to need it: a run of many
 * thousand tasks (a catalog's blob links, manifests and tags) holds a handful of queued futures, not
 * one per task, so the heap does not grow with the number of images for the queue's sake.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TransferRunnerTest {
    private static final int TASKS = 2_000;
    private static final int PARALLELISM = 4;

    /** A list of tasks that counts how many were taken from it and how many have finished. */
    private static final class CountedTasks extends AbstractList<Runnable> {
        final AtomicInteger taken = new AtomicInteger();
        final AtomicInteger finished = new AtomicInteger();
        final AtomicInteger mostAhead = new AtomicInteger();
        final AtomicInteger takenAtFailure = new AtomicInteger(-1);
        final int failAt;

        CountedTasks(int failAt) {
            this.failAt = failAt;
        }

        @Override
        public Runnable get(int i) {
            taken.incrementAndGet();
            mostAhead.accumulateAndGet(taken.get() - finished.get(), Math::max);
            return () -> {
                if (i == failAt) {
                    takenAtFailure.set(taken.get());
                    throw new IllegalStateException("task " + i + " failed");
                }
                if (failAt >= 0) {
                    java.util.concurrent.locks.LockSupport.parkNanos(1_000_000); // the failure is seen before many more end
                }
                finished.incrementAndGet();
            };
        }

        @Override
        public Iterator<Runnable> iterator() {
            return new Iterator<>() {
                private int next;

                @Override
                public boolean hasNext() {
                    return next < TASKS;
                }

                @Override
                public Runnable next() {
                    return get(next++);
                }
            };
        }

        @Override
        public int size() {
            return TASKS;
        }
    }

    @Test
    void everyTaskRuns_butOnlyAFewAreTakenAheadOfTheWorkers() {
        CountedTasks tasks = new CountedTasks(-1);

        TransferRunner.run(tasks, PARALLELISM, "test-runner");

        assertEquals(TASKS, tasks.finished.get(), "every task ran once");
        assertEquals(TASKS, tasks.taken.get());
        assertTrue(tasks.mostAhead.get() <= 2 * PARALLELISM + 1,
                "at most twice the parallelism taken and unfinished at any time, saw " + tasks.mostAhead.get());
    }

    @Test
    void aFailure_endsTheRun_andTheTasksNotYetTakenNeverRun() {
        CountedTasks tasks = new CountedTasks(10);

        AirlockException e = assertThrows(AirlockException.class, () -> TransferRunner.run(tasks, PARALLELISM, "test-runner"));

        assertTrue(e.getMessage().contains("task 10 failed"), e.getMessage());
        assertTrue(tasks.taken.get() <= tasks.takenAtFailure.get() + 4 * PARALLELISM,
                "taken when the task failed " + tasks.takenAtFailure.get() + ", in all " + tasks.taken.get());
        assertTrue(tasks.finished.get() < TASKS, "the run stopped at the failure");
    }

    @Test
    void oneWorker_runsTheTasksInOrderOnTheCallersThread() {
        StringBuilder order = new StringBuilder();
        Thread caller = Thread.currentThread();
        List<Runnable> tasks = List.of(() -> order.append('a'), () -> order.append('b'), () -> {
            assertEquals(caller, Thread.currentThread());
            order.append('c');
        });

        TransferRunner.run(tasks, 1, "test-runner");

        assertEquals("abc", order.toString());
    }
}
