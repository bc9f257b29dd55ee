package dev.airlock.export.sftp;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Where to push and how to log in (the files are given to {@link PushService#push}).
 *
 * @param identity the private key to log in with; the only identity offered
 * @param identityPassphrase its passphrase, or null for an unencrypted key
 * @param knownHosts the OpenSSH known_hosts file the host key must be listed in
 * @param remoteImport a command to run on the bastion after the upload ({@code {}}: the last file's remote path), or null
 * @param retries tries per connection and per file when the connection fails without progress
 * @param idleTimeout a connection, login or transfer that moves nothing for this long is dropped and retried
 */
public record PushRequest(SftpTarget target, Path identity, char[] identityPassphrase, Path knownHosts,
        String remoteImport, int retries, Duration idleTimeout) {

    /** Where an encrypted identity's passphrase comes from when no file names it. */
    public static final String PASSPHRASE_ENV = "AIRLOCK_SSH_PASSPHRASE";

    public PushRequest {
        if (knownHosts == null) {
            knownHosts = KnownHosts.defaultFile();
        }
    }
}
