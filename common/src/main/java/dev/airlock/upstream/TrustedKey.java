package dev.airlock.upstream;

import java.security.PublicKey;

/**
 * A public key a rule trusts, as named in the policy file.
 *
 * @param name the path as the policy wrote it (for messages)
 * @param key the key (ECDSA P-256/P-384, Ed25519 or RSA)
 * @param sha256 hex SHA-256 of its DER SubjectPublicKeyInfo: how bundles and reports name it
 */
public record TrustedKey(String name, PublicKey key, String sha256) {
    public static TrustedKey of(String name, PublicKey key) {
        return new TrustedKey(name, key, PublicKeys.sha256Hex(key));
    }
}
