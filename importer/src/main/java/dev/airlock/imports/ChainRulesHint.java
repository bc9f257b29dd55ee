package dev.airlock.imports;

import dev.airlock.bundle.BundleManifest;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Why a target may lack a bundle's parent: the chain of a target is keyed by its {@code --map}
 * rules as well as its registry and prefix, so importing with other rules (or without
 * {@code --preset gitlab-secure}, which is nothing but rules) starts another chain. When another
 * target of the same registry and prefix holds the parent, the refusal names the rules that
 * differ. Bounded: at most {@value #TARGETS} targets and {@value #RULES} rules per list are named.
 * A ledger that recorded no rules (an earlier ledger's chain) gives no hint, and the refusal reads
 * as it did.
 */
final class ChainRulesHint {
    static final int TARGETS = 2;
    static final int RULES = 4;

    private ChainRulesHint() {
    }

    /** The sentence to add to a "missing" refusal, starting with ". "; empty when no other target holds the parent. */
    static String of(ImportLedger ledger, BundleManifest m) {
        TargetNaming mine = ledger.naming();
        if (mine == null || m.parent() == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        int named = 0;
        // more than TARGETS are asked for, since those on another registry or prefix are left out
        for (TargetNaming other : ledger.otherTargetsWith(m.parent().digest(), 16)) {
            if (named == TARGETS || !sameRegistryAndPrefix(mine, other)) {
                continue;
            }
            sb.append(named++ == 0 ? ". Bundle " + m.parent().sequence() + " was applied to target " : "; and to target ")
                    .append(other.key()).append(", whose --map rules differ: ").append(difference(mine, other, m));
        }
        return named == 0 ? "" : sb.append(". Import with the rules that chain was imported with to follow it").toString();
    }

    private static boolean sameRegistryAndPrefix(TargetNaming a, TargetNaming b) {
        return a.host().toLowerCase(Locale.ROOT).equals(b.host().toLowerCase(Locale.ROOT)) && a.prefix().equals(b.prefix());
    }

    /** "it had --map A, which this import lacks; this import adds --map B" and, where it fits, what --preset gives. */
    private static String difference(TargetNaming mine, TargetNaming other, BundleManifest m) {
        Set<String> had = new LinkedHashSet<>(other.mappings());
        had.removeAll(mine.mappings());
        Set<String> adds = new LinkedHashSet<>(mine.mappings());
        adds.removeAll(other.mappings());
        List<String> parts = new ArrayList<>();
        if (!had.isEmpty()) {
            parts.add("it had " + rules(had) + ", which this import lacks" + (adds.isEmpty() ? presetNote(had, m) : ""));
        }
        if (!adds.isEmpty()) {
            parts.add("this import adds " + rules(adds) + ", which it did not have");
        }
        return String.join("; ", parts);
    }

    /** When the rules this import lacks (and it has none of its own) are the ones --preset gitlab-secure gives this bundle, says so. */
    private static String presetNote(Set<String> lacks, BundleManifest m) {
        Set<String> preset = new LinkedHashSet<>();
        GitlabSecureTarget.rules(m.images()).forEach(r -> preset.add(r.from() + "=" + r.to()));
        return !preset.isEmpty() && lacks.equals(preset)
                ? " (the rules --preset " + GitlabSecureTarget.NAME + " gives this bundle: add --preset " + GitlabSecureTarget.NAME + ")"
                : "";
    }

    private static String rules(Set<String> rules) {
        List<String> named = rules.stream().limit(RULES).map(r -> "--map " + (r.length() > 200 ? r.substring(0, 200) + "…" : r)).toList();
        String more = rules.size() > RULES ? " and " + (rules.size() - RULES) + " more" : "";
        return String.join(", ", named) + more;
    }
}
