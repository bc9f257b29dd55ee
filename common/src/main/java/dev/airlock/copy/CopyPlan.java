package dev.airlock.copy;

import dev.airlock.digest.Digest;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.ImageTree;
import java.util.List;
import java.util.Set;

/**
 * What to copy, decided before the engine runs: each image (where it is read, where it goes, its
 * whole tree, and the tag to set last, or null), the blobs not to copy because the far side has
 * them by other means (a delta's earlier bundles), and blobs to link from another repository of the
 * sink instead of copying.
 */
public record CopyPlan(List<Image> images, Set<Digest> elsewhere, List<Mount> mounts) {
    public CopyPlan {
        images = List.copyOf(images);
        elsewhere = Set.copyOf(elsewhere);
        mounts = List.copyOf(mounts);
    }

    public record Image(Repo source, Repo target, ImageTree tree, String tag) {
    }

    /** Link {@code blob} into {@code into} from {@code from}, both in the sink. */
    public record Mount(Repo into, Descriptor blob, Repo from) {
    }
}
