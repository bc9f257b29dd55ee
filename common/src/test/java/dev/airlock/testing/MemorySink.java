package dev.airlock.testing;

import dev.airlock.copy.BlobReader;
import dev.airlock.copy.ImageSink;
import dev.airlock.copy.Repo;
import dev.airlock.digest.Digest;
import dev.airlock.digest.DigestMismatchException;
import dev.airlock.error.AirlockException;
import dev.airlock.io.BlobContent;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.RawManifest;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * An image sink in memory that records every call, in order, with a global sequence number, the
 * time and the thread. It reads a blob either as the bundle writer does (pushed through
 * {@link BlobReader#writeTo}) or as the registry does (an upload body from
 * {@link BlobReader#content}, subscribed to like the HTTP client), and keeps a blob only once all
 * its bytes arrived. It checks what a registry would: a manifest only after its blobs (or child
 * manifests) are in the same repository, a tag only on a complete image; a breach is recorded in
 * {@link #violations} and fails the call.
 *
 * <p>{@link #onCall} installs a hook run at every call (after the call is recorded, and for blobs
 * after it counts as in flight): a test makes the sink fail on a chosen call, or hold a call.
 */
public final class MemorySink implements ImageSink {
    public enum Op { HAS_BLOB, BLOB_START, BLOB_END, BLOB_FAILED, MOUNT, HAS_MANIFEST, MANIFEST, TAG, REFERRER }

    /** How {@link #putBlob} reads a blob. */
    public enum Mode {
        /** Through {@link BlobReader#writeTo}, as the bundle writer does. */
        PUSH,
        /** Through the upload body of {@link BlobReader#content}, as the registry sink does. */
        UPLOAD
    }

    /** One call; {@code digest} is the blob's or the manifest's, {@code tag} only for TAG. */
    public record Call(long seq, long nanos, Op op, Repo repo, Digest digest, String tag, String thread) {
        @Override
        public String toString() {
            return "#" + seq + " " + op + " " + repo + (digest == null ? "" : "@" + digest.shortHex()) + (tag == null ? "" : ":" + tag);
        }
    }

    private final Mode mode;
    private volatile boolean mounts = true;
    private volatile Consumer<Call> hook = c -> {
    };
    private final AtomicLong seq = new AtomicLong();
    private final List<Call> calls = Collections.synchronizedList(new ArrayList<>());
    private final List<String> violations = Collections.synchronizedList(new ArrayList<>());
    private final Map<Repo, Map<Digest, byte[]>> blobs = new ConcurrentHashMap<>();
    private final Map<Digest, Long> mostReceived = new ConcurrentHashMap<>();
    private final Map<Repo, Map<Digest, RawManifest>> manifests = new ConcurrentHashMap<>();
    private final Map<Repo, Map<String, Digest>> tags = new ConcurrentHashMap<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();

    public MemorySink(Mode mode) {
        this.mode = mode;
    }

    /** Refuses every cross-repository mount, as a registry may. */
    public MemorySink withoutMounts() {
        mounts = false;
        return this;
    }

    /** Runs {@code hook} at every call; it may throw (the call fails) or block. */
    public MemorySink onCall(Consumer<Call> hook) {
        this.hook = hook;
        return this;
    }

    private Call record(Op op, Repo repo, Digest digest, String tag) {
        Call c = new Call(seq.incrementAndGet(), System.nanoTime(), op, repo, digest, tag, Thread.currentThread().getName());
        calls.add(c);
        hook.accept(c);
        return c;
    }

    @Override
    public boolean hasBlob(Repo repo, Descriptor blob) {
        record(Op.HAS_BLOB, repo, blob.digest(), null);
        return blobs.getOrDefault(repo, Map.of()).containsKey(blob.digest());
    }

    @Override
    public void putBlob(Repo repo, Descriptor blob, BlobReader content, LongConsumer progress) {
        maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        try {
            record(Op.BLOB_START, repo, blob.digest(), null);
            byte[] data = mode == Mode.PUSH ? push(blob, content) : upload(blob, content);
            blobs.computeIfAbsent(repo, k -> new ConcurrentHashMap<>()).put(blob.digest(), data);
            progress.accept(blob.size());
            record(Op.BLOB_END, repo, blob.digest(), null);
        } catch (RuntimeException | Error e) {
            calls.add(new Call(seq.incrementAndGet(), System.nanoTime(), Op.BLOB_FAILED, repo, blob.digest(), null,
                    Thread.currentThread().getName()));
            throw e;
        } finally {
            inFlight.decrementAndGet();
        }
    }

    private void received(Digest d, long n) {
        mostReceived.merge(d, n, Math::max);
    }

    private byte[] push(Descriptor blob, BlobReader content) {
        byte[] data = new byte[(int) blob.size()];
        long[] received = {0};
        try {
            content.writeTo((buf, offset) -> {
                int n = buf.remaining();
                if (offset != received[0] || offset + n > data.length) {
                    throw new DigestMismatchException("sink: blob " + blob.digest() + " got " + n + " bytes at " + offset + " after "
                            + received[0] + " of " + data.length);
                }
                buf.get(data, (int) offset, n);
                received[0] += n;
                received(blob.digest(), received[0]);
            });
        } catch (IOException e) {
            throw failure(blob, e);
        }
        if (received[0] != data.length) {
            throw AirlockException.internal("sink: blob " + blob.digest() + " ended after " + received[0] + " of " + data.length + " bytes", null);
        }
        return data;
    }

    /** Subscribes to the upload body as an HTTP client would: one buffer at a time, each consumed whole. */
    private byte[] upload(Descriptor blob, BlobReader reader) {
        BlobContent content = reader.content();
        byte[] data = new byte[(int) blob.size()];
        long[] received = {0};
        CompletableFuture<Void> done = new CompletableFuture<>();
        Flow.Subscription[] subscription = new Flow.Subscription[1];
        try {
            HttpRequest.BodyPublisher body = content.publisher(0, blob.size());
            if (body.contentLength() != blob.size()) {
                throw AirlockException.internal("sink: body of " + blob.digest() + " declares " + body.contentLength() + " bytes", null);
            }
            body.subscribe(new Flow.Subscriber<>() {
                @Override
                public void onSubscribe(Flow.Subscription s) {
                    subscription[0] = s;
                    s.request(1);
                }

                @Override
                public void onNext(ByteBuffer b) {
                    int n = b.remaining();
                    if (received[0] + n > data.length) {
                        subscription[0].cancel();
                        done.completeExceptionally(new DigestMismatchException("sink: body of " + blob.digest() + " is longer than "
                                + data.length));
                        return;
                    }
                    b.get(data, (int) received[0], n);
                    received[0] += n;
                    received(blob.digest(), received[0]);
                    subscription[0].request(1);
                }

                @Override
                public void onError(Throwable t) {
                    done.completeExceptionally(t);
                }

                @Override
                public void onComplete() {
                    done.complete(null);
                }
            });
            done.get();
        } catch (InterruptedException e) {
            if (subscription[0] != null) {
                subscription[0].cancel();
            }
            Thread.currentThread().interrupt();
            throw AirlockException.transientFailure("sink: upload of " + blob.digest() + " interrupted", e);
        } catch (ExecutionException e) {
            throw failure(blob, e.getCause());
        } finally {
            content.release();
        }
        if (received[0] != data.length) {
            throw AirlockException.internal("sink: body of " + blob.digest() + " ended after " + received[0] + " of " + data.length, null);
        }
        return data;
    }

    private static AirlockException failure(Descriptor blob, Throwable t) {
        if (t instanceof AirlockException a) {
            return a;
        }
        DigestMismatchException mismatch = DigestMismatchException.in(t);
        if (mismatch != null) {
            return mismatch.toAirlock();
        }
        if (t instanceof InterruptedIOException) {
            return AirlockException.transientFailure("sink: read of " + blob.digest() + " interrupted", t);
        }
        return AirlockException.local("sink: cannot read " + blob.digest() + ": " + t, t);
    }

    @Override
    public boolean mountBlob(Repo into, Descriptor blob, Repo from) {
        maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        try {
            record(Op.MOUNT, into, blob.digest(), null);
            byte[] b = blobs.getOrDefault(from, Map.of()).get(blob.digest());
            if (!mounts || b == null) {
                return false;
            }
            blobs.computeIfAbsent(into, k -> new ConcurrentHashMap<>()).put(blob.digest(), b);
            return true;
        } finally {
            inFlight.decrementAndGet();
        }
    }

    @Override
    public boolean hasManifest(Repo repo, RawManifest manifest) {
        record(Op.HAS_MANIFEST, repo, manifest.digest(), null);
        return manifests.getOrDefault(repo, Map.of()).containsKey(manifest.digest());
    }

    @Override
    public void putManifest(Repo repo, RawManifest manifest) {
        record(Op.MANIFEST, repo, manifest.digest(), null);
        List<String> missing = new ArrayList<>();
        if (manifest.isIndex()) {
            manifest.children().stream().filter(c -> !manifests.getOrDefault(repo, Map.of()).containsKey(c.digest()))
                    .forEach(c -> missing.add("child manifest " + c.digest()));
        } else {
            manifest.blobs().stream().filter(b -> !blobs.getOrDefault(repo, Map.of()).containsKey(b.digest()))
                    .forEach(b -> missing.add("blob " + b.digest()));
        }
        if (!missing.isEmpty()) {
            throw violation("manifest " + manifest.digest() + " put into " + repo + " before its " + missing);
        }
        manifests.computeIfAbsent(repo, k -> new ConcurrentHashMap<>()).put(manifest.digest(), manifest);
    }

    @Override
    public boolean tag(Repo repo, String tag, RawManifest manifest) {
        record(Op.TAG, repo, manifest.digest(), tag);
        List<String> missing = new ArrayList<>();
        missingUnder(repo, manifest.digest(), missing);
        if (!missing.isEmpty()) {
            throw violation("tag " + repo + ":" + tag + " set on an incomplete image: " + missing);
        }
        Digest before = tags.computeIfAbsent(repo, k -> new ConcurrentHashMap<>()).put(tag, manifest.digest());
        return !manifest.digest().equals(before);
    }

    /** Records the call; the referrer and its subject must both be in place already. */
    @Override
    public void attachReferrer(Repo repo, Digest subject, RawManifest referrer) {
        record(Op.REFERRER, repo, referrer.digest(), subject.toString());
        List<String> missing = new ArrayList<>();
        missingUnder(repo, subject, missing);
        missingUnder(repo, referrer.digest(), missing);
        if (!missing.isEmpty()) {
            throw violation("referrer " + referrer.digest() + " of " + subject + " attached before " + missing);
        }
    }

    private void missingUnder(Repo repo, Digest manifest, List<String> missing) {
        RawManifest m = manifests.getOrDefault(repo, Map.of()).get(manifest);
        if (m == null) {
            missing.add("manifest " + manifest);
        } else if (m.isIndex()) {
            m.children().forEach(c -> missingUnder(repo, c.digest(), missing));
        } else {
            m.blobs().stream().filter(b -> !blobs.getOrDefault(repo, Map.of()).containsKey(b.digest()))
                    .forEach(b -> missing.add("blob " + b.digest()));
        }
    }

    private AirlockException violation(String what) {
        violations.add(what);
        return AirlockException.internal("sink: " + what, null);
    }

    /** Puts a blob in place without a call, as if an earlier copy had left it there. */
    public MemorySink holding(Repo repo, Digest digest, byte[] bytes) {
        blobs.computeIfAbsent(repo, k -> new ConcurrentHashMap<>()).put(digest, bytes.clone());
        return this;
    }

    /** Every call so far, in order. */
    public List<Call> calls() {
        synchronized (calls) {
            return List.copyOf(calls);
        }
    }

    public List<Call> calls(Op op) {
        return calls().stream().filter(c -> c.op() == op).toList();
    }

    /** Breaches of the order a registry enforces; empty when the engine kept it. */
    public List<String> violations() {
        synchronized (violations) {
            return List.copyOf(violations);
        }
    }

    /** Blobs held (complete) in {@code repo}. */
    public Map<Digest, byte[]> blobs(Repo repo) {
        return Map.copyOf(blobs.getOrDefault(repo, Map.of()));
    }

    public Map<Digest, RawManifest> manifests(Repo repo) {
        return Map.copyOf(manifests.getOrDefault(repo, Map.of()));
    }

    public Map<String, Digest> tags(Repo repo) {
        return Map.copyOf(tags.getOrDefault(repo, Map.of()));
    }

    /** Repositories that hold anything. */
    public java.util.Set<Repo> repositories() {
        java.util.Set<Repo> all = new java.util.HashSet<>(blobs.keySet());
        all.addAll(manifests.keySet());
        all.addAll(tags.keySet());
        return all;
    }

    public boolean anyManifest() {
        return manifests.values().stream().anyMatch(m -> !m.isEmpty());
    }

    public boolean anyTag() {
        return tags.values().stream().anyMatch(m -> !m.isEmpty());
    }

    /** The most bytes of {@code blob} any one putBlob received (0 if never). */
    public long mostReceived(Digest blob) {
        return mostReceived.getOrDefault(blob, 0L);
    }

    /** Blob transfers (puts and mounts) in flight now. */
    public int inFlight() {
        return inFlight.get();
    }

    /** The most blob transfers (puts and mounts) ever in flight at once. */
    public int maxInFlight() {
        return maxInFlight.get();
    }
}
