package dev.airlock.io;

import java.io.IOException;

/**
 * A failure of this machine's own storage (disk full, permission denied, read-only file system)
 * while bytes were moving. An IOException so it can leave an HTTP body subscriber; whoever sees it
 * must report it as {@code LOCAL} and never retry it as a network failure.
 */
public final class LocalIoException extends IOException {
    private static final long serialVersionUID = 1L;

    public LocalIoException(String message, IOException cause) {
        super(message, cause);
    }

    /** The local failure somewhere in {@code t}'s cause chain, or null. */
    public static LocalIoException in(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof LocalIoException l) {
                return l;
            }
        }
        return null;
    }
}
