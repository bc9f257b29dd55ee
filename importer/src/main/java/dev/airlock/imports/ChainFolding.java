package dev.airlock.imports;

import dev.airlock.imports.ImportLedger.Applied;
import dev.airlock.imports.ImportLedger.Placed;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Folds the images of a chain's older bundles into one list of distinct placements, so that a
 * chain's size follows the images placed, not the bundles applied. Reading the folded list and then
 * the kept bundles gives the same latest placement per tag, the same blobs and the same
 * repositories, in the same newest-first order, as reading every bundle: a placement that occurs
 * again is only ever needed where it last occurred.
 */
final class ChainFolding {
    private ChainFolding() {
    }

    /**
     * Empties the images of every bundle of {@code applied} but the newest {@code keep} (their
     * headers stay), and rewrites {@code folded} as the distinct placements of what it held followed
     * by those images, each once at its last occurrence, in that order. Both lists are changed in place.
     */
    static void fold(List<Placed> folded, List<Applied> applied, int keep) {
        Set<Placed> distinct = null;
        for (int i = 0; i < applied.size() - keep; i++) {
            Applied a = applied.get(i);
            if (a.images().isEmpty()) {
                continue;
            }
            if (distinct == null) {
                distinct = lastOccurrences(folded);
            }
            for (Placed p : a.images()) {
                distinct.remove(p);
                distinct.add(p);
            }
            applied.set(i, new Applied(a.sequence(), a.digest(), a.parent(), a.appliedAt(), List.of()));
        }
        if (distinct != null) {
            folded.clear();
            folded.addAll(distinct);
        }
    }

    private static Set<Placed> lastOccurrences(List<Placed> placed) {
        Set<Placed> out = new LinkedHashSet<>();
        for (Placed p : placed) {
            out.remove(p);
            out.add(p);
        }
        return out;
    }
}
