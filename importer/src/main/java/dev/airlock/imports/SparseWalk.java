package dev.airlock.imports;

import dev.airlock.bundle.BundleManifest;
import dev.airlock.bundle.VerifiedBundle;
import dev.airlock.copy.CopyEngine;
import dev.airlock.copy.Repo;
import dev.airlock.error.AirlockException;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.ImageTree;
import dev.airlock.oci.RawManifest;
import java.util.HashSet;
import java.util.Set;

/**
 * Walks an image of a bundle. A sparse index ({@code --platform-index sparse}) has children the
 * bundle does not carry on purpose: those its signed bundle.json declares left out, each a child of
 * that very index, are skipped; any other missing child refuses the bundle as it always does.
 */
final class SparseWalk {
    private SparseWalk() {
    }

    static ImageTree walk(VerifiedBundle bundle, Repo source, BundleManifest.Image image) {
        BundleManifest.Platforms p = image.platforms();
        if (p == null || !BundleManifest.Platforms.SPARSE.equals(p.index())) {
            return CopyEngine.walk(bundle, source, image.digest());
        }
        RawManifest top = bundle.manifest(source, image.digest());
        Set<String> children = new HashSet<>();
        if (top.isIndex()) {
            top.children().forEach(d -> children.add(d.digest().toString()));
        }
        for (String d : p.leftOut()) {
            if (!children.contains(d)) {
                throw AirlockException.malformed(bundle.path() + ": image " + image.source() + " declares " + d
                        + " left out, but it is no child of its index " + image.digest());
            }
        }
        Set<String> leftOut = Set.copyOf(p.leftOut());
        return ImageTree.walk(top, (Descriptor d) -> bundle.manifest(source, d.digest().toString()),
                d -> !leftOut.contains(d.digest().toString()));
    }
}
