package dev.airlock.upstream;

import java.util.List;

/**
 * The outcome for one manifest under one rule.
 *
 * @param verified whether the rule is satisfied
 * @param evidence one entry per signature that verified
 * @param failures one line per candidate that did not verify, {@code WHERE: why} (or {@code no signature})
 */
public record Verdict(boolean verified, List<Evidence> evidence, List<String> failures) {
    public Verdict {
        evidence = List.copyOf(evidence);
        failures = List.copyOf(failures);
    }
}
