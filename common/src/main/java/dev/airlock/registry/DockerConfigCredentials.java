package dev.airlock.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.error.AirlockException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Credentials the way docker, podman and skopeo keep them: {@code auths} entries in a
 * {@code config.json}/{@code auth.json}, {@code credHelpers} per host and a default
 * {@code credsStore}, both run as {@code docker-credential-NAME get}.
 *
 * <p>Written here rather than taken from Jib Core: Jib's lookup drags Guava and Google's HTTP
 * client into both jars, and this is the whole of what we need from it.
 */
public final class DockerConfigCredentials implements CredentialStore {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final List<Path> files;
    private final Path helperDir;

    /** @param files config files to consult in order; @param helperDir where helpers live, or null for PATH */
    public DockerConfigCredentials(List<Path> files, Path helperDir) {
        this.files = List.copyOf(files);
        this.helperDir = helperDir;
    }

    /** The usual places: an explicit auth file if given, else REGISTRY_AUTH_FILE, DOCKER_CONFIG, ~/.docker, XDG_RUNTIME_DIR. */
    public static DockerConfigCredentials standard(Path explicitFile, Map<String, String> env) {
        List<Path> files = new ArrayList<>();
        if (explicitFile != null) {
            if (!Files.isRegularFile(explicitFile)) {
                throw AirlockException.usage("auth file " + explicitFile + " does not exist");
            }
            files.add(explicitFile);
        } else {
            if (env.get("REGISTRY_AUTH_FILE") != null) {
                files.add(Path.of(env.get("REGISTRY_AUTH_FILE")));
            }
            if (env.get("DOCKER_CONFIG") != null) {
                files.add(Path.of(env.get("DOCKER_CONFIG"), "config.json"));
            }
            String home = env.getOrDefault("HOME", System.getProperty("user.home"));
            if (home != null) {
                files.add(Path.of(home, ".docker", "config.json"));
            }
            if (env.get("XDG_RUNTIME_DIR") != null) {
                files.add(Path.of(env.get("XDG_RUNTIME_DIR"), "containers", "auth.json"));
            }
        }
        return new DockerConfigCredentials(files, null);
    }

    @Override
    public Optional<Credentials> lookup(String host) {
        for (Path file : files) {
            if (!Files.isRegularFile(file)) {
                continue;
            }
            JsonNode config;
            try {
                config = JSON.readTree(file.toFile());
            } catch (IOException e) {
                throw AirlockException.usage("cannot read credentials file " + file + ": " + e.getMessage());
            }
            Optional<Credentials> found = fromConfig(config, host, file);
            if (found.isPresent()) {
                return found;
            }
        }
        return Optional.empty();
    }

    private Optional<Credentials> fromConfig(JsonNode config, String host, Path file) {
        List<String> keys = keysFor(host);
        for (String key : keys) {
            JsonNode helper = config.path("credHelpers").get(key);
            if (helper != null && !helper.asText().isEmpty()) {
                return runHelper(helper.asText(), key);
            }
        }
        for (String key : keys) {
            JsonNode entry = config.path("auths").get(key);
            if (entry == null) {
                continue;
            }
            if (entry.hasNonNull("auth") && !entry.get("auth").asText().isEmpty()) {
                String decoded = new String(Base64.getDecoder().decode(entry.get("auth").asText().trim()), StandardCharsets.UTF_8);
                int colon = decoded.indexOf(':');
                if (colon < 0) {
                    throw AirlockException.usage(file + ": the auth entry for " + key + " is not base64 of user:password");
                }
                return Optional.of(new Credentials(decoded.substring(0, colon), decoded.substring(colon + 1)));
            }
            if (entry.hasNonNull("username")) {
                return Optional.of(new Credentials(entry.get("username").asText(), entry.path("password").asText("")));
            }
        }
        JsonNode store = config.get("credsStore");
        if (store != null && !store.asText().isEmpty()) {
            return runHelper(store.asText(), keys.get(0));
        }
        return Optional.empty();
    }

    private static List<String> keysFor(String host) {
        List<String> keys = new ArrayList<>(List.of(host, "https://" + host, "http://" + host));
        if (host.equals("registry-1.docker.io") || host.equals("docker.io")) {
            keys.add("https://index.docker.io/v1/");
            keys.add("docker.io");
        }
        return keys;
    }

    private Optional<Credentials> runHelper(String name, String serverUrl) {
        String exe = "docker-credential-" + name;
        String command = helperDir != null ? helperDir.resolve(exe).toString() : exe;
        try {
            Process p = new ProcessBuilder(command, "get").redirectError(ProcessBuilder.Redirect.DISCARD).start();
            try (OutputStream in = p.getOutputStream()) {
                in.write(serverUrl.getBytes(StandardCharsets.UTF_8));
            }
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw AirlockException.usage("credential helper " + exe + " did not answer within 30 s");
            }
            if (p.exitValue() != 0) {
                // Helpers exit non-zero with "credentials not found": not an error, just nothing.
                return Optional.empty();
            }
            JsonNode answer = JSON.readTree(out);
            String user = answer.path("Username").asText("");
            String secret = answer.path("Secret").asText("");
            return secret.isEmpty() ? Optional.empty() : Optional.of(new Credentials(user, secret));
        } catch (IOException e) {
            throw AirlockException.usage("credential helper " + exe + " failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw AirlockException.usage("interrupted while running " + exe);
        }
    }
}
