package dev.airlock.digest;

import dev.airlock.error.AirlockException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A content digest such as {@code sha256:<64 hex>}. Validated on construction: a malformed digest
 * cannot exist past {@link #parse}, so it is safe to use {@link #hex()} in a file name.
 */
public final class Digest implements Comparable<Digest> {

    private final String algorithm;
    private final String hex;

    private Digest(String algorithm, String hex) {
        this.algorithm = algorithm;
        this.hex = hex;
    }

    /** Parses {@code algorithm:hex}; throws a verification error for anything malformed. */
    public static Digest parse(String text) {
        if (text == null) {
            throw AirlockException.malformed("missing digest");
        }
        int colon = text.indexOf(':');
        if (colon < 0) {
            throw AirlockException.malformed("malformed digest '" + abbreviate(text) + "'");
        }
        String alg = text.substring(0, colon);
        String hex = text.substring(colon + 1);
        int length = switch (alg) {
            case "sha256" -> 64;
            case "sha512" -> 128;
            default -> throw AirlockException.malformed("unsupported digest algorithm in '" + abbreviate(text) + "'");
        };
        if (!lowerHex(hex, length)) {
            throw AirlockException.malformed("malformed digest '" + abbreviate(text) + "'");
        }
        return new Digest(alg, hex);
    }

    /** Exactly {@code length} characters of [0-9a-f] (a loop, not a regex: digests are parsed by the hundred thousand in a catalog run). */
    private static boolean lowerHex(String hex, int length) {
        if (hex.length() != length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            char c = hex.charAt(i);
            if ((c < '0' || c > '9') && (c < 'a' || c > 'f')) {
                return false;
            }
        }
        return true;
    }

    public static boolean isValid(String text) {
        try {
            parse(text);
            return true;
        } catch (AirlockException e) {
            return false;
        }
    }

    public static Digest sha256(byte[] hash) {
        return new Digest("sha256", HexFormat.of().formatHex(hash));
    }

    public static Digest sha256Of(byte[] content) {
        return sha256(newSha256().digest(content));
    }

    /** The sha256 of a file's content, streamed ({@code options}: e.g. {@code NOFOLLOW_LINKS}). */
    public static Digest sha256Of(java.nio.file.Path file, java.nio.file.LinkOption... options) throws java.io.IOException {
        MessageDigest md = newSha256();
        byte[] buf = new byte[1 << 20];
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(file, options)) {
            for (int r; (r = in.read(buf)) > 0; ) {
                md.update(buf, 0, r);
            }
        }
        return sha256(md.digest());
    }

    public static MessageDigest newSha256() {
        return newDigest("sha256");
    }

    /** A fresh hasher for this digest's algorithm. */
    public MessageDigest newHasher() {
        return newDigest(algorithm);
    }

    /** A digest from a finished hash of {@code algorithm} ("sha256" or "sha512"). */
    public static Digest of(String algorithm, byte[] hash) {
        return new Digest(algorithm, HexFormat.of().formatHex(hash));
    }

    private static MessageDigest newDigest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm.equals("sha256") ? "SHA-256" : "SHA-512");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "…" : s;
    }

    public String algorithm() {
        return algorithm;
    }

    public String hex() {
        return hex;
    }

    /** The first 12 hex characters, for messages. */
    public String shortHex() {
        return hex.substring(0, 12);
    }

    @Override
    @com.fasterxml.jackson.annotation.JsonValue
    public String toString() {
        return algorithm + ":" + hex;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Digest d && d.algorithm.equals(algorithm) && d.hex.equals(hex);
    }

    @Override
    public int hashCode() {
        return hex.hashCode();
    }

    @Override
    public int compareTo(Digest o) {
        return toString().compareTo(o.toString());
    }
}
