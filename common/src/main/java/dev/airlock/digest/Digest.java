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
    /**
     * {@code algorithm:hex}, the one string {@link #toString} returns: a catalog's plan names each
     * digest in several places (bundle.json's lists, the ledger's records, the statuses), and all of
     * them share this string instead of holding a copy each (issue 21). Parsed text is kept as given,
     * interned: the same digest parsed from each manifest and read from bundle.json is one string.
     */
    private final String text;
    /** The hex digits' {@link String#hashCode}, as ever: maps and sets of digests iterate in the order they always did. */
    private final int hash;

    private Digest(String algorithm, String text) {
        this.algorithm = algorithm;
        this.text = text;
        int h = 0;
        for (int i = algorithm.length() + 1; i < text.length(); i++) {
            h = 31 * h + text.charAt(i);
        }
        this.hash = h;
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
        String alg;
        int length;
        if (colon == 6 && text.startsWith("sha256")) {
            alg = "sha256";
            length = 64;
        } else if (colon == 6 && text.startsWith("sha512")) {
            alg = "sha512";
            length = 128;
        } else {
            throw AirlockException.malformed("unsupported digest algorithm in '" + abbreviate(text) + "'");
        }
        if (!lowerHex(text, colon + 1, length)) {
            throw AirlockException.malformed("malformed digest '" + abbreviate(text) + "'");
        }
        return new Digest(alg, text.intern());
    }

    /** From {@code from} to the end, exactly {@code length} characters of [0-9a-f] (a loop, not a regex: digests are parsed by the hundred thousand in a catalog run). */
    private static boolean lowerHex(String text, int from, int length) {
        if (text.length() - from != length) {
            return false;
        }
        for (int i = from; i < text.length(); i++) {
            char c = text.charAt(i);
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
        return of("sha256", hash);
    }

    public static Digest sha256Of(byte[] content) {
        return sha256(newSha256().digest(content));
    }

    /** The sha256 of a regular file's content, streamed ({@code options}: e.g. {@code NOFOLLOW_LINKS}); a FIFO is refused, never waited on ({@link dev.airlock.io.UntrustedOpen}). */
    public static Digest sha256Of(java.nio.file.Path file, java.nio.file.LinkOption... options) throws java.io.IOException {
        MessageDigest md = newSha256();
        byte[] buf = new byte[1 << 20];
        try (java.io.InputStream in = java.nio.channels.Channels.newInputStream(dev.airlock.io.UntrustedOpen.read(file, options))) {
            for (int r; (r = in.read(buf)) > 0; ) {
                md.update(buf, 0, r);
            }
        }
        return sha256(md.digest());
    }

    /**
     * The sha256 of {@code file}'s first bytes, read no further than {@code max} and one more: a
     * file of a listed size is hashed so, and one that grew past it after its size was checked (a
     * stranger's sparse terabytes, one ftruncate; red-team pass W, R5) yields the sha256 of
     * {@code max + 1} bytes, no listed one, at once. {@code options} and FIFOs as {@link #sha256Of(java.nio.file.Path, java.nio.file.LinkOption...)}.
     */
    public static Digest sha256OfAtMost(java.nio.file.Path file, long max, java.nio.file.LinkOption... options) throws java.io.IOException {
        MessageDigest md = newSha256();
        byte[] buf = new byte[1 << 20];
        long left = max + 1;
        try (java.io.InputStream in = java.nio.channels.Channels.newInputStream(dev.airlock.io.UntrustedOpen.read(file, options))) {
            for (int r; left > 0 && (r = in.read(buf, 0, (int) Math.min(buf.length, left))) > 0; left -= r) {
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
        String alg = switch (algorithm) {
            case "sha256" -> "sha256";
            case "sha512" -> "sha512";
            default -> throw new IllegalArgumentException("unsupported digest algorithm " + algorithm);
        };
        return new Digest(alg, alg + ":" + HexFormat.of().formatHex(hash));
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

    /** The hex digits (made from the text on each call). */
    public String hex() {
        return text.substring(algorithm.length() + 1);
    }

    /** The first 12 hex characters, for messages. */
    public String shortHex() {
        return text.substring(algorithm.length() + 1, algorithm.length() + 13);
    }

    @Override
    @com.fasterxml.jackson.annotation.JsonValue
    public String toString() {
        return text;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Digest d && d.text.equals(text);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public int compareTo(Digest o) {
        return text.compareTo(o.text);
    }
}
