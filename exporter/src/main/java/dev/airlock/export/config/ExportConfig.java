package dev.airlock.export.config;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.airlock.config.ConfigYaml;
import dev.airlock.error.AirlockException;
import java.nio.file.Path;
import java.util.List;

/**
 * The exporter's {@code --config} YAML. Same settings as the flags; flags win. Relative paths are
 * taken relative to the config file's directory. Unknown keys are an error (a typo must not
 * silently drop an image). {@code plainHttp} is also read under its old name {@code insecureRegistries}
 * (not listed among the known keys), so that existing configs keep working.
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public record ExportConfig(List<String> images, String channel, String key, String passphraseFile, String out,
        String state, @JsonAlias("insecureRegistries") List<String> plainHttp, String caFile, String authFile, String maxVolumeSize,
        Boolean verifyAfterWrite, String preset, Boolean skipMissing, GitlabSecure gitlabSecure, String attached,
        List<String> platforms, String platformIndex, String verifyPolicy) {

    /** The {@code gitlabSecure:} block: the preset's settings, over its environment variables. */
    @JsonIgnoreProperties(ignoreUnknown = false)
    public record GitlabSecure(List<String> analyzers, String analyzerVersion, String sourcePrefix, Boolean downloadImages,
            Boolean saveArtifacts) {
    }

    private static final ObjectMapper YAML = ConfigYaml.mapper();

    /** Reads {@code file} as {@link ConfigYaml} says (bounded, duplicate keys refused); unknown keys are named with the known ones. */
    public static ExportConfig load(Path file) {
        try {
            ExportConfig c = ConfigYaml.read(file, YAML, ExportConfig.class);
            return c == null ? empty() : c;
        } catch (UnrecognizedPropertyException e) {
            throw AirlockException.usage("config " + file + ": unknown setting " + ConfigYaml.shownKey(e.getPropertyName())
                    + " (known: images, channel, key, passphraseFile, out, state, plainHttp, caFile, authFile, maxVolumeSize, verifyAfterWrite, preset, skipMissing, attached, platforms, platformIndex, verifyPolicy, "
                    + "gitlabSecure: analyzers, analyzerVersion, sourcePrefix, downloadImages, saveArtifacts)");
        } catch (JsonMappingException e) {
            throw ConfigYaml.notYaml(file, e);
        }
    }

    public static ExportConfig empty() {
        return new ExportConfig(null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    /** Resolves a path setting against the directory of {@code configFile}. */
    public static Path resolve(Path configFile, String value) {
        if (value == null) {
            return null;
        }
        Path p = Path.of(value);
        return p.isAbsolute() || configFile == null ? p : configFile.toAbsolutePath().getParent().resolve(p);
    }
}
