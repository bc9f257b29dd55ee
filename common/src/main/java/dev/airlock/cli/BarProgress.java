package dev.airlock.cli;

import dev.airlock.digest.Digest;
import dev.airlock.io.TransferListener;
import java.io.PrintWriter;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Progress on a terminal: one line redrawn in place ({@code \r}) five times a second, with the same
 * content as the plain lines (bytes across all blobs, percentage, rate, time left, all from bytes),
 * ended by a newline when the phase is done. Only used on a terminal without {@code CI} set.
 */
final class BarProgress implements TransferListener {
    private static final long REDRAW_MILLIS = 200;
    private static final int WIDTH = 20;
    private final PrintWriter err;
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicInteger blobs = new AtomicInteger();
    private volatile long total;
    private volatile int count;
    private volatile String action = "";
    private volatile long startNanos;
    private volatile boolean running;
    private int lastWidth;
    private Thread ticker;

    BarProgress(PrintWriter err) {
        this.err = err;
    }

    @Override
    public synchronized void planned(String action, long totalBytes, int blobCount) {
        this.action = action;
        this.total = totalBytes;
        this.count = blobCount;
        bytes.set(0);
        blobs.set(0);
        startNanos = System.nanoTime();
        running = true;
        if (ticker == null || !ticker.isAlive()) {
            ticker = new Thread(() -> {
                while (running) {
                    draw(false);
                    try {
                        Thread.sleep(REDRAW_MILLIS);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "airlock-progress");
            ticker.setDaemon(true);
            ticker.start();
        }
    }

    @Override
    public void progressed(Digest blob, long n) {
        bytes.addAndGet(n);
    }

    @Override
    public void finished(Digest blob) {
        blobs.incrementAndGet();
    }

    @Override
    public void done() {
        if (!running) {
            return;
        }
        running = false;
        draw(true);
    }

    @Override
    public synchronized void abandoned() {
        if (!running) {
            return;
        }
        running = false;
        if (lastWidth > 0) {
            err.println(); // the error goes on a line of its own, under the last bar drawn
            err.flush();
            lastWidth = 0;
        }
    }

    private synchronized void draw(boolean last) {
        if (!running && !last) {
            return;
        }
        long b = bytes.get();
        int filled = total <= 0 ? WIDTH : (int) Math.min(WIDTH, b * WIDTH / total);
        String line = "[" + "=".repeat(filled) + " ".repeat(WIDTH - filled) + "] "
                + ProgressLine.format(action, b, total, blobs.get(), count, System.nanoTime() - startNanos, last);
        err.print("\r" + line + " ".repeat(Math.max(0, lastWidth - line.length())));
        lastWidth = line.length();
        if (last) {
            err.println();
            lastWidth = 0;
        }
        err.flush();
    }
}
