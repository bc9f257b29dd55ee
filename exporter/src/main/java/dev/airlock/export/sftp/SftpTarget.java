package dev.airlock.export.sftp;

import dev.airlock.error.AirlockException;
import java.net.URI;
import java.net.URISyntaxException;

/**
 * Where a push goes: {@code sftp://USER@HOST[:PORT]/DIR}. The path is absolute, as curl reads it;
 * {@code sftp://USER@HOST/~/DIR} names DIR under the login directory.
 *
 * @param host a name or address as given (IPv6 without brackets); it is also the name looked up in known_hosts
 * @param dir the remote directory: absolute, or relative to the login directory ({@code "."} for the login directory itself)
 */
public record SftpTarget(String user, String host, int port, String dir) {
    public static final int DEFAULT_PORT = 22;

    public static SftpTarget parse(String url) {
        URI u;
        try {
            u = new URI(url);
        } catch (URISyntaxException e) {
            throw bad(url, e.getReason());
        }
        if (!"sftp".equalsIgnoreCase(u.getScheme())) {
            throw bad(url, "the scheme must be sftp://");
        }
        if (u.getRawUserInfo() == null || u.getUserInfo().isEmpty() || u.getUserInfo().contains(":")) {
            throw bad(url, "name the user as sftp://USER@HOST/DIR (no password: the login is by --identity key only)");
        }
        String host = u.getHost();
        if (host == null || host.isEmpty()) {
            throw bad(url, "no host");
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (u.getPort() != -1 && (u.getPort() < 1 || u.getPort() > 65535)) {
            throw bad(url, "the port must be 1 to 65535 (22 when left out)");
        }
        String path = u.getPath();
        if (path == null || path.isEmpty() || path.equals("/")) {
            throw bad(url, "name the remote directory, as sftp://USER@HOST/DIR (or /~/DIR under the login directory)");
        }
        if (u.getQuery() != null || u.getFragment() != null) {
            throw bad(url, "no query or fragment is allowed");
        }
        String dir;
        if (path.equals("/~") || path.equals("/~/")) {
            dir = ".";
        } else if (path.startsWith("/~/")) {
            dir = path.substring(3);
        } else {
            dir = path;
        }
        while (dir.length() > 1 && dir.endsWith("/")) {
            dir = dir.substring(0, dir.length() - 1);
        }
        return new SftpTarget(u.getUserInfo(), host, u.getPort() == -1 ? DEFAULT_PORT : u.getPort(), dir);
    }

    private static AirlockException bad(String url, String why) {
        return AirlockException.usage("'" + url + "' is not an sftp://USER@HOST[:PORT]/DIR address: " + why);
    }

    /** The remote path of a file named {@code name} in {@link #dir}. */
    public String path(String name) {
        return dir.equals(".") ? name : dir.endsWith("/") ? dir + name : dir + "/" + name;
    }

    /** {@code HOST:PORT}, with IPv6 addresses in brackets: for messages. */
    public String hostPort() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    @Override
    public String toString() {
        String p = dir.startsWith("/") ? dir : "/~/" + (dir.equals(".") ? "" : dir);
        return "sftp://" + user + "@" + hostPort() + p;
    }
}
