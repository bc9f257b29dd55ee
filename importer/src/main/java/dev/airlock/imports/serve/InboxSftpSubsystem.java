package dev.airlock.imports.serve;

import dev.airlock.io.NoReplaceDelivery;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.CopyOption;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.sftp.common.SftpConstants;
import org.apache.sshd.sftp.common.SftpException;
import org.apache.sshd.sftp.common.extensions.openssh.FsyncExtensionParser;
import org.apache.sshd.sftp.common.extensions.openssh.LimitsExtensionParser;
import org.apache.sshd.sftp.common.extensions.openssh.PosixRenameExtensionParser;
import org.apache.sshd.sftp.server.FileHandle;
import org.apache.sshd.sftp.server.Handle;
import org.apache.sshd.sftp.server.SftpFileSystemAccessor;
import org.apache.sshd.sftp.server.SftpSubsystem;
import org.apache.sshd.sftp.server.SftpSubsystemFactory;
import org.apache.sshd.sftp.server.SftpSubsystemProxy;

/**
 * MINA's SFTP subsystem with a write-only inbox in front of it. Allowed, and nothing else:
 * <ul>
 * <li>{@code realpath} of the inbox itself; {@code stat}/{@code lstat} of the inbox and of regular
 * files directly in it (never following a link: anything else reads as "no such file");</li>
 * <li>writing a file: a plain name {@code NAME} is written as {@code .NAME.RANDOM.upload} and renamed
 * to {@code NAME} (after an fsync) when the client closes it, so the watcher never sees a partial
 * file under a name it takes; a name ending in {@code .part} (the exporter's own partial name) is
 * written as it is, resumable, in serve's own directory of them ({@link PartsDirectory});</li>
 * <li>reading back a {@code .part} (the exporter's resume compares it with its file);</li>
 * <li>renaming {@code NAME.part} to {@code NAME} ({@code rename}, or {@code posix-rename@openssh.com},
 * which never replaces a {@code NAME} there either: see {@link #deliver}), only while no handle of any session has
 * {@code NAME.part} open for writing ({@link OpenWriters}); the extensions {@code fsync@openssh.com} and
 * {@code limits@openssh.com}.</li>
 * </ul>
 * Refused: listing a directory, reading anything else, removing, making directories, symbolic and
 * hard links, changing attributes, locks, and every other extension (copy, hashes, …). Each write
 * is checked, by where it ends (offset + length), against the per-file limit and the free space to
 * keep ({@link Quota}); the write that would pass either fails with an SFTP failure and the partial
 * file is removed. All real file operations use
 * paths built here from a checked name ({@link InboxNames}), never the client's path, and open
 * with {@code NOFOLLOW_LINKS}; the subsystem's own file system is also rooted at the inbox.
 */
final class InboxSftpSubsystem extends SftpSubsystem {
    private static final Set<String> EXTENSIONS = Set.of(FsyncExtensionParser.NAME, PosixRenameExtensionParser.NAME,
            LimitsExtensionParser.NAME);

    /** A file being written through one handle. {@code target} is null for a {@code .part}, written in place (in {@link PartsDirectory}). */
    private static final class Upload {
        final String name;
        final Path file;
        final Path target;
        volatile String refusal;

        Upload(String name, Path file, Path target) {
            this.name = name;
            this.file = file;
            this.target = target;
        }
    }

    private final InboxServer server;
    private final Path inbox;
    /** This session's key's directory of {@code .part} files ({@link PartsDirectory#forKey}): another key's are never named. */
    private final Path parts;
    private final Map<String, Upload> uploads = new ConcurrentHashMap<>();
    /** Who this channel belongs to, for the log (taken now: a closed session forgets its login). */
    private final String who;
    /** Its session, whose SFTP-level idle time each request renews ({@link SftpIdle}). */
    private final org.apache.sshd.server.session.ServerSession session;

    private InboxSftpSubsystem(ChannelSession channel, SftpSubsystemFactory factory, InboxServer server) {
        super(channel, factory);
        this.server = server;
        this.session = channel.getServerSession();
        this.inbox = server.inbox();
        this.parts = PartsDirectory.forKey(server.parts(), session.getAttribute(InboxServer.KEY_FINGERPRINT));
        this.who = server.describe(channel.getServerSession());
    }

    /** The factory: one subsystem per SFTP channel, all sharing the server's settings and log. */
    static SftpSubsystemFactory factory(InboxServer server) {
        SftpSubsystemFactory f = new SftpSubsystemFactory() {
            @Override
            public org.apache.sshd.server.command.Command createSubsystem(ChannelSession channel) {
                return new InboxSftpSubsystem(channel, this, server);
            }
        };
        f.setFileSystemAccessor(new RefusingAccessor(server.inbox()));
        f.setErrorStatusDataHandler(InboxRefusal.MESSAGES);
        return f;
    }

    private String who() {
        return who;
    }

    /** The request loop; the server waits for it to end (its closeAllHandles' lines logged) before it says it stopped. */
    @Override
    public void run() {
        server.subsystemStarted(this);
        try {
            super.run();
        } finally {
            server.subsystemEnded(this);
        }
    }

    private void refused(String what, String path) {
        server.log("refused " + what + (path == null ? "" : " " + path) + " from " + who());
    }

    // ---------------------------------------------------------------- dispatch: allow-list by request type

    @Override
    protected void doProcess(Buffer buffer, int length, int type, int id) throws IOException {
        SftpIdle.begin(session);
        try {
            dispatch(buffer, length, type, id);
        } finally {
            SftpIdle.end(session); // a long request (a close's fsync and hash) is not idleness until it ends
        }
    }

    private void dispatch(Buffer buffer, int length, int type, int id) throws IOException {
        switch (type) {
            case SftpConstants.SSH_FXP_INIT, SftpConstants.SSH_FXP_OPEN, SftpConstants.SSH_FXP_CLOSE, SftpConstants.SSH_FXP_READ,
                    SftpConstants.SSH_FXP_WRITE, SftpConstants.SSH_FXP_FSTAT, SftpConstants.SSH_FXP_STAT, SftpConstants.SSH_FXP_LSTAT,
                    SftpConstants.SSH_FXP_RENAME, SftpConstants.SSH_FXP_EXTENDED -> super.doProcess(buffer, length, type, id);
            case SftpConstants.SSH_FXP_REALPATH -> {
                String path = peekString(buffer);
                try {
                    if (InboxNames.nameOrRoot(path) != null) {
                        throw InboxNames.denied(path, "only the inbox itself is resolved");
                    }
                } catch (SftpException e) {
                    refused("realpath", path);
                    sendStatus(prepareReply(buffer), id, e.getStatus(), e.getMessage());
                    return;
                }
                super.doProcess(buffer, length, type, id);
            }
            default -> {
                String what = SftpConstants.getCommandMessageName(type);
                String path = switch (type) {
                    case SftpConstants.SSH_FXP_OPENDIR, SftpConstants.SSH_FXP_REMOVE, SftpConstants.SSH_FXP_MKDIR,
                            SftpConstants.SSH_FXP_RMDIR, SftpConstants.SSH_FXP_SETSTAT, SftpConstants.SSH_FXP_READLINK,
                            SftpConstants.SSH_FXP_SYMLINK, SftpConstants.SSH_FXP_LINK -> peekString(buffer);
                    default -> null;
                };
                refused(what, path);
                sendStatus(prepareReply(buffer), id, SftpConstants.SSH_FX_PERMISSION_DENIED,
                        what + ": permission denied (this inbox takes uploads only)");
            }
        }
    }

    @Override
    protected void executeExtendedCommand(Buffer buffer, int id, String extension) throws IOException {
        if (EXTENSIONS.contains(extension)) {
            super.executeExtendedCommand(buffer, id, extension);
            return;
        }
        refused("extension " + extension, null);
        sendStatus(prepareReply(buffer), id, SftpConstants.SSH_FX_OP_UNSUPPORTED, extension + " is not supported by this inbox");
    }

    private static String peekString(Buffer buffer) {
        int pos = buffer.rpos();
        try {
            return buffer.getString();
        } catch (RuntimeException e) {
            return "?";
        } finally {
            buffer.rpos(pos);
        }
    }

    // ---------------------------------------------------------------- stat

    @Override
    protected Map<String, Object> doStat(int id, String path, int flags) throws IOException {
        return statChecked(id, path, flags);
    }

    @Override
    protected Map<String, Object> doLStat(int id, String path, int flags) throws IOException {
        return statChecked(id, path, flags);
    }

    /** Both stat forms read as lstat of a regular file in the inbox (or of the inbox); anything else does not exist. */
    private Map<String, Object> statChecked(int id, String path, int flags) throws IOException {
        String name;
        try {
            name = InboxNames.nameOrRoot(path);
        } catch (SftpException e) {
            refused("stat", path);
            throw e;
        }
        if (name == null) {
            return super.doLStat(id, "/", flags);
        }
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(local(name), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            throw new InboxRefusal(SftpConstants.SSH_FX_NO_SUCH_FILE, path + ": no such file");
        }
        if (!a.isRegularFile()) {
            throw new InboxRefusal(SftpConstants.SSH_FX_NO_SUCH_FILE, path + ": no such file");
        }
        return super.doLStat(id, remote(name), flags);
    }

    // ---------------------------------------------------------------- open, write, close

    @Override
    protected String doOpen(int id, String path, int pflags, int access, Map<String, Object> attrs) throws IOException {
        String name;
        try {
            name = InboxNames.name(path);
        } catch (SftpException e) {
            refused("open", path);
            throw e;
        }
        boolean read = (access & SftpConstants.ACE4_READ_DATA) != 0;
        boolean write = (access & (SftpConstants.ACE4_WRITE_DATA | SftpConstants.ACE4_APPEND_DATA)) != 0;
        boolean append = (pflags & (SftpConstants.SSH_FXF_APPEND_DATA | SftpConstants.SSH_FXF_APPEND_DATA_ATOMIC)) != 0;
        int disposition = pflags & SftpConstants.SSH_FXF_ACCESS_DISPOSITION;
        if (read && write) {
            refused("open for reading and writing", path);
            throw InboxNames.denied(path, "files are opened either to write or to read back a .part");
        }
        if (read) {
            if (!InboxNames.isPart(name)) {
                refused("read", path);
                throw InboxNames.denied(path, "only a .part upload may be read back");
            }
            String handle = super.doOpen(id, remote(name), SftpConstants.SSH_FXF_OPEN_EXISTING,
                    SftpConstants.ACE4_READ_DATA | SftpConstants.ACE4_READ_ATTRIBUTES, Map.of());
            return handle;
        }
        if (InboxNames.isPart(name)) {
            // counted server-wide until closed, so no rename delivers it while this handle can still write
            PartsDirectory.ensure(parts);
            String handle = server.writers().open(local(name),
                    () -> super.doOpen(id, remote(name), pflags, access & ~SftpConstants.ACE4_READ_DATA, Map.of()));
            uploads.put(handle, new Upload(name, local(name), null));
            return handle;
        }
        if (append || disposition == SftpConstants.SSH_FXF_OPEN_EXISTING || disposition == SftpConstants.SSH_FXF_TRUNCATE_EXISTING) {
            refused("append or update", path);
            throw InboxNames.denied(path, "a plain name is always written whole; resume works with NAME.part");
        }
        Path target = inbox.resolve(name);
        if (disposition == SftpConstants.SSH_FXF_CREATE_NEW && Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException(path);
        }
        String temp = InboxNames.temp(name);
        String handle = super.doOpen(id, "/" + temp, SftpConstants.SSH_FXF_CREATE_NEW,
                SftpConstants.ACE4_WRITE_DATA | SftpConstants.ACE4_WRITE_ATTRIBUTES, Map.of());
        uploads.put(handle, new Upload(name, inbox.resolve(temp), target));
        return handle;
    }

    /**
     * Gives a plain upload, complete, the mode the umask gives any file serve makes (it was 0600 while
     * written). Serve's own file in the inbox, which is sticky when shared: no one else can swap it. Where
     * the file system will not (vfat, where every file has the mount's mode anyway) the upload is still
     * delivered, and that is logged.
     */
    private void umaskMode(Upload u) {
        try {
            Files.setPosixFilePermissions(u.file, server.fileMode());
        } catch (IOException | UnsupportedOperationException e) {
            server.log("could not give the upload of " + u.name + " the mode " + PosixFilePermissions.toString(server.fileMode())
                    + " (it stays rw-------): " + e.getMessage());
        }
    }

    /** Where the file a client names {@code name} is: a {@code .part} in its key's directory of them ({@link PartsDirectory}), else in the inbox. */
    private Path local(String name) {
        return InboxNames.isPart(name) ? parts.resolve(name) : inbox.resolve(name);
    }

    /** The same as a path of the subsystem's file system, which is rooted at the inbox. */
    private String remote(String name) {
        return "/" + (InboxNames.isPart(name) ? PartsDirectory.NAME + "/" + parts.getFileName() + "/" : "") + name;
    }

    @Override
    protected void doWrite(int id, String handle, long offset, int length, byte[] data, int doff, int remaining) throws IOException {
        Upload u = uploads.get(handle);
        if (u != null) {
            String refusal = u.refusal;
            if (refusal == null) {
                refusal = server.quota().check(offset, length, currentSize(handle));
                if (refusal != null) {
                    refuse(u, handle, refusal);
                }
            }
            if (refusal != null) {
                throw new InboxRefusal(SftpConstants.SSH_FX_FAILURE, u.name + ": " + refusal);
            }
        }
        try {
            super.doWrite(id, handle, offset, length, data, doff, remaining);
        } catch (IOException e) {
            if (u != null) {
                // The kernel refused it (EFBIG, EIO, ENOSPC past the quota's look): the file now has a
                // gap, and a later write or the close must not give it a name. Refused like a quota.
                refuse(u, handle, "a write failed (" + (e instanceof java.nio.file.FileSystemException f && f.getReason() != null
                        ? f.getReason() : e.getClass().getSimpleName()) + ")");
            }
            throw e;
        }
    }

    /** The size of the file being written through {@code handle} now (where a write past it makes the file grow). */
    private long currentSize(String handle) throws IOException {
        return handles.get(handle) instanceof FileHandle fh ? fh.getFileChannel().size() : 0;
    }

    /** The first refused write: the partial file is emptied and removed at once, so its space is free again. */
    private void refuse(Upload u, String handle, String why) {
        u.refusal = why;
        server.log("refused upload of " + u.name + " from " + who() + ": " + why + "; partial file removed");
        try {
            if (handles.get(handle) instanceof FileHandle fh) {
                fh.getFileChannel().truncate(0);
            }
            Files.deleteIfExists(u.file);
        } catch (IOException e) {
            server.log("cannot remove " + u.file + ": " + e.getMessage());
        }
    }

    @Override
    protected void doClose(int id, String handle) throws IOException {
        Upload u = uploads.remove(handle);
        if (u == null) {
            super.doClose(id, handle);
            return;
        }
        IOException syncFailure = null;
        if (u.refusal == null && handles.get(handle) instanceof FileHandle fh && fh.getFileChannel() instanceof FileChannel ch) {
            try {
                ch.force(true);
            } catch (IOException e) {
                syncFailure = e;
            }
        }
        try {
            super.doClose(id, handle);
        } finally {
            if (u.target == null) {
                server.writers().closed(u.file);
            }
        }
        if (u.refusal != null) {
            throw new InboxRefusal(SftpConstants.SSH_FX_FAILURE, u.name + ": " + u.refusal);
        }
        if (u.target == null) {
            return; // a .part: it becomes visible by the client's rename
        }
        try {
            if (syncFailure != null) {
                throw syncFailure;
            }
            umaskMode(u);
            deliver(u.file, u.name, Files.size(u.file), "upload", "/" + u.name);
        } catch (SftpException e) {
            Files.deleteIfExists(u.file); // refused: the upload goes, the file there stays
            throw e;
        } catch (IOException e) {
            Files.deleteIfExists(u.file);
            server.log("failed to store " + u.name + " from " + who() + ": " + e.getMessage());
            throw new SftpException(SftpConstants.SSH_FX_FAILURE, u.name + ": cannot be stored (" + e.getMessage() + ")");
        }
    }

    /** The connection went before the client closed these files: temporary uploads go, a {@code .part} stays for its resume. */
    @Override
    protected void closeAllHandles() {
        try {
            super.closeAllHandles();
        } finally {
            // the connection is gone: its .part handles no longer hold back a rename (or a resume's rename)
            uploads.values().stream().filter(u -> u.target == null).forEach(u -> server.writers().closed(u.file));
        }
        for (Upload u : uploads.values()) {
            if (u.target != null) {
                try {
                    Files.deleteIfExists(u.file);
                } catch (IOException e) {
                    server.log("cannot remove " + u.file + ": " + e.getMessage());
                }
                server.log("upload of " + u.name + " from " + who() + " ended before the file was closed; discarded");
            } else if (u.refusal == null) {
                server.log("upload of " + u.name + " from " + who() + " interrupted; kept for resume");
            }
        }
        uploads.clear();
    }

    // ---------------------------------------------------------------- rename

    @Override
    protected void doRename(int id, String oldPath, String newPath, Collection<CopyOption> opts) throws IOException {
        String from;
        String to;
        try {
            from = InboxNames.name(oldPath);
            to = InboxNames.name(newPath);
            if (!InboxNames.isPart(from) || !to.equals(from.substring(0, from.length() - InboxNames.PART.length()))) {
                throw InboxNames.denied(oldPath, "only NAME.part may be renamed, to NAME");
            }
        } catch (SftpException e) {
            refused("rename", oldPath + " -> " + newPath);
            throw e;
        }
        Path src = local(from);
        Path dst = inbox.resolve(to);
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(src, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            throw new InboxRefusal(SftpConstants.SSH_FX_NO_SUCH_FILE, oldPath + ": no such file");
        }
        if (!a.isRegularFile()) {
            refused("rename of a non-regular file", oldPath);
            throw InboxNames.denied(oldPath, "not a regular file");
        }
        if (Files.exists(dst, LinkOption.NOFOLLOW_LINKS) && !opts.contains(StandardCopyOption.REPLACE_EXISTING)) {
            throw new FileAlreadyExistsException(newPath);
        }
        int writing = server.writers().deliverIfNoneOpen(src, () -> {
            try (FileChannel c = FileChannel.open(src, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
                c.force(true); // the name must only ever appear over durable bytes
            }
            deliver(src, to, Files.size(src), "rename", newPath);
        });
        if (writing > 0) {
            server.log("refused rename of " + from + " to " + to + " from " + who() + ": " + writing + " handle" + (writing == 1 ? " is" : "s are")
                    + " still open for writing on it");
            throw new InboxRefusal(SftpConstants.SSH_FX_FAILURE, oldPath + " is not renamed: it is still open for writing (" + writing
                    + " handle" + (writing == 1 ? "" : "s") + ", in this or another session), and what is written through it would"
                    + " change the file after delivery; close it, or let the other upload of it finish, then rename");
        }
    }

    /**
     * Puts a complete, fsynced upload {@code src} under its final name {@code name} in the inbox by
     * the one delivery rule ({@link NoReplaceDelivery}: link(2), never a rename that could replace).
     * A file already under that name may be waiting for import, so it is never replaced: the same
     * bytes again (a delivery retried after its rename went through) count as delivered and
     * {@code src} goes; other bytes are kept beside it as {@code NAME.conflict-SHA16}. For a bundle
     * or a part of a volume set that copy is delivered: {@code watch} tries it as the name's own,
     * its signature deciding (a stranger who sent first cannot hold the name), so the client
     * succeeds and the log says where it was kept; any other copy ({@code watch} takes none) is a
     * failure for the client, naming it. Two sessions closing the same name at once meet the same rule.
     */
    private void deliver(Path src, String name, long size, String what, String shown) throws IOException {
        NoReplaceDelivery.Outcome o = NoReplaceDelivery.deliver(src, inbox.resolve(name));
        server.syncInbox();
        String kept = o.path().getFileName().toString();
        if (o.kind() == NoReplaceDelivery.Kind.DELIVERED) {
            server.log("received " + name + " (" + size + " bytes) from " + who());
        } else if (o.kind() == NoReplaceDelivery.Kind.DUPLICATE && kept.equals(name)) {
            server.log("received " + name + " again (" + size + " bytes, the same as the one there) from " + who());
        } else {
            boolean taken = dev.airlock.imports.inbox.InboxWatcher.takesCopiesOf(name);
            server.log("kept " + what + " of " + name + " (" + size + " bytes) from " + who() + " as " + kept + ": " + name
                    + " is already in the inbox with other content, never replaced"
                    + (o.kind() == NoReplaceDelivery.Kind.DUPLICATE ? " (the same bytes were already kept there)" : "")
                    + (taken ? "; watch tries it as " + name + ", its signature deciding" : ""));
            if (!taken) {
                throw new InboxRefusal(SftpConstants.SSH_FX_FAILURE, shown + " is already in the inbox with other content and is never"
                        + " replaced; this file is kept beside it as " + kept + ", which watch does not take: an admin decides");
            }
        }
    }

    // ---------------------------------------------------------------- the file system accessor: a second line of defence

    /**
     * Opens files without following links, under the inbox only, with no client-given attributes;
     * refuses every operation the subsystem above never asks of it (directories, links, removal,
     * attributes, copies, renames through MINA's own code).
     */
    static final class RefusingAccessor implements SftpFileSystemAccessor {
        private final Path inbox;

        RefusingAccessor(Path inbox) {
            this.inbox = inbox;
        }

        /** A name in the inbox, or a {@code .part} in the session's key's directory of them; nothing else. */
        private Path real(SftpSubsystemProxy subsystem, Path file) throws IOException {
            Path n = file.normalize();
            String name = n.getFileName() == null ? null : n.getFileName().toString();
            if (name != null && n.getNameCount() == 3 && n.getName(0).toString().equals(PartsDirectory.NAME) && InboxNames.isPart(name)
                    && subsystem instanceof InboxSftpSubsystem s && n.getName(1).toString().equals(s.parts.getFileName().toString())) {
                return s.parts.resolve(name);
            }
            if (n.getNameCount() != 1 || name == null || InboxNames.isPart(name)) {
                throw new java.nio.file.AccessDeniedException(String.valueOf(file));
            }
            return inbox.resolve(name);
        }

        @Override
        public SeekableByteChannel openFile(SftpSubsystemProxy subsystem, FileHandle fileHandle, Path file, String handle,
                Set<? extends OpenOption> options, java.nio.file.attribute.FileAttribute<?>... attrs) throws IOException {
            Set<OpenOption> o = new HashSet<>(options);
            o.add(LinkOption.NOFOLLOW_LINKS);
            Path real = real(subsystem, file);
            boolean temp = InboxNames.isTemp(real.getFileName().toString());
            // A temporary upload is made 0600, so that no other user can open it and lock it before serve does
            // (a read lock taken first held the put); it gets the umask's mode when delivered.
            FileChannel ch = temp ? FileChannel.open(real, o, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))
                    : FileChannel.open(real, o);
            if (temp) {
                // Held while the upload is written (released when its handle closes, or the process dies): a
                // serve starting on this inbox removes only temporary files no one holds (LeftoverUploads).
                try {
                    ch.lock();
                    if (!Files.exists(real, LinkOption.NOFOLLOW_LINKS)) {
                        throw new IOException(real + " was removed as a leftover by a serve starting on this inbox");
                    }
                } catch (IOException | RuntimeException e) {
                    ch.close();
                    throw e;
                }
            }
            return ch;
        }

        @Override
        public LinkOption[] resolveFileAccessLinkOptions(SftpSubsystemProxy subsystem, Path file, int cmd, String extension,
                boolean followLinks) {
            return new LinkOption[] {LinkOption.NOFOLLOW_LINKS};
        }

        @Override
        public java.nio.file.DirectoryStream<Path> openDirectory(SftpSubsystemProxy subsystem,
                org.apache.sshd.sftp.server.DirectoryHandle dirHandle, Path dir, String handle, LinkOption... linkOptions)
                throws IOException {
            throw new java.nio.file.AccessDeniedException(String.valueOf(dir));
        }

        @Override
        public void setFileAttribute(SftpSubsystemProxy subsystem, Path file, String view, String attribute, Object value,
                LinkOption... options) throws IOException {
            throw new java.nio.file.AccessDeniedException(String.valueOf(file));
        }

        @Override
        public void setFileOwner(SftpSubsystemProxy subsystem, Path file, java.security.Principal value, LinkOption... options)
                throws IOException {
            throw new java.nio.file.AccessDeniedException(String.valueOf(file));
        }

        @Override
        public void setGroupOwner(SftpSubsystemProxy subsystem, Path file, java.security.Principal value, LinkOption... options)
                throws IOException {
            throw new java.nio.file.AccessDeniedException(String.valueOf(file));
        }

        @Override
        public void setFilePermissions(SftpSubsystemProxy subsystem, Path file,
                Set<java.nio.file.attribute.PosixFilePermission> perms, LinkOption... options) throws IOException {
            throw new java.nio.file.AccessDeniedException(String.valueOf(file));
        }

        @Override
        public void setFileAccessControl(SftpSubsystemProxy subsystem, Path file, java.util.List<java.nio.file.attribute.AclEntry> acl,
                LinkOption... options) throws IOException {
            throw new java.nio.file.AccessDeniedException(String.valueOf(file));
        }

        @Override
        public void createDirectory(SftpSubsystemProxy subsystem, Path path) throws IOException {
            throw new java.nio.file.AccessDeniedException(String.valueOf(path));
        }

        @Override
        public void createLink(SftpSubsystemProxy subsystem, Path link, Path existing, boolean symLink) throws IOException {
            throw new java.nio.file.AccessDeniedException(String.valueOf(link));
        }

        @Override
        public String resolveLinkTarget(SftpSubsystemProxy subsystem, Path link) throws IOException {
            throw new java.nio.file.AccessDeniedException(String.valueOf(link));
        }

        @Override
        public void renameFile(SftpSubsystemProxy subsystem, Path oldPath, Path newPath, Collection<CopyOption> opts)
                throws IOException {
            throw new java.nio.file.AccessDeniedException(String.valueOf(oldPath));
        }

        @Override
        public void copyFile(SftpSubsystemProxy subsystem, Path src, Path dst, Collection<CopyOption> opts) throws IOException {
            throw new java.nio.file.AccessDeniedException(String.valueOf(src));
        }

        @Override
        public void removeFile(SftpSubsystemProxy subsystem, Path path, boolean isDirectory) throws IOException {
            throw new java.nio.file.AccessDeniedException(String.valueOf(path));
        }
    }
}
