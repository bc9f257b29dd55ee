package dev.airlock.oci;

import dev.airlock.digest.Digest;
import dev.airlock.error.AirlockException;
import java.util.regex.Pattern;

/**
 * {@code [docker://][HOST[:PORT]/]PATH[:TAG][@DIGEST]}. Without a host the reference means Docker Hub, as in
 * the docker CLI ({@code alpine} → {@code docker.io/library/alpine:latest}). skopeo's {@code docker://}
 * prefix is accepted; its other transports ({@code docker-archive:}, {@code oci:}, …) and URLs are refused.
 */
public record ImageReference(String registry, String repository, String tag, Digest digest) {
    public static final String DOCKER_HUB = "docker.io";
    private static final Pattern PATH_COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
    /** containers-transports(5) other than docker://: files and local stores, not registries. */
    private static final java.util.List<String> OTHER_TRANSPORTS = java.util.List.of("docker-archive:", "oci-archive:", "oci:",
            "dir:", "docker-daemon:", "containers-storage:", "sif:", "ostree:");

    public static ImageReference parse(String text) {
        if (text == null || text.isBlank()) {
            throw AirlockException.usage("empty image reference");
        }
        String rest = text.trim();
        if (rest.startsWith("docker://")) {
            rest = rest.substring("docker://".length());
        }
        refuseOtherTransports(text, rest);
        Digest digest = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            try {
                digest = Digest.parse(rest.substring(at + 1));
            } catch (AirlockException e) {
                throw AirlockException.usage("image reference '" + text + "': " + e.getMessage());
            }
            rest = rest.substring(0, at);
        }
        String registry = DOCKER_HUB;
        int slash = rest.indexOf('/');
        if (slash > 0) {
            String first = rest.substring(0, slash);
            if (first.contains(".") || first.contains(":") || first.equals("localhost")) {
                registry = first;
                rest = rest.substring(slash + 1);
            }
        }
        String tag = null;
        int colon = rest.lastIndexOf(':');
        if (colon >= 0) {
            tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
            if (!TAG.matcher(tag).matches()) {
                throw AirlockException.usage("image reference '" + text + "': invalid tag '" + tag + "'");
            }
        }
        if (tag == null && digest == null) {
            tag = "latest";
        }
        if (registry.equals(DOCKER_HUB) && !rest.contains("/")) {
            rest = "library/" + rest;
        }
        for (String component : rest.split("/", -1)) {
            if (!PATH_COMPONENT.matcher(component).matches()) {
                throw AirlockException.usage("image reference '" + text + "': invalid repository path '" + rest + "'");
            }
        }
        return new ImageReference(registry, rest, tag, digest);
    }

    /** Another containers-transports(5) prefix, or a URL: refused, saying what to write instead. */
    private static void refuseOtherTransports(String text, String rest) {
        for (String transport : OTHER_TRANSPORTS) {
            if (rest.startsWith(transport)) {
                String hint = transport.equals("docker-archive:")
                        ? "use --from-docker-archive FILE for a 'docker save' archive"
                        : "copy it into a registry first (skopeo copy " + transport + "... docker://HOST/PATH:TAG)";
                throw AirlockException.usage("image reference '" + text + "': the " + transport.substring(0, transport.length() - 1)
                        + " transport is not supported here: an image reference names a registry image (HOST[:PORT]/PATH:TAG, docker:// is"
                        + " optional); " + hint
                        + (rest.indexOf('/') < 0 ? " (for the Docker Hub image of that name write docker.io/library/" + rest + ")" : ""));
            }
        }
        if (rest.startsWith("http://") || rest.startsWith("https://")) {
            throw AirlockException.usage("image reference '" + text + "' is a URL: write HOST[:PORT]/PATH:TAG without http:// or https://"
                    + " (a registry without TLS is named with --plain-http HOST:PORT)");
        }
    }

    /** The host to contact: Docker Hub's API lives on another name than its references. */
    public String apiHost() {
        return registry.equals(DOCKER_HUB) ? "registry-1.docker.io" : registry;
    }

    /** Tag if pinned by tag only, else the digest: what to ask the registry for. */
    public String manifestReference() {
        return digest != null ? digest.toString() : tag;
    }

    /** {@code registry/repository}, without tag or digest. */
    public String name() {
        return registry + "/" + repository;
    }

    @Override
    public String toString() {
        return name() + (tag != null ? ":" + tag : "") + (digest != null ? "@" + digest : "");
    }
}
