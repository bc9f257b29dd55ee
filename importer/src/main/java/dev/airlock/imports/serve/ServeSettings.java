package dev.airlock.imports.serve;

import java.nio.file.Path;
import java.time.Duration;

/**
 * What {@link InboxServer} needs: where to listen, its host key, who may log in, where files land,
 * and the limits that keep a client from filling the disk or holding the server.
 *
 * @param host the address to listen on (an IP address or a name, e.g. {@code 0.0.0.0})
 * @param port the TCP port; 0 picks a free one ({@link InboxServer#port()} tells which)
 * @param maxUploadSize the most bytes one file may have; 0 for no limit besides {@code minFree}
 * @param minFree a write that would leave less than this free in the inbox's file system is refused
 * @param idleTimeout a session that moves nothing for this long is closed
 * @param maxSessions logged-in sessions at once; one more is closed right after its login. Connections
 *     that have not logged in yet are bounded apart from this, by fixed bounds ({@link SessionLimits}),
 *     so that strangers holding sockets open cannot take the senders' places
 */
public record ServeSettings(String host, int port, Path hostKey, Path authorizedKeys, Path inbox, long maxUploadSize, long minFree,
        Duration idleTimeout, int maxSessions) {
}
