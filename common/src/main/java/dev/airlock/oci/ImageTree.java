package dev.airlock.oci;

import dev.airlock.digest.Digest;
import dev.airlock.error.AirlockException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Everything one image references: its manifests (top first, every platform of an index) and the
 * config and layer blobs of each. Built by walking from the top manifest; children are loaded
 * through {@code loader}, which must return bytes matching the descriptor's digest.
 */
public final class ImageTree {
    private static final int MAX_DEPTH = 4;

    private final RawManifest top;
    private final Map<Digest, RawManifest> manifests;
    private final Map<Digest, Descriptor> blobs;

    private ImageTree(RawManifest top, Map<Digest, RawManifest> manifests, Map<Digest, Descriptor> blobs) {
        this.top = top;
        this.manifests = Collections.unmodifiableMap(manifests);
        this.blobs = Collections.unmodifiableMap(blobs);
    }

    public static ImageTree walk(RawManifest top, Function<Descriptor, RawManifest> loader) {
        Map<Digest, RawManifest> manifests = new LinkedHashMap<>();
        Map<Digest, Descriptor> blobs = new LinkedHashMap<>();
        visit(top, loader, manifests, blobs, 0);
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
                RawManifest loaded = loader.apply(child);
                if (!loaded.digest().equals(child.digest()) || loaded.size() != child.size()) {
                    throw AirlockException.malformed("child manifest " + child.digest() + " of " + m.digest()
                            + " does not match its descriptor");
                }
                visit(loaded, loader, manifests, blobs, depth + 1);
            }
        } else {
            for (Descriptor b : m.blobs()) {
                Descriptor seen = blobs.putIfAbsent(b.digest(), b);
                if (seen != null && seen.size() != b.size()) {
                    throw AirlockException.malformed("blob " + b.digest() + " is referenced with two sizes ("
                            + seen.size() + " and " + b.size() + ")");
                }
            }
        }
    }

    public RawManifest top() {
        return top;
    }

    /** Top manifest first, then children in index order. */
    public Map<Digest, RawManifest> manifests() {
        return manifests;
    }

    /** Config and layer blobs, each once, in first-reference order. */
    public Map<Digest, Descriptor> blobs() {
        return blobs;
    }
}
