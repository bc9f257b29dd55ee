package dev.airlock.export.sftp;

import dev.airlock.error.AirlockException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.util.Iterator;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.config.keys.FilePasswordProvider;
import org.apache.sshd.common.util.security.SecurityUtils;

/**
 * The key the push logs in with: an OpenSSH or PEM private key file (ed25519, ecdsa or RSA),
 * encrypted or not. It is the only identity offered: no ssh-agent, no {@code ~/.ssh/id_*}.
 */
final class SshIdentity {
    private SshIdentity() {
    }

    /** Reads the key pair; a missing, unreadable, undecryptable or unsupported key is a usage error (exit 2). */
    static KeyPair load(Path file, char[] passphrase) {
        AtomicBoolean asked = new AtomicBoolean();
        FilePasswordProvider password = (session, resource, retry) -> {
            asked.set(true);
            return passphrase == null ? null : new String(passphrase);
        };
        try (InputStream in = Files.newInputStream(file)) {
            Iterable<KeyPair> pairs = SecurityUtils.loadKeyPairIdentities(null, NamedResource.ofName(file.toString()), in, password);
            Iterator<KeyPair> it = pairs == null ? null : pairs.iterator();
            if (it == null || !it.hasNext()) {
                throw AirlockException.usage("identity " + file + " holds no private key");
            }
            return it.next();
        } catch (NoSuchFileException e) {
            throw AirlockException.usage("identity " + file + " does not exist");
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            if (e instanceof AirlockException a) {
                throw a;
            }
            if (asked.get() && passphrase == null) {
                throw AirlockException.usage("identity " + file + " is encrypted: give its passphrase with --identity-passphrase-file"
                        + " or " + PushRequest.PASSPHRASE_ENV);
            }
            if (asked.get()) {
                throw AirlockException.usage("cannot decrypt identity " + file + " (wrong passphrase?): " + e.getMessage());
            }
            throw AirlockException.usage("cannot read identity " + file + ": " + e.getMessage());
        }
    }
}
