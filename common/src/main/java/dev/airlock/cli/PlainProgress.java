package dev.airlock.cli;

import dev.airlock.digest.Digest;
import dev.airlock.io.TransferListener;
import java.io.PrintWriter;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Progress for logs and CI: one line every few seconds and one at the end, never {@code \r}. A
 * line comes every interval even when no byte moves (saying for how long nothing moved), so a
 * stalled transfer that is waiting out its idle timeout and retries is never silent.
 */
final class PlainProgress implements TransferListener {
    private final PrintWriter err;
    private final long intervalMillis;
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicInteger blobs = new AtomicInteger();
    private volatile long total;
    private volatile int count;
    private volatile String action = "transferred";
    private volatile long lastPrint = System.currentTimeMillis();
    private volatile long lastMove = System.currentTimeMillis();
    private volatile boolean finished;
    private Thread ticker;
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
        startTicker();
    }

    private synchronized void startTicker() {
        if (ticker != null) {
            return;
        }
        ticker = new Thread(() -> {
            while (!finished) {
                try {
                    Thread.sleep(intervalMillis);
                } catch (InterruptedException e) {
                    return;
                }
                long now = System.currentTimeMillis();
                if (!finished && now - lastPrint >= intervalMillis) {
                    lastPrint = now;
                    print();
                }
            }
        }, "airlock-progress");
        ticker.setDaemon(true);
        ticker.start();
    }

    @Override
    public void progressed(Digest blob, long n) {
        bytes.addAndGet(n);
        long now = System.currentTimeMillis();
        lastMove = now;
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
        finished = true;
        print();
    }

    private synchronized void print() {
        double secs = Math.max((System.nanoTime() - start) / 1e9, 0.001);
        long b = bytes.get();
        long still = (System.currentTimeMillis() - lastMove) / 1000;
        err.printf("%s %s of %s (%d%%), %d/%d blobs, %s/s%s%n", action, Units.bytes(b), Units.bytes(total),
                total == 0 ? 100 : b * 100 / total, blobs.get(), count, Units.bytes((long) (b / secs)),
                !finished && still >= 2 ? ", no byte moved for " + still + " s (waiting on the other side; --idle-timeout bounds it)" : "");
        err.flush();
    }
}
