package dev.airlock.imports.serve;

import dev.airlock.error.AirlockException;
import dev.airlock.io.BoundedFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.apache.sshd.common.config.keys.AuthorizedKeyEntry;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.apache.sshd.server.auth.pubkey.PublickeyAuthenticator;
import org.apache.sshd.server.session.ServerSession;

/**
 * The keys that may log in: an OpenSSH {@code authorized_keys} file, one public key per line,
 * {@code #} comments and blank lines ignored. A line with options ({@code from=…},
 * {@code command=…}, {@code restrict}, …) is refused, naming the line: this server implements
 * none of them, and a key that looks restricted but is not would be worse than no key. A file
 * that group or others may write is refused too (anyone who can write it can let themselves in).
 *
 * <p>The file is read when the server starts (a bad file stops it there) and again whenever its
 * modification time or size changes, so a key removed from it is refused from the next login on.
 * If a changed file cannot be read or holds a bad line, every login is refused (fail closed) and
 * the reason is logged once, until the file is fixed.
 *
 * <p>Every refused key is reported to {@code refusals} with its type, its {@code SHA256:}
 * fingerprint (as {@code ssh-keygen -l} prints it), the client's user name and address: that is
 * how an admin sees a sender with the wrong key, or someone guessing. The caller bounds how many
 * of those lines reach the log.
 */
final class AuthorizedKeys implements PublickeyAuthenticator {
    private static final Set<PosixFilePermission> WRITABLE_BY_OTHERS = Set.of(PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.OTHERS_WRITE);

    private final Path file;
    private final Consumer<String> log;
    private final BiConsumer<ServerSession, String> refusals;
    private List<PublicKey> keys;
    private Object stamp;
    private String failure;

    private AuthorizedKeys(Path file, Consumer<String> log, BiConsumer<ServerSession, String> refusals) {
        this.file = file;
        this.log = log;
        this.refusals = refusals;
    }

    /**
     * Reads {@code file} now; any problem is a usage error naming the file (and the line). Events go
     * to {@code log}; a refused key, with the session it came on, to {@code refusals}.
     */
    static AuthorizedKeys read(Path file, Consumer<String> log, BiConsumer<ServerSession, String> refusals) {
        AuthorizedKeys a = new AuthorizedKeys(file, log, refusals);
        a.keys = parse(file);
        a.stamp = a.currentStamp();
        return a;
    }

    int size() {
        return keys.size();
    }

    /** The keys to accept now: re-read when the file changed; empty while it is broken. */
    synchronized List<PublicKey> current() {
        Object now;
        try {
            now = currentStamp();
        } catch (AirlockException e) {
            now = e.getMessage();
        }
        if (!now.equals(stamp)) {
            stamp = now;
            try {
                keys = parse(file);
                failure = null;
                log.accept("authorized keys re-read from " + file + ": " + keys.size() + (keys.size() == 1 ? " key" : " keys"));
            } catch (AirlockException e) {
                keys = List.of();
                if (!e.getMessage().equals(failure)) {
                    failure = e.getMessage();
                    log.accept("refusing every login until " + file + " is fixed: " + e.getMessage());
                }
            }
        }
        return keys;
    }

    @Override
    public boolean authenticate(String username, PublicKey key, ServerSession session) {
        for (PublicKey k : current()) {
            if (KeyUtils.compareKeys(k, key)) {
                session.setAttribute(InboxServer.KEY_FINGERPRINT, HostKey.fingerprint(key));
                return true;
            }
        }
        refusals.accept(session, "refused key " + KeyUtils.getKeyType(key) + " " + HostKey.fingerprint(key) + " (user " + username
                + ") from " + InboxServer.address(session.getClientAddress()));
        return false;
    }

    private Object currentStamp() {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return a.lastModifiedTime() + "/" + a.size() + "/" + a.fileKey();
        } catch (IOException e) {
            throw AirlockException.usage("cannot read authorized keys " + file + ": " + e);
        }
    }

    static List<PublicKey> parse(Path file) {
        List<String> lines;
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (perms.stream().anyMatch(WRITABLE_BY_OTHERS::contains)) {
                throw AirlockException.usage("authorized keys " + file + " is writable by group or others: run chmod go-w " + file);
            }
            // and not in a directory others may write, not sticky (V4), as --trust and --config (T12)
            dev.airlock.io.FileOwners.refuseWritableByOthers(file, "authorized keys", "anyone who may write it can let a key of"
                    + " theirs push, or keep every real sender's key out");
            lines = BoundedFiles.readText(file, BoundedFiles.KEY_LIST).lines().toList();
        } catch (NoSuchFileException e) {
            throw AirlockException.usage("authorized keys " + file + " does not exist");
        } catch (java.nio.file.AccessDeniedException e) {
            throw AirlockException.local(BoundedFiles.permissionDenied(file), e);
        } catch (IOException e) {
            throw AirlockException.usage("cannot read authorized keys " + file + ": " + e);
        }
        List<PublicKey> keys = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String where = "authorized keys " + file + " line " + (i + 1);
            AuthorizedKeyEntry entry;
            try {
                entry = AuthorizedKeyEntry.parseAuthorizedKeyEntry(line);
            } catch (IllegalArgumentException e) {
                throw AirlockException.usage(where + ": not a public key line (" + e.getMessage() + ")");
            }
            if (entry == null) {
                continue;
            }
            if (entry.getLoginOptions() != null && !entry.getLoginOptions().isEmpty()) {
                throw AirlockException.usage(where + ": options (" + String.join(",", entry.getLoginOptions().keySet())
                        + ") are not supported by airlock-import serve; remove them (limit client addresses with the firewall)");
            }
            try {
                PublicKey k = entry.resolvePublicKey(null, PublicKeyEntryResolver.FAILING);
                if (k == null) {
                    throw AirlockException.usage(where + ": unsupported key type " + entry.getKeyType());
                }
                keys.add(k);
            } catch (IOException | java.security.GeneralSecurityException | RuntimeException e) {
                if (e instanceof AirlockException a) {
                    throw a;
                }
                throw AirlockException.usage(where + ": cannot read the key (" + e.getMessage() + ")");
            }
        }
        if (keys.isEmpty()) {
            throw AirlockException.usage("authorized keys " + file + " lists no key: nobody could log in");
        }
        return keys;
    }
}
