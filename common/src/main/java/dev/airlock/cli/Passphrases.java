package dev.airlock.cli;

import dev.airlock.crypto.OpenPgpKeys;
import dev.airlock.error.AirlockException;
import dev.airlock.io.BoundedFiles;
import java.io.Console;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.bouncycastle.bcpg.SymmetricKeyAlgorithmTags;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.bouncycastle.openpgp.PGPSecretKey;
import org.bouncycastle.openpgp.PGPSecretKeyRing;

/**
 * Key passphrases come from a file or the environment, never from the command line; on a terminal,
 * a protected key's passphrase is asked for when neither gives one.
 */
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
                return BoundedFiles.firstLine(file, BoundedFiles.SECRET).toCharArray();
            } catch (NoSuchFileException e) {
                throw AirlockException.usage("passphrase file " + file + " does not exist");
            }
        }
        String value = System.getenv(env);
        return value == null ? null : value.toCharArray();
    }

    /**
     * The passphrase to sign with {@code keyFiles}: the first line of {@code file}, else {@link #ENV};
     * else, when a key is protected, asked for on the terminal ("passphrase for key FINGERPRINT: ",
     * the primary fingerprint). Null when none is needed or there is no terminal: the signer then
     * refuses the protected key, naming --passphrase-file and {@link #ENV}.
     */
    public static char[] forSigning(Path file, List<Path> keyFiles) {
        char[] given = read(file);
        if (given != null) {
            return given;
        }
        List<String> protectedKeys = new ArrayList<>();
        for (Path k : keyFiles) {
            try {
                PGPSecretKeyRing ring = OpenPgpKeys.readSecretKey(k);
                if (isProtected(ring)) {
                    protectedKeys.add(OpenPgpKeys.fingerprint(new PGPPublicKeyRing(List.of(ring.getPublicKey()))));
                }
            } catch (AirlockException e) {
                // a missing or bad key file is reported where the key is used
            }
        }
        if (protectedKeys.isEmpty()) {
            return null;
        }
        return ask((protectedKeys.size() == 1 ? "passphrase for key " : "passphrase for keys ") + String.join(", ", protectedKeys) + ": ");
    }

    /** Asks on the terminal without echo; null when stdin and stdout are not a terminal (or at end of input). */
    public static char[] ask(String prompt) {
        Console console = terminal();
        if (console == null) {
            return null;
        }
        return console.readPassword("%s", prompt);
    }

    /** Whether any secret key of {@code ring} is encrypted (GnuPG's stubs hold no key and do not count). */
    static boolean isProtected(PGPSecretKeyRing ring) {
        Iterator<PGPSecretKey> it = ring.getSecretKeys();
        while (it.hasNext()) {
            PGPSecretKey k = it.next();
            if (!k.isPrivateKeyEmpty() && k.getKeyEncryptionAlgorithm() != SymmetricKeyAlgorithmTags.NULL) {
                return true;
            }
        }
        return false;
    }

    /** The console when there is a terminal to ask on (on JDK 22+, System.console() may exist without one). */
    private static Console terminal() {
        Console console = System.console();
        if (console == null) {
            return null;
        }
        try {
            Object terminal = Console.class.getMethod("isTerminal").invoke(console);
            return Boolean.TRUE.equals(terminal) ? console : null;
        } catch (ReflectiveOperationException before22) {
            return console;
        }
    }
}
