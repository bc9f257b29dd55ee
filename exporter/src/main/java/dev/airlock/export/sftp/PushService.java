package dev.airlock.export.sftp;

import dev.airlock.error.AirlockException;
import dev.airlock.io.Backoff;
import dev.airlock.io.LocalIoException;
import dev.airlock.io.Trace;
import dev.airlock.io.TransferListener;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.sftp.client.SftpClient;
import org.apache.sshd.sftp.client.SftpClientFactory;
import org.apache.sshd.sftp.common.SftpConstants;
import org.apache.sshd.sftp.common.SftpException;

/**
 * Pushes finished files to a bastion over SFTP, in the order given, each through
 * {@link SftpUpload} ({@code .part}, resume, fsync, rename), then optionally runs the remote import
 * over the same SSH session. A dropped connection is made again, with exponential backoff and
 * jitter, and the file resumes where the bastion's {@code .part} ends; a try whose bytes the
 * bastion kept resets the count of tries. No CLI types in here.
 *
 * <p>Failure kinds: host key unknown, changed or revoked: {@code TRANSIENT} (exit 5, never retried);
 * login refused: {@code AUTH_REFUSED}; a missing or unwritable remote directory: {@code USAGE}; a
 * local file that cannot be read: {@code LOCAL}; the connection failing on every try, or the
 * server failing a write (a full disk): {@code TRANSIENT}.
 */
public final class PushService {
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(250);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(8);

    private final PushRequest request;
    private final KnownHosts knownHosts;
    private final KeyPair identity;
    private final Supplier<TransferListener> progress;
    private final PrintWriter notes;

    private BastionClient client;
    private ClientSession session;
    private SftpClient sftp;
    private boolean dirChecked;

    /**
     * Checks everything that needs no network at once (identity, passphrase, known_hosts, the
     * remote-import template), so that a bundle with {@code --push} fails before it is exported.
     *
     * @param progress a new listener for each file (its bar or its lines)
     * @param notes where reconnections are reported (stderr)
     */
    public PushService(PushRequest request, Supplier<TransferListener> progress, PrintWriter notes) {
        this.request = request;
        if (request.remoteImport() != null) {
            RemoteCommand.check(request.remoteImport());
        }
        Trace.mark("push: reading known_hosts");
        this.knownHosts = KnownHosts.read(request.knownHosts());
        Trace.mark("push: reading identity");
        this.identity = SshIdentity.load(request.identity(), request.identityPassphrase());
        Trace.mark("push: identity read");
        this.progress = progress;
        this.notes = notes;
    }

    /**
     * Pushes {@code files} in order (the last one last: a watcher takes its arrival as "complete"),
     * then runs the remote import, relaying its output to {@code remoteOut} and {@code remoteErr}.
     */
    public PushResult push(List<Path> files, OutputStream remoteOut, OutputStream remoteErr) {
        if (files.isEmpty()) {
            throw AirlockException.usage("nothing to push");
        }
        Set<String> names = new HashSet<>();
        for (Path f : files) {
            if (!Files.isRegularFile(f) || !Files.isReadable(f)) {
                throw AirlockException.local("cannot push " + f + ": not a readable file", null);
            }
            if (!names.add(f.getFileName().toString())) {
                throw AirlockException.usage("two files to push have the same name " + f.getFileName());
            }
        }
        List<PushResult.File> pushed = new ArrayList<>();
        Integer exit = null;
        client = new BastionClient(request.target(), knownHosts, identity, request.idleTimeout());
        Trace.mark("push: client started");
        try {
            for (Path f : files) {
                pushed.add(pushOne(f));
            }
            if (request.remoteImport() != null) {
                String last = request.target().path(files.get(files.size() - 1).getFileName().toString());
                String command = RemoteCommand.expand(request.remoteImport(), last);
                ClientSession s = connected("run the remote import");
                try {
                    exit = RemoteCommand.run(s, command, remoteOut, remoteErr, request.target().hostPort(), request.idleTimeout());
                } catch (IOException e) {
                    throw AirlockException.transientFailure("the remote import on " + request.target().hostPort()
                            + " failed to start or lost its connection: " + describe(e), e);
                }
            }
        } finally {
            disconnect();
            client.close();
        }
        return new PushResult(request.target().toString(), pushed, exit, exit == null ? null : request.remoteImport());
    }

    private PushResult.File pushOne(Path file) {
        String remote = request.target().path(file.getFileName().toString());
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw AirlockException.local("cannot read " + file + ": " + e, e);
        }
        AtomicLong sent = new AtomicLong();
        long firstFrom = -1;
        int reconnects = 0;
        int failures = 0;
        // Progress is what the bastion kept: a try that starts further into the file than the try
        // before proves that one's bytes landed, and resets the count of failures in a row.
        long[] lastStart = {-1};
        while (true) {
            long[] start = {-1};
            int failuresBefore = failures;
            try {
                SftpClient c = sftp("push " + file.getFileName());
                long f = new SftpUpload(c).run(file, size, remote, progress.get(), sent, at -> start[0] = at);
                return new PushResult.File(file.toString(), remote, size, firstFrom < 0 ? f : firstFrom, sent.get(), reconnects);
            } catch (LocalIoException e) {
                throw AirlockException.local(e.getMessage(), e);
            } catch (SftpException e) {
                throw refused(e, remote);
            } catch (IOException e) {
                disconnect();
                failures = start[0] > lastStart[0] && lastStart[0] >= 0 ? 1 : failuresBefore + 1;
                if (start[0] >= 0) {
                    firstFrom = firstFrom < 0 ? start[0] : firstFrom;
                    lastStart[0] = Math.max(lastStart[0], start[0]);
                }
                if (failures >= request.retries()) {
                    throw AirlockException.transientFailure("pushing " + file + " to " + request.target() + " failed "
                            + failures + (failures == 1 ? " time" : " times in a row") + ": " + describe(e), e);
                }
                Duration wait = backoff(failures);
                notes.printf("push of %s to %s interrupted (%s); reconnecting in %.1f s to go on from what the bastion kept%n",
                        file.getFileName(), request.target().hostPort(), describe(e), wait.toMillis() / 1000.0);
                notes.flush();
                Backoff.sleep(wait);
                reconnects++;
            }
        }
    }

    /** The SFTP client of the current session, connecting first if there is none. */
    private SftpClient sftp(String purpose) throws IOException {
        if (sftp == null || !sftp.isOpen()) {
            ClientSession s = connected(purpose);
            sftp = SftpClientFactory.instance().createSftpClient(s);
            Trace.mark("ssh: sftp channel open");
            if (!dirChecked) {
                checkDirectory(sftp);
                dirChecked = true;
            }
        }
        return sftp;
    }

    /** The current session, connecting (with the same retries) if there is none. */
    private ClientSession connected(String purpose) {
        int failures = 0;
        while (session == null || !session.isOpen()) {
            disconnect();
            try {
                session = client.connect();
            } catch (IOException e) {
                failures++;
                if (failures >= request.retries()) {
                    throw AirlockException.transientFailure("cannot connect to " + request.target().hostPort() + " to " + purpose
                            + " (" + failures + (failures == 1 ? " try" : " tries") + "): " + describe(e), e);
                }
                Duration wait = backoff(failures);
                notes.printf("cannot connect to %s (%s); trying again in %.1f s%n", request.target().hostPort(), describe(e),
                        wait.toMillis() / 1000.0);
                notes.flush();
                Backoff.sleep(wait);
            }
        }
        return session;
    }

    /** What airlock-import serve says of a name it holds with other bytes (InboxSftpSubsystem.deliver). */
    private static final String NEVER_REPLACED = "is never replaced";

    private void checkDirectory(SftpClient c) throws IOException {
        String dir = request.target().dir();
        try {
            if (!c.stat(dir).isDirectory()) {
                throw AirlockException.usage("remote " + dir + " on " + request.target().hostPort() + " is not a directory");
            }
        } catch (SftpException e) {
            throw refused(e, dir);
        }
    }

    private AirlockException refused(SftpException e, String path) {
        String where = request.target().hostPort() + ":" + path;
        if (String.valueOf(e.getMessage()).contains(NEVER_REPLACED)) {
            // airlock-import serve holds another file under this name, waiting for import: a retry cannot help.
            return AirlockException.usage("the bastion refused " + where + ": " + e.getMessage());
        }
        return switch (e.getStatus()) {
            case SftpConstants.SSH_FX_NO_SUCH_FILE, SftpConstants.SSH_FX_NO_SUCH_PATH ->
                AirlockException.usage("remote directory of " + where + " does not exist (" + e.getMessage() + ")");
            case SftpConstants.SSH_FX_PERMISSION_DENIED ->
                AirlockException.usage("permission denied on " + where + " (" + e.getMessage() + ")");
            // A server that says why (airlock-import serve: a quota, a .part still being written) is quoted as it is;
            // a bare status ("Failure", "General failure") is most often a full disk.
            default -> AirlockException.transientFailure("the bastion failed writing " + where + ": " + e.getMessage()
                    + (String.valueOf(e.getMessage()).matches("(?i)(general )?failure") ? " (is its disk full?)" : ""), e);
        };
    }

    private void disconnect() {
        if (sftp != null) {
            try {
                sftp.close();
            } catch (IOException | RuntimeException ignored) {
                // the session goes next anyway
            }
            sftp = null;
        }
        if (session != null) {
            session.close(true);
            session = null;
        }
    }

    private static Duration backoff(int failures) {
        return Backoff.after(failures, FIRST_BACKOFF, MAX_BACKOFF);
    }

    private static String describe(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }
}
