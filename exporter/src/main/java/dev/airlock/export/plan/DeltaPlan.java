package dev.airlock.export.plan;

import dev.airlock.bundle.BundleManifest;
import dev.airlock.digest.Digest;
import dev.airlock.error.AirlockException;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.ImageTree;
import dev.airlock.oci.RawManifest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The last step of planning an export: which bytes the bundle carries. Every manifest — the
 * images', their children's and their attachments' — is always carried (they are small, and the
 * importer needs them to put tags); a config or layer blob only when the far side does not hold it
 * yet ({@code present}), else it is left to the earlier bundles that carried it ({@code requires}) —
 * except a signature's, which always crosses with its image.
 */
public record DeltaPlan(Map<Digest, RawManifest> manifests, Map<Digest, Descriptor> carriedBlobs, List<String> requires,
        Set<Digest> elsewhere, long savedBytes) {

    public static DeltaPlan of(List<Resolved> images, Set<String> present) {
        Map<Digest, RawManifest> manifests = new LinkedHashMap<>();
        Map<Digest, Descriptor> referenced = new LinkedHashMap<>();
        for (Resolved image : images) {
            for (ImageTree tree : image.trees()) {
                tree.manifests().forEach(manifests::putIfAbsent);
                for (Descriptor d : tree.blobs().values()) {
                    Descriptor seen = referenced.putIfAbsent(d.digest(), d);
                    if (seen != null && seen.size() != d.size()) {
                        throw AirlockException.malformed("blob " + d.digest() + " is referenced with two sizes ("
                                + seen.size() + " and " + d.size() + " in " + image.repo() + ")");
                    }
                }
            }
        }
        // A signature's blobs (a few hundred bytes) cross in every bundle that names its image, so
        // that the offline side can check upstream signatures from the bundle alone (--verify-policy).
        Set<Digest> signatureBlobs = new java.util.HashSet<>();
        images.forEach(i -> i.attached().stream().filter(a -> a.kind().type() == dev.airlock.oci.AttachmentKind.Type.SIGNATURE)
                .forEach(a -> signatureBlobs.addAll(a.tree().blobs().keySet())));
        Map<Digest, Descriptor> carried = new LinkedHashMap<>();
        List<String> requires = new ArrayList<>();
        Set<Digest> elsewhere = new LinkedHashSet<>();
        long saved = 0;
        for (Map.Entry<Digest, Descriptor> e : referenced.entrySet()) {
            if (present.contains(e.getKey().toString()) && !signatureBlobs.contains(e.getKey())) {
                requires.add(e.getKey().toString());
                elsewhere.add(e.getKey());
                saved += e.getValue().size();
            } else {
                carried.put(e.getKey(), e.getValue());
            }
        }
        return new DeltaPlan(manifests, carried, requires, elsewhere, saved);
    }

    /** Every blob the bundle carries, manifests first, as bundle.json lists them. */
    public List<BundleManifest.Blob> carried() {
        List<BundleManifest.Blob> out = new ArrayList<>();
        manifests.values().forEach(m -> out.add(new BundleManifest.Blob(m.digest().toString(), m.size(), m.mediaType())));
        carriedBlobs.values().forEach(d -> out.add(new BundleManifest.Blob(d.digest().toString(), d.size(), d.mediaType())));
        return out;
    }
}
