package dev.airlock.upstream;

/** A Sigstore bundle ({@code application/vnd.dev.sigstore.bundle.v0.3+json}) found as a referrer, as its JSON bytes. */
public record SigstoreBundle(String where, byte[] bundleJson) implements Candidate {
}
