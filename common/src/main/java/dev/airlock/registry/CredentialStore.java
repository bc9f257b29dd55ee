package dev.airlock.registry;

import java.util.Optional;

/** Where registry credentials come from. Implementations must never log secrets. */
@FunctionalInterface
public interface CredentialStore {
    CredentialStore NONE = host -> Optional.empty();

    Optional<Credentials> lookup(String host);
}
