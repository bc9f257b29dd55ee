package dev.airlock.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Opens a file someone else may swap, to read it, and never waits in the open for good. A regular
 * file checked a moment before can be a FIFO by the time it is opened, and opening a FIFO to read
 * waits until someone opens it to write: a stranger who swapped one in under a volume's name while
 * the import hashed the volumes before it held the import, the watcher and every channel behind it
 * for as long as he liked (red-team pass V, V3). Java has no {@code O_NONBLOCK}: the open runs on a
 * thread of its own, and one still waiting after {@link #PATIENCE_MS} is released where this
 * process may open the FIFO itself (read and write: that never waits on Linux), else left waiting
 * (counted, {@link #stuck}) while the caller gets an {@link IOException}. What the open returns is
 * then checked to be a regular file (a FIFO cannot seek), else closed and refused.
 *
 * <p>Opens of other users' files (not this process's user's, root's, nor their directory's owner's:
 * no one else can swap those) that have not returned are bounded ({@link #MAX_STRANGERS_WAITING}):
 * one more is refused at once. Each left waiting holds a thread for good, and a stranger who kept
 * swapping FIFOs under his own files' names piled them up until the process could start no thread
 * and the next real import failed (red-team pass W, R1).
 */
public final class UntrustedOpen {
    static final long PATIENCE_MS = 2_000;
    /** Opens of other users' files that may be waiting at once; a sender's import opens its files one at a time. */
    static final int MAX_STRANGERS_WAITING = 16;
    private static final AtomicInteger STUCK = new AtomicInteger();
    private static final AtomicInteger STRANGERS_WAITING = new AtomicInteger();
    private static final ExecutorService OPENERS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "airlock-open");
        t.setDaemon(true);
        return t;
    });

    private UntrustedOpen() {
    }

    /** What was opened (or waited in) is not a regular file. */
    public static final class NotRegular extends IOException {
        NotRegular(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Not opened: {@link #MAX_STRANGERS_WAITING} opens of other users' files are still waiting. No
     * fault of the file's (it may be a real bundle a user copied in): a local failure, tried again,
     * never a refusal (an access denied, to every caller that tells those apart).
     */
    public static final class Busy extends java.nio.file.AccessDeniedException {
        Busy(String file, String reason) {
            super(file, null, reason);
        }
    }

    /** {@code file} opened to read ({@code options}: e.g. {@code NOFOLLOW_LINKS}), a regular file; an {@link IOException} otherwise. */
    public static FileChannel read(Path file, LinkOption... options) throws IOException {
        Set<OpenOption> o = new HashSet<>(Set.of(options));
        o.add(StandardOpenOption.READ);
        boolean stranger = strangers(file, options);
        CompletableFuture<FileChannel> opening;
        try {
            opening = CompletableFuture.supplyAsync(() -> {
                try {
                    return FileChannel.open(file, o);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }, OPENERS);
        } catch (RuntimeException | Error e) {
            if (stranger) {
                STRANGERS_WAITING.decrementAndGet();
            }
            throw e;
        }
        if (stranger) {
            opening.whenComplete((c, f) -> STRANGERS_WAITING.decrementAndGet());
        }
        FileChannel ch = await(file, opening);
        try {
            ch.position(0); // a FIFO, or a device that cannot seek: no file to read
        } catch (IOException e) {
            ch.close();
            throw new NotRegular(file + ": not a regular file (" + e.getMessage() + ")", e);
        }
        return ch;
    }

    /**
     * Whether {@code file} is another user's (counted among {@link #STRANGERS_WAITING} until its open
     * returns); refuses it when {@link #MAX_STRANGERS_WAITING} such opens have not returned yet.
     */
    private static boolean strangers(Path file, LinkOption... options) throws IOException {
        boolean follow = options.length == 0;
        Path dir = file.toAbsolutePath().getParent();
        int dirOwner = dir == null ? -1 : FileOwners.ownerFollowingLinks(dir);
        // Followed, the name itself counts too: a stranger's link, to root's file when looked at, may lead to his FIFO at the open (X, R2).
        if (exempt(FileOwners.owner(file), dirOwner) && (!follow || exempt(FileOwners.ownerFollowingLinks(file), dirOwner))) {
            return false;
        }
        if (STRANGERS_WAITING.incrementAndGet() > MAX_STRANGERS_WAITING) {
            STRANGERS_WAITING.decrementAndGet();
            throw new Busy(file.toString(), "not opened: " + MAX_STRANGERS_WAITING + " opens of other users' files already wait (in"
                    + " FIFOs put under their names after they were looked at); another user's file is opened again once they are released");
        }
        return true;
    }

    /** Whether a file of {@code owner}'s in a directory of {@code dirOwner}'s is one no one else can swap. */
    private static boolean exempt(int owner, int dirOwner) {
        return owner >= 0 && (owner == 0 || owner == FileOwners.SELF || owner == dirOwner);
    }

    /** Opens that are still waiting in a FIFO this process could not release (each holds a thread). */
    public static int stuck() {
        return STUCK.get();
    }

    private static FileChannel await(Path file, CompletableFuture<FileChannel> opening) throws IOException {
        try {
            try {
                return opening.get(PATIENCE_MS, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                release(file);
                try {
                    return opening.get(PATIENCE_MS, TimeUnit.MILLISECONDS);
                } catch (TimeoutException still) {
                    abandon(opening);
                    throw new NotRegular(file + ": not opened within " + 2 * PATIENCE_MS / 1000 + " s: it is not a regular file"
                            + " (a FIFO no one writes, put there after it was looked at)", null);
                }
            }
        } catch (ExecutionException e) {
            Throwable c = e.getCause() instanceof UncheckedIOException u ? u.getCause() : e.getCause();
            throw c instanceof IOException io ? io : new IOException(file + ": " + c, c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abandon(opening);
            throw new java.io.InterruptedIOException("interrupted while opening " + file);
        }
    }

    /** Opens the FIFO now under {@code file} to read and write and closes it: the waiting open returns, and reads nothing. */
    private static void release(Path file) {
        try {
            BasicFileAttributes a = java.nio.file.Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (FileKind.isFifo(file, a)) {
                FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS).close();
            }
        } catch (IOException | RuntimeException e) {
            // not ours to open: the open stays waiting
        }
    }

    /** The open is left to wait; should it ever return, what it opened is closed. */
    private static void abandon(CompletableFuture<FileChannel> opening) {
        STUCK.incrementAndGet();
        opening.whenComplete((ch, failure) -> {
            STUCK.decrementAndGet();
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException e) {
                    // closed as far as it goes
                }
            }
        });
    }
}
