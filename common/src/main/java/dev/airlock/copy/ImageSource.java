package dev.airlock.copy;

import dev.airlock.oci.Descriptor;
import dev.airlock.oci.RawManifest;

/**
 * Where images are read from: a registry, a verified bundle. Knows its medium, never the order of
 * a copy (that is {@link CopyEngine}'s). Implementations are thread-safe.
 */
public interface ImageSource {
    /** A manifest by tag or digest, as exact bytes; asked by digest, the bytes hash to it. */
    RawManifest manifest(Repo repo, String reference);

    /** A config or layer blob of an image in {@code repo}. */
    BlobReader blob(Repo repo, Descriptor blob);

    /**
     * Called for a blob the sink already has, so it is not copied: a source that must still vouch
     * for every byte it holds (a bundle) checks it here. Default: nothing to check.
     */
    default void checkSkipped(Repo repo, Descriptor blob) {
    }
}
