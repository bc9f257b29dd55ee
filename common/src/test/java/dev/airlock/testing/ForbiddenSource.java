package dev.airlock.testing;

import dev.airlock.copy.BlobReader;
import dev.airlock.copy.ImageSource;
import dev.airlock.copy.Repo;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.RawManifest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** A source that must not be touched: every call is recorded and fails the test. */
public final class ForbiddenSource implements ImageSource {
    private final List<String> calls = Collections.synchronizedList(new ArrayList<>());

    private AssertionError forbidden(String call) {
        calls.add(call);
        return new AssertionError("ForbiddenSource: " + call + " must not be called");
    }

    /** The calls made, in order; empty when nothing touched the source. */
    public List<String> calls() {
        synchronized (calls) {
            return List.copyOf(calls);
        }
    }

    @Override
    public RawManifest manifest(Repo repo, String reference) {
        throw forbidden("manifest(" + repo + ", " + reference + ")");
    }

    @Override
    public BlobReader blob(Repo repo, Descriptor blob) {
        throw forbidden("blob(" + repo + ", " + blob.digest() + ")");
    }

    @Override
    public void checkSkipped(Repo repo, Descriptor blob) {
        throw forbidden("checkSkipped(" + repo + ", " + blob.digest() + ")");
    }
}
