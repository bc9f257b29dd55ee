package dev.airlock.export.sftp;

import dev.airlock.io.LocalIoException;
import dev.airlock.io.TestHooks;
import dev.airlock.io.Trace;
import dev.airlock.io.TransferListener;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import org.apache.sshd.sftp.client.SftpClient;
import org.apache.sshd.sftp.client.SftpClient.CloseableHandle;
import org.apache.sshd.sftp.client.SftpClient.OpenMode;
import org.apache.sshd.sftp.client.extensions.openssh.OpenSSHFsyncExtension;
import org.apache.sshd.sftp.client.extensions.openssh.OpenSSHLimitsExtension;
import org.apache.sshd.sftp.client.extensions.openssh.OpenSSHPosixRenameExtension;
import org.apache.sshd.sftp.client.impl.AbstractSftpClient;
import org.apache.sshd.sftp.client.impl.SftpInputStreamAsync;
import org.apache.sshd.sftp.client.impl.SftpOutputStreamAsync;
import org.apache.sshd.sftp.common.SftpConstants;
import org.apache.sshd.sftp.common.SftpException;

/**
 * One file to its remote name over one SFTP session: written as {@code NAME.part}, resumed from
 * what a previous try left there (once those bytes read back equal the local prefix), fsynced on
 * the server where {@code fsync@openssh.com} is offered, then renamed into place. The final name
 * only ever holds a complete file.
 *
 * <p>Writes are pipelined: {@link SftpOutputStreamAsync} sends each SSH_FXP_WRITE without waiting
 * for the one before to be acknowledged, as far as the channel window lets it (OpenSSH's sftp does
 * the same with 64 outstanding requests), and checks the acknowledgements as they come.
 */
final class SftpUpload {
    /** Bytes handed to the SFTP stream per step: the unit of progress reports. */
    private static final long STEP = 1 << 20;
    /** SFTP read size for the read-back of a resumed prefix (OpenSSH serves up to 255 KiB per read). */
    private static final int READ_SIZE = 128 * 1024;

    /** The most data one SSH_FXP_WRITE carries: OpenSSH's sftp-server takes 255 KiB (its 256 KiB message limit less headers). */
    private static final long MAX_WRITE = 255 * 1024;

    private final SftpClient sftp;

    private final int writeSize;

    SftpUpload(SftpClient sftp) throws IOException {
        this.sftp = sftp;
        this.writeSize = writeSize(sftp);
    }

    /**
     * As large as the server says it takes ({@code limits@openssh.com}), at most 255 KiB: each
     * write then crosses as eight full SSH packets and is acknowledged once, which costs this side
     * a fraction of the CPU of 32 KiB writes. Without the extension, 0: one SSH packet's worth
     * (about 32 KiB), which every server takes.
     */
    private static int writeSize(SftpClient sftp) throws IOException {
        OpenSSHLimitsExtension limits = sftp.getExtension(OpenSSHLimitsExtension.class);
        if (limits != null && limits.isSupported()) {
            long max = limits.limits().maxWriteLength;
            if (max >= SftpClient.MIN_WRITE_BUFFER_SIZE) {
                return (int) Math.min(max, MAX_WRITE);
            }
        }
        return 0;
    }

    /**
     * Uploads {@code local} ({@code size} bytes) to {@code remote}. Returns the offset it resumed at
     * (0 when it started from the beginning), also given to {@code starting} before the first byte is
     * sent. {@code sent} counts every byte handed to SFTP writes.
     * A failure of the local file is a {@link LocalIoException}; an SFTP status from the server an
     * {@link SftpException}; anything else is the connection's.
     */
    long run(Path local, long size, String remote, TransferListener progress, AtomicLong sent, LongConsumer starting)
            throws IOException {
        String part = remote + ".part";
        long have = sizeOf(part);
        long from = 0;
        if (have > 0 && have <= size && samePrefix(part, local, have)) {
            from = have;
        }
        boolean exclusive = false;
        if (from > 0) {
            testHook("airlock.test.beforeResume", part);
        } else {
            exclusive = have < 0 || removeStale(part);
            testHook("airlock.test.beforeCreate", part);
        }
        starting.accept(from);
        // A resume never creates the .part: if it went away since it was checked (another push of the
        // same file renamed it into place), a new one written from the middle would be mostly holes.
        // A fresh start removes a .part it cannot resume and creates it exclusively: if another push
        // of the same file created it meanwhile, truncating it under that push's writes could leave a
        // zeroed stretch to rename into place; this try fails instead, and the next resumes from its bytes.
        // (A server that refuses removals, like airlock-import serve, gets the stale .part truncated.)
        EnumSet<OpenMode> modes = from > 0 ? EnumSet.of(OpenMode.Write)
                : exclusive ? EnumSet.of(OpenMode.Write, OpenMode.Create, OpenMode.Exclusive)
                : EnumSet.of(OpenMode.Write, OpenMode.Create, OpenMode.Truncate);
        Trace.mark("push " + local.getFileName() + ": from " + from + ", writes of "
                + (writeSize == 0 ? "one packet" : writeSize + " bytes"));
        progress.planned("push " + local.getFileName() + (from > 0 ? " (resumed at " + from + ")" : ""), size - from, 1);
        try {
            send(local, size, part, from, modes, progress, sent);
            progress.finished(null);
        } catch (SftpException e) {
            if (from > 0 && e.getStatus() == SftpConstants.SSH_FX_NO_SUCH_FILE) {
                throw new IOException(part + " went away before it could be resumed (another push of the same file?)", e);
            }
            throw e;
        } finally {
            progress.done();
        }
        // The stream stops waiting for acknowledgements when the idle timeout passes: the size is the last word.
        long written = sizeOf(part);
        if (written != size) {
            throw new IOException(part + " holds " + written + " bytes after the upload, not " + size);
        }
        rename(part, remote);
        Trace.mark("push " + local.getFileName() + ": in place");
        return from;
    }

    private void send(Path local, long size, String part, long from, EnumSet<OpenMode> modes, TransferListener progress,
            AtomicLong sent) throws IOException {
        try (FileChannel in = openLocal(local); CloseableHandle handle = openPart(part, modes)) {
            in.position(from);
            ReadableByteChannel source = localReads(in, local);
            SftpOutputStreamAsync out = new SftpOutputStreamAsync((AbstractSftpClient) sftp, writeSize, part, handle, false);
            out.setOffset(from);
            long pos = from;
            try (EarlyFlush early = EarlyFlush.start(sftp, part, sent)) {
                while (pos < size) {
                    long n = Math.min(STEP, size - pos);
                    long moved = out.transferFrom(source, n);
                    if (moved < n) {
                        throw new LocalIoException(local + " shrank while it was being pushed (" + (pos + moved) + " of " + size
                                + " bytes)", null);
                    }
                    pos += moved;
                    sent.addAndGet(moved);
                    progress.progressed(null, moved);
                }
                out.close(); // sends what is buffered and checks every write's acknowledgement; the handle stays open
            }
            OpenSSHFsyncExtension fsync = sftp.getExtension(OpenSSHFsyncExtension.class);
            if (fsync != null && fsync.isSupported()) {
                fsync.fsync(handle);
            }
        }
    }

    /**
     * Whether the first {@code length} bytes of the remote file equal those of {@code local}, read
     * back over SFTP and compared byte for byte (OpenSSH offers no hash extension, and a byte
     * comparison is the stricter check). Hole-free is not assumed: a server that wrote requests out
     * of order leaves zeros where a write never landed, and this sees them.
     */
    private boolean samePrefix(String remote, Path local, long length) throws IOException {
        byte[] a = new byte[READ_SIZE * 4];
        byte[] b = new byte[a.length];
        try (CloseableHandle h = sftp.open(remote, EnumSet.of(OpenMode.Read));
                InputStream r = new SftpInputStreamAsync((AbstractSftpClient) sftp, READ_SIZE, 0, length, remote, h, false);
                FileChannel l = openLocal(local)) {
            ReadableByteChannel lr = localReads(l, local);
            long left = length;
            while (left > 0) {
                int n = (int) Math.min(a.length, left);
                if (r.readNBytes(a, 0, n) != n) {
                    return false;
                }
                ByteBuffer bb = ByteBuffer.wrap(b, 0, n);
                while (bb.hasRemaining()) {
                    if (lr.read(bb) < 0) {
                        return false;
                    }
                }
                if (!Arrays.equals(a, 0, n, b, 0, n)) {
                    return false;
                }
                left -= n;
            }
            return true;
        }
    }

    /** Into place over whatever is there: atomically with posix-rename@openssh.com, else remove, then rename. */
    private void rename(String part, String remote) throws IOException {
        OpenSSHPosixRenameExtension posix = sftp.getExtension(OpenSSHPosixRenameExtension.class);
        if (posix != null && posix.isSupported()) {
            posix.posixRename(part, remote);
            return;
        }
        // SFTP v3's rename refuses an existing target. Removing it first leaves a moment with no file
        // under the final name, never one with a partial file.
        if (sizeOf(remote) >= 0) {
            sftp.remove(remote);
        }
        sftp.rename(part, remote);
    }

    /** Removes a .part that cannot be resumed: true once it is gone (another push taking it counts), false if the server refuses. */
    private boolean removeStale(String part) throws IOException {
        try {
            sftp.remove(part);
            return true;
        } catch (SftpException e) {
            return e.getStatus() == SftpConstants.SSH_FX_NO_SUCH_FILE;
        }
    }

    /**
     * Opens the .part; an exclusive create that fails because the .part now exists (SFTP v3 says
     * only "failure") is another push of the same file having begun it: an {@link IOException}, so
     * that the push tries again and resumes from what is there.
     */
    private CloseableHandle openPart(String part, EnumSet<OpenMode> modes) throws IOException {
        try {
            return sftp.open(part, modes);
        } catch (SftpException e) {
            if (modes.contains(OpenMode.Exclusive) && sizeOf(part) >= 0) {
                throw new IOException(part + " appeared as this push began it (another push of the same file?)", e);
            }
            throw e;
        }
    }

    /**
     * Test hooks ({@code -Dairlock.test.beforeResume=CLASS}, {@code -Dairlock.test.beforeCreate=CLASS},
     * a {@code Consumer<String>}): given the .part's path just before a resume or a fresh start opens it.
     */
    @SuppressWarnings("unchecked")
    private static void testHook(String property, String part) {
        Consumer<String> hook = TestHooks.load(property, Consumer.class);
        if (hook != null) {
            hook.accept(part);
        }
    }

    /** The remote file's size, or -1 when it does not exist. */
    long sizeOf(String remote) throws IOException {
        try {
            return sftp.stat(remote).getSize();
        } catch (SftpException e) {
            if (e.getStatus() == SftpConstants.SSH_FX_NO_SUCH_FILE) {
                return -1;
            }
            throw e;
        }
    }

    private static FileChannel openLocal(Path local) throws LocalIoException {
        try {
            return FileChannel.open(local, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new LocalIoException("cannot read " + local + ": " + e, e);
        }
    }

    /** Reads from {@code in}, reporting its failures as the local file's, not the connection's. */
    private static ReadableByteChannel localReads(FileChannel in, Path local) {
        return new ReadableByteChannel() {
            @Override
            public int read(ByteBuffer dst) throws IOException {
                try {
                    return in.read(dst);
                } catch (IOException e) {
                    throw new LocalIoException("cannot read " + local + ": " + e.getMessage(), e);
                }
            }

            @Override
            public boolean isOpen() {
                return in.isOpen();
            }

            @Override
            public void close() throws IOException {
                in.close();
            }
        };
    }
}
