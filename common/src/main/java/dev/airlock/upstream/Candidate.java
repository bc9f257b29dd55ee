package dev.airlock.upstream;

/**
 * One signature found for a manifest, as it crossed (untrusted until {@link SignatureVerifier}
 * says otherwise): a cosign legacy signature layer or a Sigstore bundle.
 */
public sealed interface Candidate permits LegacySignature, SigstoreBundle {
    /** Where it was found, for people: {@code tag sha256-….sig layer 0}, {@code referrer sha256:… layer 0}. */
    String where();
}
