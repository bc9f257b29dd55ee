package dev.airlock.registry;

import dev.airlock.error.AirlockException;

/**
 * A manifest the registry does not have (kind {@code NOT_FOUND}), with the short reason a list of
 * several failures shows per image: "repository not found", "tag 9 not found in app; it has 1, 2".
 */
public final class ManifestNotFound extends AirlockException {
    private static final long serialVersionUID = 1L;
    private final String reason;

    ManifestNotFound(String message, String reason) {
        super(Kind.NOT_FOUND, message);
        this.reason = reason;
    }

    public String reason() {
        return reason;
    }
}
