package dev.airlock.export.plan;

import dev.airlock.bundle.BundleManifest;
import dev.airlock.digest.Digest;
import dev.airlock.error.AirlockException;
import dev.airlock.oci.ImageTree;
import dev.airlock.oci.IndexRewriter;
import dev.airlock.oci.PlatformIndex;
import dev.airlock.oci.PlatformMatcher;
import dev.airlock.oci.RawManifest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The step between resolving images and discovering what is attached to them: each index is cut
 * to the chosen platforms ({@code --platform}), so that attachment discovery, which walks the tree
 * it is handed, finds no attachment of a platform left out. Single-platform images, and indexes
 * whose every entry is chosen, are carried as they are. An index with none of the chosen
 * platforms is an error; every such image is named in one run (exit 2).
 */
public final class PlatformSelection {
    /** {@code --platform-index}: what lands for an index cut to some of its platforms. */
    public enum Mode {
        /** A new index of the kept entries (new digest, stated everywhere). */
        REWRITE,
        /** The source index's own bytes, only the chosen children carried (same digest; the registry must accept it). */
        SPARSE;

        public static Mode parse(String text, String where) {
            if (text == null) {
                return REWRITE;
            }
            return switch (text.trim().toLowerCase(Locale.ROOT)) {
                case "rewrite" -> REWRITE;
                case "sparse" -> SPARSE;
                default -> throw AirlockException.usage(where + ": '" + text + "' is not rewrite or sparse");
            };
        }

        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The platforms chosen and what lands for a cut index; {@link #ALL} when no {@code --platform} was given. */
    public record Options(PlatformMatcher matcher, Mode mode) {
        public static final Options ALL = new Options(null, Mode.REWRITE);

        /** The channel's platform set as recorded in the export ledger: null for every platform. */
        public List<String> names() {
            return matcher == null ? null : matcher.names();
        }
    }

    /**
     * The images after the cut, and for each image cut (by source reference) what bundle.json says
     * about it.
     */
    public record Selected(List<Resolved> images, Map<String, BundleManifest.Platforms> cut) {
    }

    private PlatformSelection() {
    }

    public static Selected apply(List<Resolved> images, Options options) {
        if (options.matcher() == null) {
            return new Selected(images, Map.of());
        }
        List<Resolved> out = new ArrayList<>();
        Map<String, BundleManifest.Platforms> cut = new LinkedHashMap<>();
        List<String> without = new ArrayList<>();
        for (Resolved r : images) {
            RawManifest top = r.tree().top();
            if (!top.isIndex()) {
                out.add(r);
                continue;
            }
            PlatformIndex.Choice choice = PlatformIndex.choose(top, options.matcher());
            if (choice.keepsNone()) {
                without.add(r.ref() + " (has " + String.join(", ", choice.available()) + ")");
            } else if (choice.keepsAll()) {
                out.add(r);
            } else {
                Resolved kept = cutOne(r, choice, options.mode());
                out.add(kept);
                cut.put(r.ref().toString(), new BundleManifest.Platforms(options.mode().word(), top.digest().toString(),
                        choice.chosen(), choice.available(),
                        choice.leftOut().stream().map(e -> e.descriptor().digest().toString()).toList()));
            }
        }
        if (!without.isEmpty()) {
            throw AirlockException.usage(without.size() + (without.size() == 1 ? " image has" : " images have") + " none of the chosen"
                    + " platforms (" + String.join(", ", options.matcher().names()) + "): " + String.join("; ", without)
                    + "; choose a --platform it has, or leave the image out");
        }
        return new Selected(out, cut);
    }

    /** The image with its index cut: a rewritten index over the kept children, or the source index walked sparsely. */
    private static Resolved cutOne(Resolved r, PlatformIndex.Choice choice, Mode mode) {
        Map<Digest, RawManifest> known = r.tree().manifests();
        Set<Digest> keep = new HashSet<>();
        choice.kept().forEach(e -> keep.add(e.descriptor().digest()));
        RawManifest top = mode == Mode.REWRITE ? IndexRewriter.rewrite(r.tree().top(), choice.kept()) : r.tree().top();
        ImageTree tree = ImageTree.walk(top, d -> known.get(d.digest()), d -> keep.contains(d.digest()));
        return new Resolved(r.ref(), r.repo(), tree, r.attached());
    }
}
