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

    public static char[] read(Path file) {
        if (file != null) {
            try {
                String first = Files.readAllLines(file).stream().findFirst().orElse("");
                return first.toCharArray();
            } catch (IOException e) {
                throw AirlockException.usage("cannot read passphrase file " + file + ": " + e.getMessage());
            }
        }
        String env = System.getenv(ENV);
        return env == null ? null : env.toCharArray();
    }
}
