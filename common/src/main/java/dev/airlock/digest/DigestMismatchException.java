package dev.airlock.digest;

import dev.airlock.error.AirlockException;
import java.io.IOException;

/**
 * Content did not match its digest or declared size. An IOException so that it can cross stream
 * and HTTP body APIs (it aborts the read or the upload that carries it); {@link #toAirlock} turns
 * it into the one failure kind, {@link AirlockException.Kind#DIGEST_MISMATCH}, wherever it surfaces.
 */
public final class DigestMismatchException extends IOException {
    private static final long serialVersionUID = 1L;

    public DigestMismatchException(String message) {
        super(message);
    }

    public AirlockException toAirlock() {
        return new AirlockException(AirlockException.Kind.DIGEST_MISMATCH, getMessage(), this);
    }

    /** The mismatch somewhere in {@code t}'s cause chain, or null. */
    public static DigestMismatchException in(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof DigestMismatchException d) {
                return d;
            }
        }
        return null;
    }
}
