package dev.airlock.io;

import dev.airlock.error.AirlockException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The one way to read a small file whole: a configuration, an auth file, a key, a bundle's side
 * file (volume list, signature), a receipt, a ledger. Before a byte is read: a regular file only
 * (a FIFO would block the read forever, a device such as {@code /dev/zero} never ends, a directory
 * or socket is a mistake — each refused by name), not a symbolic link where its {@link Rule} says
 * a link is not expected (a file from an untrusted medium could otherwise point at a local secret
 * whose bytes a parse error would then echo), and no larger than the rule's bound — checked on the
 * path, again on the opened channel, and by the read itself, which stops one byte past the bound
 * (a file that grows meanwhile cannot exceed it). Every refusal is one line naming the file and,
 * for a size, the bound; a permission error says "permission denied" and which user needs what.
 *
 * <p>A regular file replaced by a FIFO between the check and the open (a local user who may write a
 * shared inbox can, at the instant he picks) is opened through {@link UntrustedOpen}, which never
 * waits in it: refused as at the check. A rule that reads FIFOs ({@code pipe}) opens them plainly.
 */
public final class BoundedFiles {
    private static final long KIB = 1024;
    private static final long MIB = 1024 * KIB;

    /** Whether a symbolic link as the file's last name component is read through or refused. */
    public enum Links {
        /** Read through: an operator's file, e.g. a key in /etc that a Kubernetes secret mounts as a link. */
        FOLLOW,
        /** Refused (opened with O_NOFOLLOW): a file from an untrusted medium or inbox. */
        REFUSE
    }

    /**
     * How one sort of file is read.
     *
     * @param what the sort, as a message says it after "the 1 MiB …": "a configuration file"
     * @param maxBytes the largest such file read; real files stay far below it
     * @param refusal the failure kind of a file that is special, a link or too large (permission
     *     denied and other read failures are always {@code LOCAL}, exit 1)
     * @param pipe whether a FIFO is read too (still bounded): a secret handed over as
     *     {@code --passphrase-file /dev/stdin} or {@code <(pass show …)}, which the operator chose
     */
    public record Rule(String what, long maxBytes, Links links, AirlockException.Kind refusal, boolean pipe) {
        public Rule(String what, long maxBytes, Links links, AirlockException.Kind refusal) {
            this(what, maxBytes, links, refusal, false);
        }
    }

    /** {@code --config} YAML of either program (the largest real one is a few KiB). */
    public static final Rule CONFIG = new Rule("a configuration file", MIB, Links.FOLLOW, AirlockException.Kind.USAGE);
    /** {@code --authfile}, {@code auth.json}, Docker's {@code config.json}. */
    public static final Rule AUTH_FILE = new Rule("an auth file", MIB, Links.FOLLOW, AirlockException.Kind.USAGE);
    /** An OpenPGP secret key or certificate file, an SSH identity or host key. */
    public static final Rule KEY = new Rule("a key file", MIB, Links.FOLLOW, AirlockException.Kind.USAGE);
    /** A passphrase file or {@code --creds-file}: one line is used. */
    public static final Rule SECRET = new Rule("a passphrase or credentials file", MIB, Links.FOLLOW, AirlockException.Kind.USAGE, true);
    /** OpenSSH {@code known_hosts} or {@code authorized_keys}: a line per host or key, thousands of them at most. */
    public static final Rule KEY_LIST = new Rule("a known_hosts or authorized_keys file", 16 * MIB, Links.FOLLOW,
            AirlockException.Kind.USAGE);
    /** A PEM file of CA certificates ({@code --ca-file}, {@code --cert-dir}); the system's whole bundle is ~200 KiB. */
    public static final Rule CA_FILE = new Rule("a CA certificate file", 16 * MIB, Links.FOLLOW, AirlockException.Kind.USAGE);
    /**
     * A ledger or other state this program wrote (export and import ledgers). 64 MiB is decades of
     * shipped blobs, and about what the launcher's 192 MiB heap can still parse.
     */
    public static final Rule STATE = new Rule("a state file", 64 * MIB, Links.FOLLOW, AirlockException.Kind.USAGE);
    /** A file this program keeps inside an inbox that senders can write to (watch's journal). */
    public static final Rule INBOX_STATE = new Rule("an inbox state file", MIB, Links.REFUSE, AirlockException.Kind.LOCAL);
    /** {@code NAME.volumes.json} from a medium or an inbox. */
    public static final Rule VOLUME_LIST = new Rule("a volume list", 32 * MIB, Links.REFUSE, AirlockException.Kind.MALFORMED_BUNDLE);
    /** A detached signature ({@code .asc}) beside a volume list or a receipt. */
    public static final Rule SIGNATURE = new Rule("a signature file", MIB, Links.REFUSE, AirlockException.Kind.MALFORMED_BUNDLE);
    /** A receipt carried back from the offline side: every blob of a channel, as a ledger. */
    public static final Rule RECEIPT = new Rule("a receipt", 64 * MIB, Links.REFUSE, AirlockException.Kind.MALFORMED_BUNDLE);

    private BoundedFiles() {
    }

    /**
     * The whole of {@code file}, read as {@code rule} says.
     *
     * @throws NoSuchFileException when it does not exist, for the caller to say so in its own terms
     * @throws AirlockException for everything else: {@code rule.refusal()} for a special file, a
     *     refused link or a file over the bound; {@code LOCAL} for permission denied or a failed read
     */
    public static byte[] read(Path file, Rule rule) throws NoSuchFileException {
        BasicFileAttributes a = attributes(file, rule);
        refuseUnlessRegular(file, a, rule);
        refuseIfLarger(file, a.size(), rule);
        OpenOption[] options = rule.links() == Links.REFUSE
                ? new OpenOption[] {StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS}
                : new OpenOption[] {StandardOpenOption.READ};
        try (SeekableByteChannel ch = rule.pipe() ? Files.newByteChannel(file, options)
                : UntrustedOpen.read(file, rule.links() == Links.REFUSE ? new LinkOption[] {LinkOption.NOFOLLOW_LINKS} : new LinkOption[0])) {
            refuseIfLarger(file, ch.size(), rule);
            return readAtMost(ch, file, rule);
        } catch (NoSuchFileException e) {
            throw e;
        } catch (IOException e) {
            throw failure(file, e, rule);
        }
    }

    /** {@link #read} as UTF-8 text; bytes that are not UTF-8 are refused ({@code rule.refusal()}). */
    public static String readText(Path file, Rule rule) throws NoSuchFileException {
        byte[] bytes = read(file, rule);
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw new AirlockException(rule.refusal(), file + " is not UTF-8 text, as " + rule.what() + " must be");
        }
    }

    /** The first line of {@link #readText} without its line end; empty for an empty file. */
    public static String firstLine(Path file, Rule rule) throws NoSuchFileException {
        return readText(file, rule).lines().findFirst().orElse("");
    }

    /**
     * "FILE: permission denied (PROGRAM runs as user 'USER', which needs read access)" — or, when
     * a directory on the way does not let this user through, that directory and the search access
     * it needs.
     */
    public static String permissionDenied(Path file) {
        Path blocked = firstUnsearchableDirectory(file);
        if (blocked != null) {
            return blocked + ": permission denied (" + whoNeeds("search (x) access to this directory to reach " + file.getFileName()) + ")";
        }
        return file + ": permission denied (" + whoNeeds("read access") + ")";
    }

    /**
     * "PROGRAM runs as user 'USER', which needs ACCESS": PROGRAM is the system property
     * {@code airlock.program} (set by the command line), USER is {@code user.name}.
     */
    public static String whoNeeds(String access) {
        return System.getProperty("airlock.program", "airlock") + " runs as user '" + System.getProperty("user.name") + "', which needs "
                + access;
    }

    /** The message of {@code e}, an exception from reading {@code file}, with permission denied said as {@link #permissionDenied}. */
    public static AirlockException failure(Path file, IOException e, Rule rule) {
        if (e instanceof UntrustedOpen.Busy) {
            return AirlockException.local(e.getMessage(), e);
        }
        if (e instanceof AccessDeniedException) {
            return AirlockException.local(permissionDenied(file), e);
        }
        if (e instanceof UntrustedOpen.NotRegular) {
            // a FIFO put there after the check (UntrustedOpen): the same refusal as at the check
            return new AirlockException(rule.refusal(), e.getMessage() + "; " + rule.what() + " is read only from a regular file", e);
        }
        if (rule.links() == Links.REFUSE && isLoop(e)) {
            // O_NOFOLLOW met a link put there after the check: the same refusal as at the check.
            return new AirlockException(rule.refusal(), file + " is a symbolic link; " + rule.what()
                    + " is read only from a regular file, not through a link", e);
        }
        String reason = e instanceof FileSystemException f && f.getReason() != null ? f.getReason() : e.getMessage();
        return AirlockException.local("cannot read " + file + ": " + reason, e);
    }

    private static BasicFileAttributes attributes(Path file, Rule rule) throws NoSuchFileException {
        try {
            return rule.links() == Links.REFUSE
                    ? Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                    : Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            throw e;
        } catch (IOException e) {
            throw failure(file, e, rule);
        }
    }

    private static void refuseUnlessRegular(Path file, BasicFileAttributes a, Rule rule) {
        if (a.isRegularFile() || rule.pipe() && FileKind.isFifo(file, a)) {
            return;
        }
        if (a.isSymbolicLink()) {
            throw new AirlockException(rule.refusal(), file + " is a symbolic link" + target(file) + "; " + rule.what()
                    + " is read only from a regular file, not through a link");
        }
        String link = Files.isSymbolicLink(file) ? " (a link" + target(file) + ")" : "";
        throw new AirlockException(rule.refusal(), file + link + " is " + FileKind.of(file, a) + ", not a regular file; "
                + rule.what() + " must be one");
    }


    private static String target(Path link) {
        try {
            return " to " + Files.readSymbolicLink(link);
        } catch (IOException | UnsupportedOperationException e) {
            return "";
        }
    }

    private static void refuseIfLarger(Path file, long size, Rule rule) {
        if (size > rule.maxBytes()) {
            throw new AirlockException(rule.refusal(), file + ": " + size(size) + " is larger than the " + bound(rule.maxBytes()) + " "
                    + rule.what() + " may be");
        }
    }

    /** Reads to the end, but never more than one byte past the bound. */
    private static byte[] readAtMost(SeekableByteChannel ch, Path file, Rule rule) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(Math.max(ch.size(), 256), rule.maxBytes()));
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        long total = 0;
        while (true) {
            buf.clear().limit((int) Math.min(buf.capacity(), rule.maxBytes() + 1 - total));
            int n = ch.read(buf);
            if (n < 0) {
                return out.toByteArray();
            }
            total += n;
            if (total > rule.maxBytes()) {
                throw new AirlockException(rule.refusal(), file + ": grew past the " + bound(rule.maxBytes()) + " " + rule.what()
                        + " may be while it was read");
            }
            out.write(buf.array(), 0, n);
        }
    }

    private static boolean isLoop(IOException e) {
        return e instanceof FileSystemException f && f.getReason() != null
                && (f.getReason().contains("symbolic links") || f.getReason().contains("ELOOP"));
    }

    private static Path firstUnsearchableDirectory(Path file) {
        Path dir = file.toAbsolutePath().getParent();
        Path blocked = null;
        for (Path d = dir; d != null; d = d.getParent()) {
            if (Files.isDirectory(d) && !Files.isExecutable(d)) {
                blocked = d; // keep walking up: the outermost one is the one to fix first
            }
        }
        return blocked;
    }

    /** An exact bound: "1 MiB", "64 KiB", else bytes. */
    static String bound(long n) {
        if (n % MIB == 0) {
            return n / MIB + " MiB";
        }
        if (n % KIB == 0) {
            return n / KIB + " KiB";
        }
        return n + " bytes";
    }

    /** A measured size: "20.0 MiB", "512 bytes". */
    static String size(long n) {
        if (n < KIB) {
            return n + " bytes";
        }
        if (n < MIB) {
            return String.format(java.util.Locale.ROOT, "%.1f KiB", n / (double) KIB);
        }
        return n < 1024 * MIB ? String.format(java.util.Locale.ROOT, "%.1f MiB", n / (double) MIB)
                : String.format(java.util.Locale.ROOT, "%.1f GiB", n / (double) (1024 * MIB));
    }
}
