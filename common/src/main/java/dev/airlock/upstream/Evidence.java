package dev.airlock.upstream;

/**
 * What verified one signature, for {@code bundle.json} and the reports.
 *
 * @param kind {@code key} or {@code keyless}
 * @param keySha256 keyed: hex SHA-256 of the key's DER SubjectPublicKeyInfo; keyless: null
 * @param identity keyless: the certificate's subject alternative name
 * @param issuer keyless: the certificate's OIDC issuer
 * @param rekorLogIndex keyless: the Rekor log index (null for keyed: their Rekor entry is not checked)
 * @param integratedTime keyless: the Rekor entry's time, ISO-8601 UTC
 * @param where the candidate it came from
 */
public record Evidence(String kind, String keySha256, String identity, String issuer, Long rekorLogIndex, String integratedTime,
        String where) {
    /** One line for people: {@code cosign key sha256:HEX} or {@code cosign keyless ISSUER IDENTITY (Rekor N, TIME)}. */
    public String describe() {
        return "key".equals(kind) ? "cosign key sha256:" + keySha256
                : "cosign keyless " + issuer + " " + identity + " (Rekor " + rekorLogIndex + ", " + integratedTime + ")";
    }
}
