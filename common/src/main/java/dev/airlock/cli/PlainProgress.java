package dev.airlock.cli;

import dev.airlock.digest.Digest;
import dev.airlock.io.TransferListener;
import java.io.PrintWriter;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Progress for logs and CI: one line every few seconds and one at the end, never {@code \r}. Bytes
 * count as they stream, across all blobs (a large layer moves the percentage while it is still
 * arriving), and the rate and the time left are computed from bytes. A line comes every interval
 * even when no byte moves (saying for how long nothing moved), so a stalled transfer that is
 * waiting out its idle timeout and retries is never silent.
 *
 * <p>One instance may render several phases one after the other ({@link #planned} starts a phase,
 * {@link #done} ends it): each counts from zero.
 */
final class PlainProgress implements TransferListener {
    private final PrintWriter err;
    private final long intervalMillis;
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicInteger blobs = new AtomicInteger();
    private volatile long total;
    private volatile int count;
    private volatile String action = "transferred";
    private volatile long lastPrint;
    private volatile long lastMove;
    private volatile long startNanos = System.nanoTime();
    private volatile boolean finished = true;
    private Thread ticker;

    PlainProgress(PrintWriter err, long intervalMillis) {
        this.err = err;
        this.intervalMillis = intervalMillis;
    }

    @Override
    public synchronized void planned(String action, long totalBytes, int blobCount) {
        this.action = action;
        this.total = totalBytes;
        this.count = blobCount;
        bytes.set(0);
        blobs.set(0);
        startNanos = System.nanoTime();
        lastPrint = System.currentTimeMillis();
        lastMove = lastPrint;
        finished = false;
        if (ticker == null || !ticker.isAlive()) {
            ticker = new Thread(this::tick, "airlock-progress");
            ticker.setDaemon(true);
            ticker.start();
        }
    }

    private void tick() {
        while (!finished) {
            try {
                Thread.sleep(intervalMillis);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.currentTimeMillis();
            if (!finished && now - lastPrint >= intervalMillis) {
                print(false);
            }
        }
    }

    @Override
    public void progressed(Digest blob, long n) {
        bytes.addAndGet(n);
        long now = System.currentTimeMillis();
        lastMove = now;
        if (now - lastPrint >= intervalMillis) {
            print(false);
        }
    }

    @Override
    public void finished(Digest blob) {
        blobs.incrementAndGet();
    }

    @Override
    public void done() {
        if (finished) {
            return;
        }
        finished = true;
        print(true);
    }

    @Override
    public void abandoned() {
        finished = true;
    }

    private synchronized void print(boolean last) {
        if (finished && !last) {
            return;
        }
        lastPrint = System.currentTimeMillis();
        long b = bytes.get();
        long still = (System.currentTimeMillis() - lastMove) / 1000;
        err.println(ProgressLine.format(action, b, total, blobs.get(), count, System.nanoTime() - startNanos, last)
                + (!last && still >= 2 ? ", no byte moved for " + still + " s (waiting on the other side; --idle-timeout bounds it)" : ""));
        err.flush();
    }
}
