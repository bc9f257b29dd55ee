package dev.airlock.cli;

/** The one progress line both renderers show: bytes across all blobs, percentage, rate and time left, all from bytes. */
final class ProgressLine {
    private ProgressLine() {
    }

    /**
     * {@code importing 12.0 MiB of 48.0 MiB (25%), 1/3 blobs, 4.0 MiB/s, 9 s left}; at the end the
     * time taken instead of the time left. The rate is the average since the phase started; no
     * time left is guessed before a byte moved.
     */
    static String format(String action, long bytes, long total, int blobs, int count, long elapsedNanos, boolean last) {
        double secs = Math.max(elapsedNanos / 1e9, 0.001);
        long rate = (long) (bytes / secs);
        int percent = total <= 0 ? 100 : (int) Math.min(100, bytes * 100 / total);
        String tail;
        if (last) {
            tail = "in " + Units.seconds(secs);
        } else if (bytes <= 0 || rate <= 0) {
            tail = "time left unknown";
        } else {
            tail = Units.seconds(Math.max(0, total - bytes) / (double) rate) + " left";
        }
        return String.format("%s %s of %s (%d%%), %d/%d blobs, %s/s, %s", action, Units.bytes(bytes), Units.bytes(total), percent,
                blobs, count, Units.bytes(rate), tail);
    }
}
