package dev.airlock.error;

/**
 * The one exception type that crosses module boundaries. Its {@link Kind} names the cause; only
 * {@code dev.airlock.cli.Cli} turns a kind into an exit code. Its message is the single line a
 * user sees, so it must say what went wrong and where.
 */
public class AirlockException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Why a run failed. Exit codes live in {@code Cli.exitCode}, nowhere else. */
    public enum Kind {
        /** Bad usage or configuration: a missing flag, an unreadable key, a ledger that is not a ledger. */
        USAGE,
        /** An image, manifest or blob the user asked for does not exist at the source. */
        NOT_FOUND,
        /** A registry or token service refused the credentials (or their absence). */
        AUTH_REFUSED,
        /** TLS with a registry failed: a certificate no configured CA vouches for. */
        TLS_UNTRUSTED,
        /** A signature is bad or missing, the signer is not trusted, or too few signed. */
        UNTRUSTED,
        /** Bytes do not match their digest or size: a damaged bundle or a lying source. */
        DIGEST_MISMATCH,
        /** A bundle, manifest or receipt that is not what the format allows (names, sizes, entries). */
        MALFORMED_BUNDLE,
        /** A gap, a replay, a parent that does not match, earlier blobs missing from the target. */
        CHAIN_BROKEN,
        /** The registry or network failed and retries ran out (or it stalled); safe to run again. */
        TRANSIENT,
        /** A local resource failed: disk full, permission denied, read-only file system. Never retried. */
        LOCAL,
        /** A bug, or anything unforeseen. */
        INTERNAL
    }

    private final Kind kind;

    public AirlockException(Kind kind, String message) {
        this(kind, message, null);
    }

    public AirlockException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    /** True for the kinds that mean "this content cannot be trusted" (signature, digest, format). */
    public boolean isVerification() {
        return kind == Kind.UNTRUSTED || kind == Kind.DIGEST_MISMATCH || kind == Kind.MALFORMED_BUNDLE;
    }

    /** The same failure with more context after its message. */
    public AirlockException withSuffix(String suffix) {
        return new AirlockException(kind, getMessage() + suffix, this);
    }

    public static AirlockException usage(String message) {
        return new AirlockException(Kind.USAGE, message);
    }

    public static AirlockException notFound(String message) {
        return new AirlockException(Kind.NOT_FOUND, message);
    }

    public static AirlockException authRefused(String message) {
        return new AirlockException(Kind.AUTH_REFUSED, message);
    }

    public static AirlockException tlsUntrusted(String message) {
        return new AirlockException(Kind.TLS_UNTRUSTED, message);
    }

    public static AirlockException untrusted(String message) {
        return new AirlockException(Kind.UNTRUSTED, message);
    }

    public static AirlockException digestMismatch(String message) {
        return new AirlockException(Kind.DIGEST_MISMATCH, message);
    }

    public static AirlockException malformed(String message) {
        return new AirlockException(Kind.MALFORMED_BUNDLE, message);
    }

    public static AirlockException chain(String message) {
        return new AirlockException(Kind.CHAIN_BROKEN, message);
    }

    public static AirlockException transientFailure(String message, Throwable cause) {
        return new AirlockException(Kind.TRANSIENT, message, cause);
    }

    public static AirlockException local(String message, Throwable cause) {
        return new AirlockException(Kind.LOCAL, message, cause);
    }

    public static AirlockException internal(String message, Throwable cause) {
        return new AirlockException(Kind.INTERNAL, message, cause);
    }
}
