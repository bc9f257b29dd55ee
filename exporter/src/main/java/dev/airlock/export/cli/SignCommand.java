package dev.airlock.export.cli;

import dev.airlock.cli.Passphrases;
import dev.airlock.crypto.BundleSigner;
import dev.airlock.crypto.OpenPgpKeys;
import dev.airlock.error.AirlockException;
import dev.airlock.io.OutputFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code sign FILE}: a detached, armored OpenPGP signature of any file (a release tarball, a
 * report) in {@code FILE.asc}, made with the same key and code as a bundle's signature, so
 * {@code gpg --verify FILE.asc FILE} or {@code sqv --keyring CERT FILE.asc FILE} checks it.
 */
@Command(name = "sign", mixinStandardHelpOptions = true,
        description = "Write FILE.asc, a detached armored OpenPGP signature of FILE that gpg --verify and sqv check.",
        footerHeading = dev.airlock.cli.Cli.EXAMPLES, footer = {
            "  # sign the release tarball once, before carrying it across with its .sha256",
            "  airlock-export sign airlock-0.1.0-linux-x86_64.tar.gz --key mirror.key.asc \\",
            "      --passphrase-file pass.txt"})
public final class SignCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "The file to sign; it is read, never changed.")
    Path file;

    @Option(names = "--key", required = true, paramLabel = "KEY.asc", description = "Secret key to sign with (from keygen).")
    Path key;

    @Option(names = "--passphrase-file", paramLabel = "FILE",
            description = "Passphrase of the key. Default: AIRLOCK_KEY_PASSPHRASE, else asked for on a terminal, else none.")
    Path passphraseFile;

    @Option(names = {"-v", "--verbose"}, description = "Print stack traces with errors.")
    boolean verbose;

    @Override
    public Integer call() {
        if (Files.isDirectory(file)) {
            throw AirlockException.usage(file + " is a directory; sign a file");
        }
        if (Files.exists(file) && !Files.isRegularFile(file)) {
            // a FIFO would block the read forever, a device never end (issue 17: regular files only)
            throw AirlockException.usage(file + " is not a regular file (a FIFO, device or socket); sign a file");
        }
        Path asc = file.resolveSibling(file.getFileName() + ".asc");
        Map<Path, String> read = new LinkedHashMap<>();
        read.put(file, "the file being signed");
        read.put(key, "the --key file");
        if (passphraseFile != null) {
            read.put(passphraseFile, "the --passphrase-file");
        }
        OutputFiles.check("the signature", asc, OutputFiles.Parents.MUST_EXIST, read);
        BundleSigner signer = new BundleSigner(OpenPgpKeys.readSecretKey(key), Passphrases.forSigning(passphraseFile, List.of(key)));
        byte[] signature;
        try (InputStream in = Files.newInputStream(file)) {
            signature = signer.sign(in);
        } catch (NoSuchFileException e) {
            throw AirlockException.usage("no such file: " + file);
        } catch (IOException e) {
            throw new UncheckedIOException(new IOException("cannot read " + file + ": " + e.getMessage(), e));
        }
        try {
            OutputFiles.write("the signature", asc, OutputFiles.Parents.MUST_EXIST, signature, false);
        } catch (IOException e) {
            throw new UncheckedIOException(new IOException("cannot write " + asc + ": " + e.getMessage(), e));
        }
        spec.commandLine().getOut().println("signature   " + asc);
        spec.commandLine().getOut().println("fingerprint " + signer.fingerprint());
        return 0;
    }
}
