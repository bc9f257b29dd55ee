package dev.airlock.testing;

import dev.airlock.copy.BlobReader;
import dev.airlock.copy.ImageSink;
import dev.airlock.copy.Repo;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.RawManifest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * A sink that must not be touched: every call is recorded and fails the test. The record matters
 * because a failure thrown on a worker thread may reach the test wrapped in another error.
 */
public final class ForbiddenSink implements ImageSink {
    private final List<String> calls = Collections.synchronizedList(new ArrayList<>());

    private AssertionError forbidden(String call) {
        calls.add(call);
        return new AssertionError("ForbiddenSink: " + call + " must not be called");
    }

    /** The calls made, in order; empty when nothing touched the sink. */
    public List<String> calls() {
        synchronized (calls) {
            return List.copyOf(calls);
        }
    }

    @Override
    public boolean hasBlob(Repo repo, Descriptor blob) {
        throw forbidden("hasBlob(" + repo + ", " + blob.digest() + ")");
    }

    @Override
    public void putBlob(Repo repo, Descriptor blob, BlobReader content, LongConsumer progress) {
        throw forbidden("putBlob(" + repo + ", " + blob.digest() + ")");
    }

    @Override
    public boolean mountBlob(Repo into, Descriptor blob, Repo from) {
        throw forbidden("mountBlob(" + into + ", " + blob.digest() + ", " + from + ")");
    }

    @Override
    public boolean hasManifest(Repo repo, RawManifest manifest) {
        throw forbidden("hasManifest(" + repo + ", " + manifest.digest() + ")");
    }

    @Override
    public void putManifest(Repo repo, RawManifest manifest) {
        throw forbidden("putManifest(" + repo + ", " + manifest.digest() + ")");
    }

    @Override
    public boolean tag(Repo repo, String tag, RawManifest manifest) {
        throw forbidden("tag(" + repo + ", " + tag + ")");
    }
}
