package dev.airlock.cli;

import dev.airlock.digest.Digest;
import dev.airlock.io.TransferListener;
import java.io.PrintWriter;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** Progress for logs and CI: one line every few seconds and one at the end, never {@code \r}. */
final class PlainProgress implements TransferListener {
    private final PrintWriter err;
    private final long intervalMillis;
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicInteger blobs = new AtomicInteger();
    private volatile long total;
    private volatile int count;
    private volatile String action = "transferred";
    private volatile long lastPrint = System.currentTimeMillis();
    private final long start = System.nanoTime();

    PlainProgress(PrintWriter err, long intervalMillis) {
        this.err = err;
        this.intervalMillis = intervalMillis;
    }

    @Override
    public void planned(String action, long totalBytes, int blobCount) {
        this.action = action;
        this.total = totalBytes;
        this.count = blobCount;
    }

    @Override
    public void progressed(Digest blob, long n) {
        bytes.addAndGet(n);
        long now = System.currentTimeMillis();
        if (now - lastPrint >= intervalMillis) {
            lastPrint = now;
            print();
        }
    }

    @Override
    public void finished(Digest blob) {
        blobs.incrementAndGet();
    }

    @Override
    public void done() {
        print();
    }

    private synchronized void print() {
        double secs = Math.max((System.nanoTime() - start) / 1e9, 0.001);
        long b = bytes.get();
        err.printf("%s %s of %s (%d%%), %d/%d blobs, %s/s%n", action, Units.bytes(b), Units.bytes(total),
                total == 0 ? 100 : b * 100 / total, blobs.get(), count, Units.bytes((long) (b / secs)));
        err.flush();
    }
}
