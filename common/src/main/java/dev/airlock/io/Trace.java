package dev.airlock.io;

/**
 * Start-up and phase timings for tuning, off unless {@code AIRLOCK_TRACE=1} (or
 * {@code -Dairlock.trace=true}): one line on stderr per mark, milliseconds since the epoch, so
 * marks line up with timestamps taken outside the JVM (the launcher, the benchmark).
 */
public final class Trace {
    private static final boolean ON = Boolean.getBoolean("airlock.trace") || "1".equals(System.getenv("AIRLOCK_TRACE"));

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
}
