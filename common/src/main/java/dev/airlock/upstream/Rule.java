package dev.airlock.upstream;

import java.util.List;

/**
 * One rule of an {@link UpstreamPolicy}: which source repositories it covers and what must verify
 * for an image there. Keys and keyless entries are alternatives: a signature verified by any of
 * them counts; {@code minimum} distinct signers must verify (a key counts once however often it
 * signed, a keyless signer once per issuer and identity).
 *
 * @param match the glob as written ({@code *} within a path component, {@code **} across slashes)
 * @param keys trusted public keys, empty for none
 * @param keyless trusted keyless signers, empty for none
 * @param require what the rule asks of an image it covers
 * @param minimum how many signatures must verify (at least 1; meaningful for {@link Require#SIGNED})
 */
public record Rule(String match, List<TrustedKey> keys, List<Keyless> keyless, Require require, int minimum) {
    public Rule {
        keys = List.copyOf(keys);
        keyless = List.copyOf(keyless);
        if (minimum < 1) {
            throw new IllegalArgumentException("minimum must be at least 1, not " + minimum);
        }
    }

    /** What a rule requires of the images it covers. */
    public enum Require {
        /** at least {@code minimum} signatures verify under the rule's keys or keyless signers */
        SIGNED,
        /** nothing: the image is carried unverified (and recorded as such) */
        NONE,
        /** the image is refused whatever it carries */
        REFUSE
    }

    /** How people see the rule in a refusal or a report: {@code match 'GLOB'}. */
    public String describe() {
        return "match '" + match + "'";
    }
}
