package dev.airlock.export.cli;

import dev.airlock.cli.Passphrases;
import dev.airlock.error.AirlockException;
import dev.airlock.export.sftp.PushRequest;
import dev.airlock.export.sftp.SftpTarget;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/** How {@code push} and {@code bundle --push} log in to the bastion, and what they run there. */
final class SshOptions {
    @Option(names = "--identity", paramLabel = "KEY",
            description = "Private key to log in with (OpenSSH or PEM: ed25519, ecdsa, RSA). The only identity used: no agent, no ~/.ssh/id_*.")
    Path identity;

    @Option(names = "--identity-passphrase-file", paramLabel = "FILE",
            description = "Passphrase of an encrypted --identity (first line). Default: "
                    + PushRequest.PASSPHRASE_ENV + ".")
    Path identityPassphraseFile;

    @Option(names = "--known-hosts", paramLabel = "FILE",
            description = "OpenSSH known_hosts that must list the bastion's host key (default: ~/.ssh/known_hosts). "
                    + "An unknown or changed key is refused (exit 5); nothing is ever added.")
    Path knownHosts;

    @Option(names = "--remote-import", paramLabel = "COMMAND",
            description = "Run COMMAND on the bastion after the upload, over the same SSH connection; {} becomes the remote path "
                    + "of the bundle (shell-quoted). Its output is relayed and its exit code becomes ours.")
    String remoteImport;

    /** The request for {@code url}; the identity's passphrase is read here (file, else environment). */
    PushRequest request(String url, String flag, int retries, Duration idleTimeout) {
        if (retries < 1) {
            throw AirlockException.usage("--retries " + retries + ": give at least 1 (the number of tries per connection and file)");
        }
        if (idleTimeout.compareTo(Duration.ofMillis(100)) < 0) {
            throw AirlockException.usage("--idle-timeout " + idleTimeout.toMillis()
                    + "ms is too short to connect at all; give at least 100ms");
        }
        SftpTarget target = SftpTarget.parse(url);
        if (identity == null) {
            throw AirlockException.usage("missing --identity: the key to log in to " + target.hostPort() + " with " + flag);
        }
        char[] passphrase = Passphrases.read(identityPassphraseFile, PushRequest.PASSPHRASE_ENV);
        return new PushRequest(target, identity, passphrase, knownHosts, remoteImport, retries, idleTimeout);
    }

    /** Whether any of these options was given (they need a push URL). */
    boolean given() {
        return identity != null || identityPassphraseFile != null || knownHosts != null || remoteImport != null;
    }
}
