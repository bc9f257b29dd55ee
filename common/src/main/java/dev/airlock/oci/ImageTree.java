package dev.airlock.oci;

import dev.airlock.digest.Digest;
import dev.airlock.error.AirlockException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Everything one image references: its manifests (top first, every platform of an index) and the
 * config and layer blobs of each. Built by walking from the top manifest; children are loaded
 * through {@code loader}, which must return bytes matching the descriptor's digest.
 */
public final class ImageTree {
    private static final int MAX_DEPTH = 4;

    private final RawManifest top;
    /**
     * Kept as arrays, in order, and shown as maps keyed by digest ({@link DigestMap}): a catalog plans
     * tens of thousands of trees, and two linked hash maps with their wrappers and views were some
     * 600 bytes a tree for the whole run (issue 21).
     */
    private final RawManifest[] manifests;
    private final Descriptor[] blobs;

    private ImageTree(RawManifest top, Map<Digest, RawManifest> manifests, Map<Digest, Descriptor> blobs) {
        this.top = top;
        this.manifests = manifests.values().toArray(new RawManifest[0]);
        this.blobs = blobs.values().toArray(new Descriptor[0]);
    }

    public static ImageTree walk(RawManifest top, Function<Descriptor, RawManifest> loader) {
        return walk(top, loader, d -> true);
    }

    /**
     * Like {@link #walk(RawManifest, Function)}, but of the top index's own children only those
     * {@code carried} accepts are loaded: a sparse index ({@code --platform-index sparse}) whose
     * other children were left out on purpose. The top keeps its bytes and digest.
     */
    public static ImageTree walk(RawManifest top, Function<Descriptor, RawManifest> loader, Predicate<Descriptor> carried) {
        Map<Digest, RawManifest> manifests = new LinkedHashMap<>();
        Map<Digest, Descriptor> blobs = new LinkedHashMap<>();
        manifests.put(top.digest(), top);
        if (top.isIndex()) {
            for (Descriptor child : top.children()) {
                if (carried.test(child)) {
                    visitChild(top, child, loader, manifests, blobs, 1);
                }
            }
        } else {
            visitBlobs(top, blobs);
        }
        return new ImageTree(top, manifests, blobs);
    }

    private static void visit(RawManifest m, Function<Descriptor, RawManifest> loader, Map<Digest, RawManifest> manifests,
            Map<Digest, Descriptor> blobs, int depth) {
        if (depth > MAX_DEPTH) {
            throw AirlockException.malformed("manifest " + m.digest() + " nests indexes deeper than " + MAX_DEPTH);
        }
        if (manifests.putIfAbsent(m.digest(), m) != null) {
            return;
        }
        if (m.isIndex()) {
            for (Descriptor child : m.children()) {
                visitChild(m, child, loader, manifests, blobs, depth + 1);
            }
        } else {
            visitBlobs(m, blobs);
        }
    }

    private static void visitChild(RawManifest parent, Descriptor child, Function<Descriptor, RawManifest> loader,
            Map<Digest, RawManifest> manifests, Map<Digest, Descriptor> blobs, int depth) {
        RawManifest loaded = loader.apply(child);
        if (!loaded.digest().equals(child.digest()) || loaded.size() != child.size()) {
            throw AirlockException.malformed("child manifest " + child.digest() + " of " + parent.digest()
                    + " does not match its descriptor");
        }
        visit(loaded, loader, manifests, blobs, depth);
    }

    private static void visitBlobs(RawManifest m, Map<Digest, Descriptor> blobs) {
        for (Descriptor b : m.blobs()) {
            Descriptor seen = blobs.putIfAbsent(b.digest(), b);
            if (seen != null && seen.size() != b.size()) {
                throw AirlockException.malformed("blob " + b.digest() + " is referenced with two sizes ("
                        + seen.size() + " and " + b.size() + ")");
            }
        }
    }

    public RawManifest top() {
        return top;
    }

    /** Top manifest first, then children in index order. */
    public Map<Digest, RawManifest> manifests() {
        return new DigestMap<>(manifests, RawManifest::digest);
    }

    /** Config and layer blobs, each once, in first-reference order. */
    public Map<Digest, Descriptor> blobs() {
        return new DigestMap<>(blobs, Descriptor::digest);
    }
}
