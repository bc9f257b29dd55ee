package dev.airlock.upstream;

import java.util.regex.Pattern;

/**
 * A trusted keyless signer: a Fulcio certificate's OIDC issuer (its issuer extension) and its
 * subject alternative name, given exactly ({@code identity}) or as a regular expression that must
 * match the whole SAN ({@code identityRegexp}). Exactly one of the two is set.
 */
public record Keyless(String issuer, String identity, String identityRegexp) {
    public Keyless {
        if (issuer == null || issuer.isEmpty()) {
            throw new IllegalArgumentException("keyless needs an issuer");
        }
        if ((identity == null) == (identityRegexp == null)) {
            throw new IllegalArgumentException("keyless needs exactly one of identity and identityRegexp");
        }
        if (identityRegexp != null) {
            try {
                Pattern.compile(identityRegexp); // refused here, at load, not at the first signature
            } catch (java.util.regex.PatternSyntaxException e) {
                throw new IllegalArgumentException("identityRegexp is not a regular expression: " + e.getDescription());
            }
        }
    }

    /** Whether {@code san} is this signer's identity (a regexp must match all of it, as cosign's does with ^…$). */
    public boolean matchesIdentity(String san) {
        return identity != null ? identity.equals(san) : Pattern.compile(identityRegexp).matcher(san).matches();
    }

    public boolean matchesIssuer(String certIssuer) {
        return issuer.equals(certIssuer);
    }

    /** {@code identity 'X'} or {@code identityRegexp 'R'}, for messages. */
    public String describeIdentity() {
        return identity != null ? "identity '" + identity + "'" : "identityRegexp '" + identityRegexp + "'";
    }
}
