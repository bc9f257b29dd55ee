package dev.airlock.imports.serve;

import org.apache.sshd.sftp.common.SftpException;
import org.apache.sshd.sftp.server.SftpErrorStatusDataHandler;
import org.apache.sshd.sftp.server.SftpSubsystemEnvironment;

/**
 * A refusal whose message the inbox wrote for the sender to read (a name never replaced and where
 * the upload was kept, a quota, a name not allowed). MINA sends only a generic text per status
 * ("General failure") unless told otherwise, which left a pushing exporter guessing "is its disk
 * full?"; {@link #MESSAGES} passes these messages on and keeps MINA's generic text for every other
 * failure, whose message may name server paths.
 */
final class InboxRefusal extends SftpException {
    private static final long serialVersionUID = 1L;

    InboxRefusal(int status, String message) {
        super(status, message);
    }

    static final SftpErrorStatusDataHandler MESSAGES = new SftpErrorStatusDataHandler() {
        @Override
        public String resolveErrorMessage(SftpSubsystemEnvironment sftpSubsystem, int id, Throwable e, int subStatus, int cmd,
                Object... args) {
            return e instanceof InboxRefusal ? e.getMessage()
                    : SftpErrorStatusDataHandler.DEFAULT.resolveErrorMessage(sftpSubsystem, id, e, subStatus, cmd, args);
        }
    };
}
