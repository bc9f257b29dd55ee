package dev.airlock.export.sftp;

import dev.airlock.error.AirlockException;
import dev.airlock.io.BoundedFiles;
import java.io.IOException;
import java.io.InputStream;
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
        AtomicBoolean typed = new AtomicBoolean();
        FilePasswordProvider password = (session, resource, retry) -> {
            asked.set(true);
            if (passphrase != null) {
                return new String(passphrase);
            }
            // None given: on a terminal, ask (null without one, refused below).
            char[] answer = dev.airlock.cli.Passphrases.ask("passphrase for identity " + file + ": ");
            typed.set(answer != null);
            return answer == null ? null : new String(answer);
        };
        try (InputStream in = new java.io.ByteArrayInputStream(BoundedFiles.read(file, BoundedFiles.KEY))) {
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
            if (asked.get() && passphrase == null && !typed.get()) {
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
