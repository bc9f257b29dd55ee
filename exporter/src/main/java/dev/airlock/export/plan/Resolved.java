package dev.airlock.export.plan;

import dev.airlock.copy.Attached;
import dev.airlock.copy.Repo;
import dev.airlock.oci.ImageReference;
import dev.airlock.oci.ImageTree;
import java.util.ArrayList;
import java.util.List;

/** An image found at its source: its whole tree and what is attached to it (empty until discovery ran). */
public record Resolved(ImageReference ref, Repo repo, ImageTree tree, List<Attached> attached) {
    public Resolved {
        attached = List.copyOf(attached);
    }

    public Resolved withAttached(List<Attached> found) {
        return new Resolved(ref, repo, tree, found);
    }

    /** The image's tree, then each attachment's. */
    public List<ImageTree> trees() {
        List<ImageTree> all = new ArrayList<>();
        all.add(tree);
        attached.forEach(a -> all.add(a.tree()));
        return all;
    }
}
