package dev.airlock.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.error.AirlockException;
import dev.airlock.io.BoundedFiles;
import dev.airlock.io.OutputFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
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
    /** A key given twice (a registry with two passwords) is refused, not settled by the last one. */
    private static final ObjectMapper JSON = new ObjectMapper(com.fasterxml.jackson.core.JsonFactory.builder()
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION).build());
    private final List<Path> files;
    private final Path helperDir;

    /** @param files config files to consult in order; @param helperDir where helpers live, or null for PATH */
    public DockerConfigCredentials(List<Path> files, Path helperDir) {
        this.files = List.copyOf(files);
        this.helperDir = helperDir;
    }

    /**
     * The files skopeo, podman and docker read, in containers-auth.json(5)'s order: an explicit file
     * (--authfile) alone, else {@code REGISTRY_AUTH_FILE} alone, else {@link #loginFile} (where
     * {@code login} writes), {@code $XDG_CONFIG_HOME/containers/auth.json} (default
     * {@code ~/.config}), and {@code $DOCKER_CONFIG/config.json} (default {@code ~/.docker}).
     */
    public static DockerConfigCredentials standard(Path explicitFile, Map<String, String> env) {
        List<Path> files = new ArrayList<>();
        if (explicitFile != null) {
            // Read now, not at the first 401: a named file that is not an auth file is refused even
            // when no registry asks for a login (it was silently ignored; issue 17, defect 9).
            if (read(explicitFile) == null) {
                throw AirlockException.usage("auth file " + explicitFile + " does not exist");
            }
            files.add(explicitFile);
        } else if (env.get("REGISTRY_AUTH_FILE") != null && !env.get("REGISTRY_AUTH_FILE").isEmpty()) {
            files.add(Path.of(env.get("REGISTRY_AUTH_FILE")));
        } else {
            files.add(loginFile(null, env));
            String home = env.getOrDefault("HOME", System.getProperty("user.home"));
            String xdgConfig = env.get("XDG_CONFIG_HOME");
            if (xdgConfig != null && !xdgConfig.isEmpty()) {
                files.add(Path.of(xdgConfig, "containers", "auth.json"));
            } else if (home != null) {
                files.add(Path.of(home, ".config", "containers", "auth.json"));
            }
            if (env.get("DOCKER_CONFIG") != null && !env.get("DOCKER_CONFIG").isEmpty()) {
                files.add(Path.of(env.get("DOCKER_CONFIG"), "config.json"));
            } else if (home != null) {
                files.add(Path.of(home, ".docker", "config.json"));
            }
        }
        return new DockerConfigCredentials(files, null);
    }

    /**
     * Where {@code login} writes, as {@code skopeo login} does: the explicit file, else
     * {@code REGISTRY_AUTH_FILE}, else {@code $XDG_RUNTIME_DIR/containers/auth.json}, else
     * {@code /run/containers/UID/auth.json}. The first file {@link #standard} reads.
     */
    public static Path loginFile(Path explicitFile, Map<String, String> env) {
        if (explicitFile != null) {
            return explicitFile;
        }
        String registryAuthFile = env.get("REGISTRY_AUTH_FILE");
        if (registryAuthFile != null && !registryAuthFile.isEmpty()) {
            return Path.of(registryAuthFile);
        }
        String runtime = env.get("XDG_RUNTIME_DIR");
        if (runtime != null && !runtime.isEmpty()) {
            return Path.of(runtime, "containers", "auth.json");
        }
        return Path.of("/run/containers", String.valueOf(uid()), "auth.json");
    }

    private static int uid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            throw AirlockException.usage("cannot tell this process's user ID (" + e.getMessage() + "); name the auth file with --authfile");
        }
    }

    /** The key an {@code auths} entry for {@code host} has: {@code docker.io} for Docker Hub, as skopeo writes it. */
    public static String authKey(String host) {
        return host.equals("registry-1.docker.io") || host.equals("index.docker.io") ? "docker.io" : host;
    }

    /**
     * Stores {@code creds} for {@code host} in {@code file} as {@code auths.HOST.auth} = base64(user:password),
     * the form docker, podman and skopeo read; everything else in the file stays. Written mode 0600,
     * under a temporary name, fsynced and renamed; a missing directory is made (0700).
     */
    public static void store(Path file, String host, Credentials creds) {
        checkUserName(creds.username());
        com.fasterxml.jackson.databind.node.ObjectNode root = readForUpdate(file);
        com.fasterxml.jackson.databind.node.ObjectNode auths = root.get("auths") instanceof com.fasterxml.jackson.databind.node.ObjectNode o
                ? o : root.putObject("auths");
        auths.putObject(authKey(host)).put("auth", Base64.getEncoder().encodeToString(
                (creds.username() + ":" + creds.secret()).getBytes(StandardCharsets.UTF_8)));
        write(file, root);
    }

    /**
     * Refuses (USAGE) a user name with ':': {@code auth} holds base64 of USER:PASSWORD and every
     * reader splits at the first ':', so "a:b" with password "p" would read back as user "a" with
     * password "b:p" (issue 17, defect 9).
     */
    public static void checkUserName(String user) {
        if (user.indexOf(':') >= 0) {
            throw AirlockException.usage("user name '" + user + "' contains ':', which an auth file cannot hold (it stores USER:PASSWORD"
                    + " and would read it back as user '" + user.substring(0, user.indexOf(':')) + "')");
        }
    }

    /** Removes the entry for {@code host} (all entries when host is null); false if there was none. */
    public static boolean remove(Path file, String host) {
        if (!Files.exists(file)) {
            return false;
        }
        com.fasterxml.jackson.databind.node.ObjectNode root = readForUpdate(file);
        JsonNode auths = root.get("auths");
        if (!(auths instanceof com.fasterxml.jackson.databind.node.ObjectNode a) || a.isEmpty()) {
            return false;
        }
        if (host == null) {
            a.removeAll();
        } else if (a.remove(authKey(host)) == null) {
            return false;
        }
        write(file, root);
        return true;
    }

    private static com.fasterxml.jackson.databind.node.ObjectNode readForUpdate(Path file) {
        com.fasterxml.jackson.databind.node.ObjectNode o = read(file);
        return o == null ? JSON.createObjectNode() : o;
    }

    /**
     * {@code file} as an auth file, through {@link BoundedFiles#AUTH_FILE}; null when it does not
     * exist, an empty object when it is empty. Anything else that is not a JSON object (with an
     * object {@code auths}, {@code credHelpers}, if any) is refused naming the file (exit 2).
     */
    static com.fasterxml.jackson.databind.node.ObjectNode read(Path file) {
        byte[] bytes;
        try {
            bytes = BoundedFiles.read(file, BoundedFiles.AUTH_FILE);
        } catch (NoSuchFileException e) {
            return null;
        }
        JsonNode n;
        try {
            n = JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw AirlockException.usage("auth file " + file + " is not JSON: " + e.getOriginalMessage().lines().findFirst().orElse("")
                    + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr() + ")" : ""));
        } catch (IOException e) {
            throw BoundedFiles.failure(file, e, BoundedFiles.AUTH_FILE);
        }
        if (n == null || n.isMissingNode()) {
            return JSON.createObjectNode();
        }
        if (!(n instanceof com.fasterxml.jackson.databind.node.ObjectNode o) || (o.has("auths") && !o.get("auths").isObject())
                || (o.has("credHelpers") && !o.get("credHelpers").isObject())) {
            throw AirlockException.usage("auth file " + file + " is not an auth file (a JSON object with an \"auths\" object, as"
                    + " docker, podman and skopeo write)");
        }
        return o;
    }

    /**
     * Writes the auth file through {@link OutputFiles} (no directory, device, /dev/stdout or other
     * system file is ever replaced; permission denied said as such), mode 0600. An auth file that is
     * a symbolic link to a regular file (~/.docker/config.json kept elsewhere) is written through to
     * the file it points to, as docker's own config writer does, rather than replaced by a file that
     * breaks the link: the auth file is the user's own, unlike an output named on a command line.
     */
    private static void write(Path file, JsonNode root) {
        try {
            Path abs = OutputFiles.check("auth file", file, OutputFiles.Parents.CREATE, Map.of());
            Path dir = abs.getParent();
            if (!Files.isDirectory(dir)) {
                try {
                    Files.createDirectories(dir, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                            java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
                } catch (java.nio.file.AccessDeniedException e) {
                    throw OutputFiles.denied(Path.of(e.getFile() == null ? dir.toString() : e.getFile()).getParent(), e);
                }
            }
            Path to = Files.isSymbolicLink(abs) ? abs.toRealPath() : abs;
            OutputFiles.write("auth file", to, OutputFiles.Parents.MUST_EXIST, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root), true);
        } catch (IOException e) {
            throw AirlockException.local("cannot write auth file " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<Credentials> lookup(String host) {
        for (Path file : files) {
            JsonNode config = read(file);
            if (config == null) {
                continue;
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
                String decoded;
                try {
                    decoded = new String(Base64.getDecoder().decode(entry.get("auth").asText().trim()), StandardCharsets.UTF_8);
                } catch (IllegalArgumentException e) {
                    throw AirlockException.usage(file + ": the auth entry for " + key + " is not base64 of user:password");
                }
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
