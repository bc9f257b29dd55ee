package dev.airlock.cli;

import dev.airlock.digest.Digest;
import dev.airlock.io.TransferListener;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** A terminal progress bar over all bytes of a transfer. Only used on a terminal. */
final class BarProgress implements TransferListener {
    private ProgressBar bar;

    @Override
    public synchronized void planned(String action, long totalBytes, int blobCount) {
        bar = new ProgressBarBuilder().setTaskName(action).setInitialMax(Math.max(totalBytes, 1))
                .setStyle(ProgressBarStyle.ASCII).setUnit(" MiB", 1 << 20).showSpeed().build();
    }

    @Override
    public void progressed(Digest blob, long bytes) {
        ProgressBar b = bar;
        if (b != null) {
            b.stepBy(bytes);
        }
    }

    @Override
    public synchronized void done() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
