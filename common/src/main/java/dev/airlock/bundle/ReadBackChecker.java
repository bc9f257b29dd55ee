package dev.airlock.bundle;

import dev.airlock.digest.Digest;
import dev.airlock.error.AirlockException;
import dev.airlock.io.ReadBack;
import dev.airlock.io.TestHooks;
import dev.airlock.io.Trace;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Reads each part of the bundle back as soon as all its bytes are written, while the rest is still
 * downloading: fdatasync, then a read from the device ({@link ReadBack}) checked against
 * {@link WriteCheck}, and for volumes the sha256 of each volume for the volume list, computed in
 * the same pass. The work is cut into units of at most {@link #UNIT} bytes (and never across a
 * volume's end), each checked once its last byte is written; a volume's units are read in order
 * (its sha256 runs through them), a single file's in any order. {@link #THREADS} background
 * threads, so that the device reads one part while the CPU hashes another: the read-back must keep
 * up with the download, or its backlog is paid at the end.
 *
 * <p>With {@code verify} off, volumes are still read (through the page cache, nothing compared)
 * for their sha256; a single file is not read at all and no checker is made.
 */
final class ReadBackChecker implements AutoCloseable {
    /** Test hook: the class named by this system property is called on each file range just before it is read back. */
    static final String HOOK = "airlock.test.beforeReadBack";
    /** A multiple of the CRC piece, so that no piece crosses a unit. */
    static final long UNIT = Math.max(1, Long.getLong("airlock.readBackUnit", 32L << 20) / WriteCheck.PIECE) * WriteCheck.PIECE;
    static final int THREADS = Integer.getInteger("airlock.readBackThreads", 2);
    /** One file: drop each range from the page cache and read it buffered, where the JVM can ({@link dev.airlock.io.PageCache}). */
    static final boolean DROP = !Boolean.getBoolean("airlock.readBackDirectOnly");

    private record Unit(int part, long start, long end) {
    }

    private final TarParts parts;
    private final WriteCheck check;
    private final boolean verify;
    private final List<Unit> units = new ArrayList<>();
    private final long[] unitStarts;
    private final AtomicLongArray remaining;
    private final boolean[] complete;
    private final int[] nextInPart;
    private final int[] firstOfPart;
    private final MessageDigest[] shas;
    private final Digest[] digests;
    private final BlockingQueue<Integer> completed = new LinkedBlockingQueue<>();
    private final List<Thread> threads = new ArrayList<>();
    /** Guards complete, nextInPart and busy: which volume a thread is walking through in order. */
    private final Object lock = new Object();
    private final boolean[] busy;
    private final BundleWriter.ReadBackHook hook;
    private volatile AirlockException failure;
    private volatile boolean pageCache;
    private volatile boolean dropped;
    private volatile boolean stop;
    private final java.util.concurrent.atomic.AtomicInteger checked = new java.util.concurrent.atomic.AtomicInteger();

    /** @param check what was meant, or null when only hashing (verify off) */
    ReadBackChecker(TarParts parts, WriteCheck check) {
        this.parts = parts;
        this.check = check;
        this.verify = check != null;
        List<TarParts.Part> ps = parts.parts();
        this.firstOfPart = new int[ps.size()];
        for (TarParts.Part p : ps) {
            firstOfPart[p.index()] = units.size();
            long s = p.start();
            while (s < p.end()) {
                long e = Math.min(p.end(), (s / UNIT + 1) * UNIT);
                units.add(new Unit(p.index(), s, e));
                s = e;
            }
        }
        this.unitStarts = units.stream().mapToLong(Unit::start).toArray();
        this.remaining = new AtomicLongArray(units.size());
        for (int i = 0; i < units.size(); i++) {
            remaining.set(i, units.get(i).end() - units.get(i).start());
        }
        this.complete = new boolean[units.size()];
        this.nextInPart = firstOfPart.clone();
        this.shas = new MessageDigest[ps.size()];
        this.digests = new Digest[ps.size()];
        if (parts.isVolumes()) {
            for (int i = 0; i < shas.length; i++) {
                shas[i] = Digest.newSha256();
            }
        }
        this.busy = new boolean[ps.size()];
        this.hook = TestHooks.load(HOOK, BundleWriter.ReadBackHook.class);
        for (int t = 0; t < Math.max(1, THREADS); t++) {
            Thread thread = new Thread(this::run, "airlock-read-back-" + t);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
    }

    /** Counts {@code n} bytes written at tar position {@code pos}; a unit whose last byte this was is queued for its check. */
    void wrote(long pos, long n) {
        long p = pos;
        long left = n;
        int i = unitAt(p);
        while (left > 0) {
            Unit u = units.get(i);
            long take = Math.min(left, u.end() - p);
            if (remaining.addAndGet(i, -take) == 0) {
                completed.add(i);
            }
            p += take;
            left -= take;
            i++;
        }
    }

    private int unitAt(long pos) {
        int i = java.util.Arrays.binarySearch(unitStarts, pos);
        return i >= 0 ? i : -i - 2;
    }

    /** The first read-back failure, or null; lets writers stop early. */
    AirlockException failure() {
        return failure;
    }

    /**
     * Waits until every unit is checked (all bytes must have been written) and throws the first
     * failure (kind LOCAL, naming the file and offset).
     */
    void awaitAll() {
        for (int i = 0; i < units.size(); i++) {
            if (remaining.get(i) != 0) {
                throw new IllegalStateException("bytes " + units.get(i).start() + "-" + units.get(i).end() + " of the bundle were never written");
            }
        }
        threads.forEach(t -> completed.add(-1));
        try {
            for (Thread t : threads) {
                t.join();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw AirlockException.local("interrupted while reading the bundle back", e);
        }
        if (failure != null) {
            throw failure;
        }
        if (checked.get() != units.size()) {
            throw new IllegalStateException(checked.get() + " of " + units.size() + " parts of the bundle were read back");
        }
    }

    /** The sha256 of volume {@code part} as read back; after {@link #awaitAll}. */
    Digest digest(int part) {
        return digests[part];
    }

    /** How the bytes were read back: from the device, or through the page cache somewhere. */
    ReadBack.Mode mode() {
        return pageCache || !verify ? ReadBack.Mode.PAGE_CACHE : dropped ? ReadBack.Mode.DROPPED : ReadBack.Mode.DIRECT;
    }

    private void run() {
        try {
            while (!stop) {
                Integer i = completed.poll(50, TimeUnit.MILLISECONDS);
                if (i == null) {
                    continue;
                }
                if (i < 0) {
                    return;
                }
                int part = units.get(i).part();
                if (shas[part] == null) {
                    checkUnit(i);
                    continue;
                }
                // A volume's sha256 runs through its units in order, on one thread at a time: the
                // thread walking the volume takes every unit that is complete by then.
                synchronized (lock) {
                    complete[i] = true;
                    if (busy[part]) {
                        continue;
                    }
                    busy[part] = true;
                }
                while (true) {
                    int next;
                    synchronized (lock) {
                        next = nextInPart[part];
                        if (stop || next >= units.size() || units.get(next).part() != part || !complete[next]) {
                            busy[part] = false;
                            break;
                        }
                        nextInPart[part]++;
                    }
                    checkUnit(next);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (AirlockException e) {
            fail(e);
        } catch (IOException | RuntimeException e) {
            fail(AirlockException.local("cannot read back the bundle: " + e.getMessage(), e));
        }
    }

    /** Keeps the first failure and stops every thread. */
    private synchronized void fail(AirlockException e) {
        if (failure == null) {
            failure = e;
        }
        stop = true;
    }

    private void checkUnit(int i) throws IOException {
        Unit u = units.get(i);
        TarParts.Part p = parts.parts().get(u.part());
        long offset = u.start() - p.start();
        long length = u.end() - u.start();
        if (verify) {
            p.channel().force(false);
            if (hook != null) {
                hook.beforeReadBack(p.tmp(), offset, length);
            }
        }
        WriteCheck.Range range = verify ? check.range(u.start(), u.end()) : null;
        MessageDigest sha = shas[u.part()];
        // One file: a unit is read back while other parts of the file are still written, which O_DIRECT would stall (ext4).
        ReadBack.Mode mode = ReadBack.read(p.tmp(), offset, length, verify, DROP && !parts.isVolumes(), (ByteBuffer chunk, long at) -> {
            if (sha != null) {
                sha.update(chunk.duplicate());
            }
            if (range != null) {
                range.accept(chunk, p.start() + at);
            }
        });
        if (mode == ReadBack.Mode.PAGE_CACHE) {
            pageCache = true;
        } else if (mode == ReadBack.Mode.DROPPED) {
            dropped = true;
        }
        WriteCheck.Mismatch m = range == null ? null : range.finish();
        if (m != null) {
            throw AirlockException.local(describe(m, p), null);
        }
        checked.incrementAndGet();
        if (sha != null && u.end() == p.end()) {
            digests[u.part()] = Digest.parse("sha256:" + HexFormat.of().formatHex(sha.digest()));
        }
        Trace.mark("read-back: " + p.target().getFileName() + " " + offset + "+" + length + " " + mode);
    }

    private String describe(WriteCheck.Mismatch m, TarParts.Part p) {
        String file = p.target().getFileName().toString();
        String where = m.exact() ? "byte " + (m.start() - p.start())
                : "bytes " + (m.start() - p.start()) + "-" + (m.end() - p.start() - 1);
        String what = parts.isVolumes() ? "volume " + file : "bundle " + file;
        return "read-back after write failed: " + what + " (in " + p.target().toAbsolutePath().getParent() + ") at " + where
                + " (" + m.entry() + ") does not read back as written: the medium is failing or the file was changed"
                + " while it was written; nothing was renamed into place — use another medium, or --no-verify-after-write to skip this check";
    }

    /** Stops the threads without checking the rest (after a failure elsewhere). */
    @Override
    public void close() {
        stop = true;
        try {
            for (Thread t : threads) {
                t.join(TimeUnit.SECONDS.toMillis(30));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
