package dev.airlock.cli;

import dev.airlock.crypto.OpenPgpKeys;
import dev.airlock.error.AirlockException;
import dev.airlock.io.OutputFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code keygen} on either side; each program's subclass says what its key signs and where the
 * certificate goes (bundles and the importer's --trust; receipts and the exporter's receipt --trust),
 * and declares --cert with that text.
 */
@Command(name = "keygen", mixinStandardHelpOptions = true)
public abstract class KeygenCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    VerboseMixin output;

    @Option(names = "--uid", required = true, paramLabel = "\"NAME <EMAIL>\"", description = "User ID of the key.")
    String uid;

    @Option(names = "--key", required = true, paramLabel = "OUT.key.asc", description = "Where to write the secret key (missing directories are created).")
    Path key;

    @Option(names = "--passphrase-file", paramLabel = "FILE",
            description = "Protect the secret key with the passphrase in FILE (first line). Default: AIRLOCK_KEY_PASSPHRASE, else none.")
    Path passphraseFile;

    @Option(names = "--force", description = "Replace existing key files.")
    boolean force;

    /** --cert: where the public certificate goes. */
    protected abstract Path cert();

    @Override
    public Integer call() throws IOException {
        Path cert = cert();
        Map<Path, String> read = new LinkedHashMap<>();
        if (passphraseFile != null) {
            read.put(passphraseFile, "the --passphrase-file");
        }
        OutputFiles.check("--key", key, OutputFiles.Parents.CREATE, read);
        read.put(key, "the --key file");
        OutputFiles.check("--cert", cert, OutputFiles.Parents.CREATE, read);
        if (!force) {
            for (Path p : new Path[] {key, cert}) {
                if (Files.exists(p)) {
                    throw AirlockException.usage(p + " already exists; pass --force to replace it");
                }
            }
        }
        OpenPgpKeys.Generated g = OpenPgpKeys.generate(uid, Passphrases.read(passphraseFile));
        OutputFiles.write("--key", key, OutputFiles.Parents.CREATE, g.secretArmored(), true);
        OutputFiles.write("--cert", cert, OutputFiles.Parents.CREATE, g.certArmored(), false);
        spec.commandLine().getOut().println("fingerprint " + g.fingerprint());
        spec.commandLine().getOut().println("secret key  " + key);
        spec.commandLine().getOut().println("certificate " + cert);
        return 0;
    }
}
