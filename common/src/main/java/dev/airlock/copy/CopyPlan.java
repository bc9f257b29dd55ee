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

    /**
     * @param attached what hangs off the image (signatures, SBOMs, referrers), each after its
     *     subject; put after the image's manifests and before its tag
     */
    public record Image(Repo source, Repo target, ImageTree tree, String tag, List<Attached> attached) {
        public Image {
            attached = List.copyOf(attached);
        }

        public Image(Repo source, Repo target, ImageTree tree, String tag) {
            this(source, target, tree, tag, List.of());
        }

        /** The image's tree, then each attachment's, in the order they are put. */
        public List<ImageTree> trees() {
            List<ImageTree> all = new java.util.ArrayList<>();
            all.add(tree);
            attached.forEach(a -> all.add(a.tree()));
            return all;
        }
    }

    /** Link {@code blob} into {@code into} from {@code from}, both in the sink. */
    public record Mount(Repo into, Descriptor blob, Repo from) {
    }
}
