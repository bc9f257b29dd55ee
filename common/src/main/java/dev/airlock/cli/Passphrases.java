package dev.airlock.cli;

import dev.airlock.error.AirlockException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Key passphrases come from a file or the environment, never from the command line. */
public final class Passphrases {
    public static final String ENV = "AIRLOCK_KEY_PASSPHRASE";

    private Passphrases() {
    }

    /** The signing key's passphrase: the first line of {@code file}, else {@link #ENV}, else null. */
    public static char[] read(Path file) {
        return read(file, ENV);
    }

    /** A passphrase: the first line of {@code file}, else the environment variable {@code env}, else null. */
    public static char[] read(Path file, String env) {
        if (file != null) {
            try {
                String first = Files.readAllLines(file).stream().findFirst().orElse("");
                return first.toCharArray();
            } catch (IOException e) {
                throw AirlockException.usage("cannot read passphrase file " + file + ": " + e.getMessage());
            }
        }
        String value = System.getenv(env);
        return value == null ? null : value.toCharArray();
    }
}
