package dev.airlock.imports.serve;

import dev.airlock.error.AirlockException;
import dev.airlock.io.AtomicFiles;
import dev.airlock.io.BoundedFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.Iterator;
import java.util.Set;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.config.keys.FilePasswordProvider;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.util.security.SecurityUtils;

/**
 * The server's host key: an unencrypted OpenSSH private key file. A file that does not exist is
 * generated (ed25519), written with mode 0600 under a temporary name, fsynced and renamed into
 * place, with its public half beside it as {@code FILE.pub} (for {@code ssh-keygen -lf}). A key
 * file that group or others may read is refused, as OpenSSH's sshd refuses it: a host key anyone
 * on the machine can read lets them impersonate the inbox.
 *
 * @param generated whether this run created the file
 */
public record HostKey(Path file, KeyPair pair, boolean generated) {
    private static final Set<PosixFilePermission> OTHERS = Set.of(PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE);

    /** Loads {@code file}, or generates it when it does not exist. Bad files are usage errors, failed writes local ones. */
    public static HostKey loadOrGenerate(Path file) {
        if (!Files.exists(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return generate(file);
        }
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (perms.stream().anyMatch(OTHERS::contains)) {
                throw AirlockException.usage("host key " + file + " is readable or writable by group or others (mode "
                        + PosixFilePermissions.toString(perms) + "): run chmod 600 " + file);
            }
        } catch (java.nio.file.AccessDeniedException e) {
            throw AirlockException.local(BoundedFiles.permissionDenied(file), e);
        } catch (IOException e) {
            throw AirlockException.usage("cannot read host key " + file + ": " + e);
        }
        try (InputStream in = new java.io.ByteArrayInputStream(BoundedFiles.read(file, BoundedFiles.KEY))) {
            Iterable<KeyPair> pairs = SecurityUtils.loadKeyPairIdentities(null, NamedResource.ofName(file.toString()), in,
                    FilePasswordProvider.EMPTY);
            Iterator<KeyPair> it = pairs == null ? null : pairs.iterator();
            if (it == null || !it.hasNext()) {
                throw AirlockException.usage("host key " + file + " holds no private key");
            }
            return new HostKey(file, it.next(), false);
        } catch (NoSuchFileException e) {
            throw AirlockException.usage("host key " + file + " does not exist");
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            if (e instanceof AirlockException a) {
                throw a;
            }
            throw AirlockException.usage("cannot read host key " + file + " (an unencrypted OpenSSH private key is needed): "
                    + e.getMessage());
        }
    }

    private static HostKey generate(Path file) {
        Path dir = file.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw AirlockException.usage("cannot create host key " + file + ": directory " + dir + " does not exist");
        }
        KeyPair pair;
        try {
            pair = KeyUtils.generateKeyPair(org.apache.sshd.common.keyprovider.KeyPairProvider.SSH_ED25519, 256);
        } catch (GeneralSecurityException e) {
            throw AirlockException.internal("cannot generate an ed25519 host key: " + e, e);
        }
        String comment = "airlock-import serve";
        Path pub = dir.resolve(file.getFileName() + ".pub");
        Path tmp = null; // the temporary file writePartial creates (a fresh random name, issue 17 C2)
        try {
            java.io.ByteArrayOutputStream key = new java.io.ByteArrayOutputStream();
            OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(pair, comment, null, key);
            tmp = AtomicFiles.writePartial(file, key.toByteArray(), true);
            // The umask may have narrowed, never widened, the mode; make sure it is exactly 0600.
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            AtomicFiles.write(pub, (PublicKeyEntry.toString(pair.getPublic()) + " " + comment + "\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII), false);
            AtomicFiles.commit(tmp, file);
        } catch (IOException | GeneralSecurityException e) {
            try {
                if (tmp != null) {
                    Files.deleteIfExists(tmp);
                }
            } catch (IOException ignored) {
                // the first failure is the one to report
            }
            if (e instanceof AccessDeniedException || e instanceof java.nio.file.FileSystemException) {
                throw AirlockException.local("cannot write host key " + file + ": " + e.getMessage(), e);
            }
            throw AirlockException.local("cannot write host key " + file + ": " + e, e);
        }
        return new HostKey(file, pair, true);
    }

    /** {@code SHA256:…}, as {@code ssh-keygen -lf} prints it. */
    public String fingerprint() {
        return fingerprint(pair.getPublic());
    }

    public static String fingerprint(PublicKey key) {
        return KeyUtils.getFingerPrint(key);
    }

    /** {@code ssh-ed25519 AAAA…}. */
    public String publicKeyLine() {
        return PublicKeyEntry.toString(pair.getPublic());
    }

    public String type() {
        return KeyUtils.getKeyType(pair.getPublic());
    }

    /** The known_hosts line a client needs: {@code [host]:port TYPE KEY}, or {@code host TYPE KEY} on port 22. */
    public String knownHostsLine(String host, int port) {
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        return (port == 22 ? bare : "[" + bare + "]:" + port) + " " + publicKeyLine();
    }
}
