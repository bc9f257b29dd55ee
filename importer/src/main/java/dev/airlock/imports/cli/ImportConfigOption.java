package dev.airlock.imports.cli;

import dev.airlock.cli.Units;
import dev.airlock.error.AirlockException;
import dev.airlock.imports.config.ImportConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * {@code --config FILE}: the importer's YAML settings, read once, on first use. Every getter here
 * is "the flag if given, else the config's key": the caller passes the flag's value.
 */
final class ImportConfigOption {
    @Option(names = "--config", paramLabel = "FILE",
            description = "YAML with the same settings (trust, registry, map, state, inbox, ...; see docs/configuration.md); flags win.")
    Path file;

    private ImportConfig loaded;

    ImportConfig get() {
        if (loaded == null) {
            loaded = file != null ? ImportConfig.load(file) : ImportConfig.empty();
        }
        return loaded;
    }

    /** A path setting, relative to the config file's directory. */
    Path path(String value) {
        return ImportConfig.resolve(file, value);
    }

    List<Path> paths(List<String> values) {
        return values == null ? List.of() : values.stream().map(this::path).toList();
    }

    /** {@code flag} if given, else the config's {@code value} (null for neither). */
    static <T> T or(T flag, T value) {
        return flag != null ? flag : value;
    }

    Duration duration(String key, String value) {
        if (value == null) {
            return null;
        }
        try {
            return Units.duration(value);
        } catch (IllegalArgumentException e) {
            throw AirlockException.usage("config " + file + ": " + key + " " + e.getMessage());
        }
    }

    Long size(String key, String value) {
        if (value == null) {
            return null;
        }
        try {
            return Units.size(value);
        } catch (IllegalArgumentException e) {
            throw AirlockException.usage("config " + file + ": " + key + " " + e.getMessage());
        }
    }

    /** The value, or a usage error naming both the flag and the config key. */
    <T> T require(T value, String flag, String key) {
        if (value == null) {
            throw AirlockException.usage("missing " + flag + " (or " + key + ": in " + (file != null ? "the --config file " + file
                    : "a --config FILE") + ")");
        }
        return value;
    }
}
