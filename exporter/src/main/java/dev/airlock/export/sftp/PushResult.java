package dev.airlock.export.sftp;

import java.util.List;

/**
 * What a push did.
 *
 * @param remoteExitCode the remote import's exit status, or null when none was run
 * @param remoteImport the --remote-import template that was run, or null when none was
 */
public record PushResult(String target, List<File> files, Integer remoteExitCode, String remoteImport) {

    /**
     * One file pushed.
     *
     * @param local the local file's path
     * @param resumedFrom bytes already on the bastion (checked) when this run started on the file
     * @param sent bytes this run sent for the file, counting any re-sent after a dropped connection
     * @param reconnects connections lost and made again while this file was being pushed
     */
    public record File(String local, String remote, long size, long resumedFrom, long sent, int reconnects) {
    }
}
