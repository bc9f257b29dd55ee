package dev.airlock.upstream;

/**
 * A cosign legacy signature: one layer of a {@code sha256-<hex>.sig} manifest (or of cosign's OCI
 * 1.1 signature referrer), its simple-signing payload bytes and its annotations.
 *
 * @param payload the layer's bytes (the simple-signing JSON that was signed)
 * @param signatureB64 {@code dev.cosignproject.cosign/signature}
 * @param certificatePem {@code dev.sigstore.cosign/certificate}, null for a keyed signature
 * @param chainPem {@code dev.sigstore.cosign/chain}, or null (informative: the chain is built from the trusted root)
 * @param rekorBundleJson {@code dev.sigstore.cosign/bundle}, or null
 */
public record LegacySignature(String where, byte[] payload, String signatureB64, String certificatePem, String chainPem,
        String rekorBundleJson) implements Candidate {
}
