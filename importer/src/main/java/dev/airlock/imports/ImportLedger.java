package dev.airlock.imports;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.airlock.error.AirlockException;
import dev.airlock.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The importer's record of a channel: each bundle applied, in order. Written atomically after a
 * bundle's last tag is in place.
 */
public final class ImportLedger {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** One applied bundle. */
    public record Applied(long sequence, String digest, boolean full, String appliedAt, List<String> images) {
    }

    /** The ledger file's content. */
    public record Channel(String channel, List<Applied> applied) {
    }

    private final Path file;
    private final Channel state;

    private ImportLedger(Path file, Channel state) {
        this.file = file;
        this.state = state;
    }

    public static Path defaultStateDir() {
        String xdg = System.getenv("XDG_STATE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".local", "state");
        return base.resolve("airlock").resolve("import");
    }

    public static ImportLedger load(Path stateDir, String channel) {
        Path file = stateDir.resolve("channels").resolve(channel + ".json");
        if (!Files.exists(file)) {
            return new ImportLedger(file, new Channel(channel, new ArrayList<>()));
        }
        try {
            Channel c = JSON.readValue(file.toFile(), Channel.class);
            return new ImportLedger(file, new Channel(channel, new ArrayList<>(c.applied())));
        } catch (IOException e) {
            throw AirlockException.usage("importer ledger " + file + " is unreadable: " + e.getMessage());
        }
    }

    public Optional<Applied> last() {
        return state.applied().isEmpty() ? Optional.empty() : Optional.of(state.applied().get(state.applied().size() - 1));
    }

    public List<Applied> applied() {
        return List.copyOf(state.applied());
    }

    public void record(Applied applied) {
        state.applied().add(applied);
        try {
            Files.createDirectories(file.getParent());
            AtomicFiles.write(file, JSON.writeValueAsBytes(state), false);
        } catch (IOException e) {
            throw new AirlockException(AirlockException.Kind.INTERNAL, "cannot write importer ledger " + file + ": " + e.getMessage(), e);
        }
    }
}
