package dev.airlock.export.sftp;

import dev.airlock.io.Trace;
import java.io.IOException;
import java.util.EnumSet;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.sshd.sftp.client.SftpClient;
import org.apache.sshd.sftp.client.SftpClient.CloseableHandle;
import org.apache.sshd.sftp.client.SftpClient.OpenMode;
import org.apache.sshd.sftp.client.SftpClientFactory;
import org.apache.sshd.sftp.client.extensions.openssh.OpenSSHFsyncExtension;

/**
 * Lets the bastion write an upload to its disk while the rest is still arriving, so that the
 * fsync after the last byte (which is what makes the file durable) only has the tail left to
 * write: without it, a server with plenty of memory keeps the whole file dirty in its page cache
 * and spends the end of the push writing all of it (0.4–0.5 s per GiB on the test machine).
 *
 * <p>How: a second SFTP channel on the same SSH session (with OpenSSH, a second sftp-server
 * process) opens the {@code .part} for reading and sends {@code fsync@openssh.com} on it whenever
 * {@link #EVERY} more bytes have been sent since the last one. An fsync on any descriptor of a
 * file writes all of its dirty pages, and on its own channel it never holds up the writes of the
 * main one. It is only a head start: it stops at the first failure (a server allowing one channel,
 * an error) without failing the push, and the push's own fsync on its write handle is still the
 * one that counts.
 */
final class EarlyFlush implements AutoCloseable {
    /** Bytes sent between early fsyncs; 0 turns them off. */
    static final long EVERY = Long.getLong("airlock.push.earlyFsyncBytes", 64L << 20);

    private final Thread thread;
    private volatile boolean stop;

    private EarlyFlush(Thread thread) {
        this.thread = thread;
    }

    /** Starts early fsyncs of {@code part} (open on {@code main}) as {@code sent} grows; none when the server lacks fsync@openssh.com. */
    static EarlyFlush start(SftpClient main, String part, AtomicLong sent) {
        OpenSSHFsyncExtension x = main.getExtension(OpenSSHFsyncExtension.class);
        if (EVERY <= 0 || x == null || !x.isSupported()) {
            return new EarlyFlush(null);
        }
        EarlyFlush[] self = new EarlyFlush[1];
        Thread t = new Thread(() -> self[0].run(main, part, sent), "airlock-early-fsync");
        t.setDaemon(true);
        self[0] = new EarlyFlush(t);
        t.start();
        return self[0];
    }

    private void run(SftpClient main, String part, AtomicLong sent) {
        int n = 0;
        try (SftpClient c = SftpClientFactory.instance().createSftpClient(main.getClientSession());
                CloseableHandle h = c.open(part, EnumSet.of(OpenMode.Read))) {
            OpenSSHFsyncExtension fsync = c.getExtension(OpenSSHFsyncExtension.class);
            long last = sent.get();
            while (!stop) {
                if (sent.get() - last < EVERY) {
                    Thread.sleep(10);
                    continue;
                }
                last = sent.get();
                fsync.fsync(h);
                n++;
            }
            Trace.mark("push: " + n + " early fsyncs");
        } catch (IOException | RuntimeException e) {
            Trace.mark("push: early fsyncs stopped after " + n + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops after the fsync under way, if any, without waiting for it. */
    @Override
    public void close() {
        stop = true;
    }
}
