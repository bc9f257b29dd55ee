package dev.airlock.export.sftp;

import dev.airlock.error.AirlockException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;

/**
 * A command run on the bastion after the upload, over an exec channel of the push's own SSH
 * session: {@code {}} in the template becomes the remote path of the last file pushed (the bundle,
 * or the list file of a volume set), single-quoted for the remote shell.
 */
final class RemoteCommand {
    static final String PLACEHOLDER = "{}";

    private RemoteCommand() {
    }

    /** Checks a template before anything is exported or sent: it must say where the path goes. */
    static void check(String template) {
        if (template.isBlank()) {
            throw AirlockException.usage("--remote-import is empty");
        }
        if (!template.contains(PLACEHOLDER)) {
            throw AirlockException.usage("--remote-import must contain {} where the bundle's remote path goes, e.g. "
                    + "\"airlock-import import {} --trust ...\"");
        }
    }

    /** The command line with every {@code {}} replaced by {@code path}, quoted for a POSIX shell. */
    static String expand(String template, String path) {
        check(template);
        return template.replace(PLACEHOLDER, quote(path));
    }

    static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /**
     * Runs {@code command} on {@code session}, relaying its stdout and stderr as they arrive (no
     * stdin: it sees end of file at once), and returns its exit status. Waits as long as the command
     * runs; the session's heartbeats end the wait if the connection dies. A command that ends
     * without an exit status (killed by a signal, or the connection lost) is a TRANSIENT failure.
     */
    static int run(ClientSession session, String command, OutputStream out, OutputStream err, String where, Duration openTimeout)
            throws IOException {
        try (ChannelExec exec = session.createExecChannel(command)) {
            exec.setIn(InputStream.nullInputStream());
            exec.setOut(out);
            exec.setErr(err);
            exec.open().verify(openTimeout);
            Set<ClientChannelEvent> events = exec.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), 0L);
            out.flush();
            err.flush();
            Integer status = exec.getExitStatus();
            if (status != null) {
                return status;
            }
            String signal = exec.getExitSignal();
            if (signal != null) {
                throw AirlockException.transientFailure("the remote import on " + where + " was killed by signal " + signal, null);
            }
            throw AirlockException.transientFailure("the connection to " + where + " ended while the remote import ran "
                    + "(it may still be running there; " + events + ")", null);
        }
    }
}
