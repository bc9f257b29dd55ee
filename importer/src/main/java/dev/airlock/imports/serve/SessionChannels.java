package dev.airlock.imports.serve;

import java.io.IOException;
import java.util.function.Consumer;
import org.apache.sshd.common.channel.Channel;
import org.apache.sshd.common.channel.ChannelFactory;
import org.apache.sshd.common.session.ConnectionService;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.helpers.AbstractConnectionService;
import org.apache.sshd.server.channel.ChannelSessionFactory;
import org.apache.sshd.server.session.ServerSession;

/**
 * The one channel factory: session channels, at most {@code max} open at once per SSH session.
 * Each SFTP channel is a server thread, and one authorized session could otherwise open thousands;
 * a sender uses one. The channel past the bound is refused (MINA answers a factory's null with
 * SSH_MSG_CHANNEL_OPEN_FAILURE) and the session goes on, its other channels untouched. MINA's own
 * MAX_CONCURRENT_CHANNELS, set as a backstop, instead ends the whole session with an exception.
 */
final class SessionChannels implements ChannelFactory {
    private final int max;
    private final InboxServer server;
    private final Consumer<String> log;

    SessionChannels(int max, InboxServer server, Consumer<String> log) {
        this.max = max;
        this.server = server;
        this.log = log;
    }

    @Override
    public String getName() {
        return ChannelSessionFactory.INSTANCE.getName();
    }

    @Override
    public Channel createChannel(Session session) throws IOException {
        // Channel opens of one session are handled one at a time, each registered before the next: the count is exact.
        int open = session.getService(ConnectionService.class) instanceof AbstractConnectionService c ? c.getChannels().size() : max;
        if (open >= max) {
            log.accept("refused a channel from " + (session instanceof ServerSession s ? server.describe(s) : "?") + ": " + open
                    + " open already, at most " + max + " per session");
            return null;
        }
        return ChannelSessionFactory.INSTANCE.createChannel(session);
    }
}
