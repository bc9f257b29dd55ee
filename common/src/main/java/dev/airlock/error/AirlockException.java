package dev.airlock.error;

/**
 * The one exception type that crosses module boundaries. Its {@link Kind} decides the exit code;
 * its message is the single line a user sees, so it must say what went wrong and where.
 */
public class AirlockException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Error kinds and their documented exit codes (README, "Exit codes"). */
    public enum Kind {
        /** Anything else. */
        INTERNAL(1),
        /** Bad usage or configuration. */
        USAGE(2),
        /** Signature, trust, digest, size, malformed or hostile bundle. */
        VERIFICATION(3),
        /** Chain or sequence problem. */
        CHAIN(4),
        /** Registry or network failure; safe to run again. */
        REGISTRY(5);

        private final int exitCode;

        Kind(int exitCode) {
            this.exitCode = exitCode;
        }

        public int exitCode() {
            return exitCode;
        }
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

    public static AirlockException usage(String message) {
        return new AirlockException(Kind.USAGE, message);
    }

    public static AirlockException verification(String message) {
        return new AirlockException(Kind.VERIFICATION, message);
    }

    public static AirlockException chain(String message) {
        return new AirlockException(Kind.CHAIN, message);
    }

    public static AirlockException registry(String message, Throwable cause) {
        return new AirlockException(Kind.REGISTRY, message, cause);
    }
}
