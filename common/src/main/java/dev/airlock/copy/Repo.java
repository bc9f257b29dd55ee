package dev.airlock.copy;

/** A repository on a registry (or, for a bundle, just a label): where an image is read or written. */
public record Repo(String host, String name) {
    @Override
    public String toString() {
        return host + "/" + name;
    }
}
