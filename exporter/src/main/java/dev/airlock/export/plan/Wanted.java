package dev.airlock.export.plan;

import dev.airlock.copy.Repo;
import dev.airlock.oci.ImageReference;

/** An image to carry: its name in the bundle, where it is read, and its top manifest's tag or digest there. */
public record Wanted(ImageReference ref, Repo repo, String reference) {
}
