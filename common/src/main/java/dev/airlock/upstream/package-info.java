/**
 * Upstream signatures: whether an image's cosign signatures, as they crossed, satisfy the
 * {@code --verify-policy} file, checked offline before anything is written (export) or pushed
 * (import).
 *
 * <p>Checked: the signed payload names the manifest's digest (cosign's simple-signing
 * {@code critical.image.docker-manifest-digest}; a Sigstore bundle's in-toto subject, with
 * cosign's signing predicate {@code https://sigstore.dev/cosign/sign/v1}, or a messageSignature
 * over the manifest digest itself). Keyed: the signature verifies under one of the rule's keys
 * (ECDSA P-256/P-384, Ed25519, RSA PKCS#1 v1.5 or PSS). Keyless: the signature verifies under the
 * leaf certificate; a Rekor entry crossed with it whose signed entry timestamp verifies under the
 * trusted root's Rekor key with that log ID (valid at the entry's time), and whose body
 * (hashedrekord 0.0.1, intoto 0.0.2, dsse 0.0.1) records this signature, this certificate and the
 * hash of what was signed; the Rekor time lies within the leaf's validity; the leaf chains
 * (signatures, names, CA flags, validity at that time) to the chain of a certificate authority of
 * the trusted root valid then; where the trusted root lists CT logs and the leaf embeds SCTs, one
 * verifies under a CT log of the trusted root; the SAN (URI or email) matches the rule's identity
 * (exact) or identityRegexp (whole SAN) and the Fulcio issuer extension (1.3.6.1.4.1.57264.1.8,
 * else 1.1) the rule's issuer.
 *
 * <p>Not checked: Rekor inclusion proofs and checkpoints (the SET is the log's signed promise;
 * a bundle with only an inclusion proof is refused, not half-checked); RFC 3161 timestamps; the
 * Rekor entries of keyed signatures (a key alone vouches, as {@code cosign verify --key
 * --insecure-ignore-tlog}); a leaf without SCTs is accepted (cosign would insist on one); Fulcio
 * extensions other than the issuer (workflow, ref, …); revocation (Sigstore has none); Notation
 * signatures; attestations' predicates (an attestation naming the image is not its signature).
 */
package dev.airlock.upstream;
