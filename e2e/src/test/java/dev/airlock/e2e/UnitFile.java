package dev.airlock.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A systemd unit file read the way systemd reads the parts the tests look at: continuation lines
 * (a trailing backslash) joined, comments ({@code #}, {@code ;}) and section headers left out, every
 * {@code Key=value} kept in order (a key may repeat: {@code ReadWritePaths=} adds up). Only enough
 * of systemd.syntax(7) for the shipped units; {@code systemd-analyze verify} checks the rest.
 */
record UnitFile(Path path, Map<String, List<String>> settings) {

    static UnitFile read(Path path) throws IOException {
        String joined = Files.readString(path).replaceAll("\\\\\\n", " ");
        Map<String, List<String>> settings = new LinkedHashMap<>();
        for (String line : joined.lines().map(String::strip).toList()) {
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";") || line.startsWith("[")) {
                continue;
            }
            int eq = line.indexOf('=');
            settings.computeIfAbsent(line.substring(0, eq).strip(), k -> new ArrayList<>()).add(line.substring(eq + 1).strip());
        }
        return new UnitFile(path, settings);
    }

    /** ExecStart's command line, split at white space (the shipped units quote nothing). */
    List<String> execStart() {
        List<String> lines = settings.getOrDefault("ExecStart", List.of());
        if (lines.size() != 1) {
            throw new AssertionError(path + ": expected one ExecStart=, found " + lines);
        }
        return Arrays.asList(lines.get(0).split("\\s+"));
    }

    /** The program ExecStart runs. */
    Path program() {
        return Path.of(execStart().get(0));
    }

    /** The word after {@code option} on ExecStart's command line. */
    String option(String option) {
        List<String> words = execStart();
        int i = words.indexOf(option);
        if (i < 0 || i + 1 >= words.size()) {
            throw new AssertionError(path + ": ExecStart has no " + option + " VALUE: " + words);
        }
        return words.get(i + 1);
    }

    /** Every path of every ReadWritePaths= line. */
    List<String> readWritePaths() {
        return settings.getOrDefault("ReadWritePaths", List.of()).stream().flatMap(v -> Arrays.stream(v.split("\\s+"))).toList();
    }
}
