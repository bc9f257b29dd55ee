package dev.airlock.io;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;

/**
 * Start-up and phase timings for tuning, off unless {@code AIRLOCK_TRACE=1} (or
 * {@code -Dairlock.trace=true}): one line on stderr per mark, milliseconds since the epoch, so
 * marks line up with timestamps taken outside the JVM (the launcher, the benchmark).
 *
 * <p>{@code AIRLOCK_TRACE=heap} (or {@code -Dairlock.trace=heap}) measures memory instead, for
 * {@code scripts/bench.d/catalog.sh --memory}: a daemon thread runs a full collection every
 * {@value #HEAP_EVERY_MS} ms and keeps the largest heap left after one; at exit one line on stderr,
 * {@code heap-after-gc peak=BYTES samples=N}. The collections slow the run: for measuring only.
 */
public final class Trace {
    private static final String MODE = System.getProperty("airlock.trace", System.getenv("AIRLOCK_TRACE"));
    private static final boolean ON = "true".equals(MODE) || "1".equals(MODE);
    private static final long HEAP_EVERY_MS = 200;

    static {
        if ("heap".equals(MODE)) {
            startHeapSampler();
        }
    }

    private Trace() {
    }

    public static boolean on() {
        return ON;
    }

    public static void mark(String what) {
        if (ON) {
            System.err.println("trace " + System.currentTimeMillis() + " [" + Thread.currentThread().getName() + "] " + what);
        }
    }

    private static void startHeapSampler() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long[] peak = {0, 0}; // largest heap after a collection, samples taken
        Runnable sample = () -> {
            System.gc();
            long used = memory.getHeapMemoryUsage().getUsed();
            synchronized (peak) {
                peak[0] = Math.max(peak[0], used);
                peak[1]++;
            }
        };
        Thread sampler = new Thread(() -> {
            try {
                while (true) {
                    sample.run();
                    Thread.sleep(HEAP_EVERY_MS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "airlock-heap-trace");
        sampler.setDaemon(true);
        sampler.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            sample.run();
            synchronized (peak) {
                System.err.println("heap-after-gc peak=" + peak[0] + " samples=" + peak[1]);
            }
        }));
    }
}
