package dev.airlock.copy;

import dev.airlock.digest.Digest;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.RawManifest;
import dev.airlock.oci.Referrer;
import java.util.List;
import java.util.Optional;

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

    /**
     * Every tag of {@code repo} (all pages), in the source's order; empty when the repository has
     * none, does not exist, or the source has no tags (a docker archive). Callers list a
     * repository once per run.
     */
    default List<String> tags(Repo repo) {
        return List.of();
    }

    /**
     * What the source's referrers API lists for {@code subject} (all pages), or empty when the
     * source has no referrers API (a 404, or an answer that is not an image index): the caller then
     * looks for the referrers tag schema's index at {@link Referrer#fallbackTag}.
     */
    default Optional<List<Referrer>> referrers(Repo repo, Digest subject) {
        return Optional.empty();
    }
}
