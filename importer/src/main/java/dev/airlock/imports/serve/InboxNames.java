package dev.airlock.imports.serve;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.sshd.sftp.common.SftpConstants;
import org.apache.sshd.sftp.common.SftpException;

/**
 * Which remote paths a client may name: the inbox itself ({@code /}, {@code .}, the empty path)
 * and plain file names directly in it. Absolute and relative paths are both read from the
 * inbox's root; a {@code ..} anywhere, a second path component, a name starting with a dot (the
 * server's own temporary names, and what the watcher ignores) or with anything but a letter or
 * digit, characters outside {@code A-Z a-z 0-9 . _ + -}, and the watcher's {@code done} and
 * {@code rejected} are refused before the file system is touched.
 */
final class InboxNames {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+-]{0,199}");
    private static final Set<String> RESERVED = Set.of("done", "rejected");
    /** {@link #temp}'s names, and nothing else: {@code .NAME.} twelve lower-case hex digits {@code .upload}. */
    private static final Pattern TEMP = Pattern.compile("\\.(" + NAME.pattern() + ")\\.[0-9a-f]{12}\\.upload");
    private static final SecureRandom RANDOM = new SecureRandom();

    static final String PART = ".part";

    private InboxNames() {
    }

    /** {@code null} for the inbox itself, else the file name; a path outside the rules is refused with PERMISSION_DENIED. */
    static String nameOrRoot(String remote) throws SftpException {
        String name = null;
        for (String c : remote.split("/", -1)) {
            if (c.isEmpty() || c.equals(".")) {
                continue;
            }
            if (name != null || c.equals("..")) {
                throw denied(remote, "outside the inbox");
            }
            name = c;
        }
        if (name != null && (!NAME.matcher(name).matches() || RESERVED.contains(name))) {
            throw denied(remote, "not a name a client may use in the inbox");
        }
        return name;
    }

    /** The file name; the inbox itself and anything outside the rules are refused. */
    static String name(String remote) throws SftpException {
        String n = nameOrRoot(remote);
        if (n == null) {
            throw denied(remote, "the inbox itself");
        }
        return n;
    }

    /** The temporary name a plain upload of {@code name} is written under, {@code .NAME.RANDOM.upload}: a dot name no client may use. */
    static String temp(String name) {
        byte[] b = new byte[6];
        RANDOM.nextBytes(b);
        return "." + name + "." + HexFormat.of().formatHex(b) + ".upload";
    }

    /** Whether {@code file} is a name {@link #temp} makes. */
    static boolean isTemp(String file) {
        return TEMP.matcher(file).matches();
    }

    static boolean isPart(String name) {
        return name.endsWith(PART) && name.length() > PART.length();
    }

    static SftpException denied(String remote, String why) {
        return new InboxRefusal(SftpConstants.SSH_FX_PERMISSION_DENIED, remote + ": permission denied (" + why + ")");
    }
}
