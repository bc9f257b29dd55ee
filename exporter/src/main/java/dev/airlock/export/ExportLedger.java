package dev.airlock.export;

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

/**
 * The exporter's record of a channel: every bundle written, in order. Written atomically, and only
 * after a bundle file is complete under its final name, so a crash leaves the previous ledger.
 */
public final class ExportLedger {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** One bundle written on the channel. */
    public record Entry(long sequence, String digest, String file, String created, boolean full) {
    }

    /** The ledger file's content. */
    public record Channel(String channel, List<Entry> bundles) {
    }

    private final Path file;
    private final Channel state;

    private ExportLedger(Path file, Channel state) {
        this.file = file;
        this.state = state;
    }

    public static Path defaultStateDir() {
        String xdg = System.getenv("XDG_STATE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".local", "state");
        return base.resolve("airlock").resolve("export");
    }

    public static ExportLedger load(Path stateDir, String channel) {
        Path file = stateDir.resolve("channels").resolve(channel + ".json");
        if (!Files.exists(file)) {
            return new ExportLedger(file, new Channel(channel, new ArrayList<>()));
        }
        try {
            Channel c = JSON.readValue(file.toFile(), Channel.class);
            return new ExportLedger(file, new Channel(channel, new ArrayList<>(c.bundles())));
        } catch (IOException e) {
            throw AirlockException.usage("exporter ledger " + file + " is unreadable: " + e.getMessage());
        }
    }

    public long nextSequence() {
        return state.bundles().isEmpty() ? 1 : state.bundles().get(state.bundles().size() - 1).sequence() + 1;
    }

    public List<Entry> bundles() {
        return List.copyOf(state.bundles());
    }

    public void record(Entry entry) {
        state.bundles().add(entry);
        try {
            Files.createDirectories(file.getParent());
            AtomicFiles.write(file, JSON.writeValueAsBytes(state), false);
        } catch (IOException e) {
            throw new AirlockException(AirlockException.Kind.INTERNAL, "cannot write exporter ledger " + file + ": " + e.getMessage(), e);
        }
    }
}
