package dev.airlock.export.sftp;

/**
 * The line for a remote import that exited with a status other than 0: what the status means
 * where it is not the importer's own (127: the bastion's shell found no such command), and how to
 * run the import again. A retry is safe: the bundle stays on the bastion under its final name, a
 * second push of the same files replaces them with the same bytes, and the importer does nothing
 * for a bundle it has already applied.
 */
public final class RemoteImportFailure {
    /** What a POSIX shell exits with when it finds no command of that name (or no file at that path). */
    static final int COMMAND_NOT_FOUND = 127;

    private RemoteImportFailure() {
    }

    /** The message (without the program's prefix) for {@code r}, whose remote import exited with a non-zero status. */
    public static String describe(PushResult r) {
        String remote = r.files().isEmpty() ? null : r.files().get(r.files().size() - 1).remote();
        return "the remote import on " + r.target() + " exited with " + r.remoteExitCode() + notFound(r) + retry(remote);
    }

    private static String notFound(PushResult r) {
        if (r.remoteExitCode() != COMMAND_NOT_FOUND || r.remoteImport() == null) {
            return "";
        }
        String first = r.remoteImport().strip().split("\\s+", 2)[0];
        if (first.contains("/")) {
            return ": the bastion's shell found no command " + first + " (check that path on the bastion)";
        }
        return ": the bastion's shell did not find '" + first + "' on the PATH of a non-interactive SSH session (which reads no"
                + " login profile); give its full path in --remote-import, e.g. /usr/local/bin/airlock-import (or"
                + " /opt/airlock/bin/airlock-import, where install.sh puts it)";
    }

    private static String retry(String remote) {
        return remote == null ? "" : "; " + remote + " stays on the bastion: once the cause is fixed, run the import there again,"
                + " or run airlock-export push again with the same files and --remote-import (an import already applied does nothing)";
    }
}
