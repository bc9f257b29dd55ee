package dev.airlock.imports;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.airlock.error.AirlockException;
import dev.airlock.io.AtomicFiles;
import dev.airlock.io.StateDirs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The importer's record of one channel: each bundle applied, in order, with the images it placed
 * and their blobs. Written atomically, and only after a bundle's last tag is in place.
 */
public final class ImportLedger {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** An image placed in the target: {@code target} is HOST/REPOSITORY; {@code blobs} its config and layers. */
    public record Placed(String target, String tag, String source, String digest, List<String> blobs) {
    }

    /** One applied bundle. {@code parent} is null for a full bundle. */
    public record Applied(long sequence, String digest, Long parent, String appliedAt, List<Placed> images) {
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
        return StateDirs.defaultFor("import");
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

    public Path file() {
        return file;
    }

    public Optional<Applied> last() {
        return state.applied().isEmpty() ? Optional.empty() : Optional.of(state.applied().get(state.applied().size() - 1));
    }

    public boolean isApplied(String digest) {
        return state.applied().stream().anyMatch(a -> a.digest().equals(digest));
    }

    /** Target repositories (HOST/REPO) that received {@code blob} in an applied bundle, newest first. */
    public List<String> repositoriesWith(String blob) {
        Set<String> out = new LinkedHashSet<>();
        List<Applied> all = new ArrayList<>(state.applied());
        java.util.Collections.reverse(all);
        for (Applied a : all) {
            for (Placed p : a.images()) {
                if (p.blobs().contains(blob)) {
                    out.add(p.target());
                }
            }
        }
        return List.copyOf(out);
    }

    /** The images in place now: for each target and tag (or digest), the latest placed. */
    public List<Placed> inPlace() {
        Map<String, Placed> latest = new LinkedHashMap<>();
        for (Applied a : state.applied()) {
            for (Placed p : a.images()) {
                latest.put(p.target() + ":" + (p.tag() != null ? p.tag() : p.digest()), p);
            }
        }
        return List.copyOf(latest.values());
    }

    /** Every config and layer blob placed on this channel. */
    public Set<String> blobsInPlace() {
        Set<String> out = new LinkedHashSet<>();
        state.applied().forEach(a -> a.images().forEach(p -> out.addAll(p.blobs())));
        return out;
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
