package dev.airlock.imports.inbox;

import dev.airlock.io.FileOwners;
import java.nio.file.Path;
import java.util.Set;

/**
 * The users whose files in an inbox are the receivers' deliveries: the user this watcher runs as and
 * the inbox's owner (the install recipe gives the inbox to airlock, which diode-receive and serve run
 * as). A stranger's file is his own, and he may still write it. Read as the watcher's user alone, a
 * watcher run as root (the admin's {@code watch --once} from root's cron) took every real delivery
 * for a stranger's, and a stranger holding a listed volume's conflict names, or flooding a set with
 * empty copy names, kept the real set out for good (red-team pass S, S1). The inbox's owner may
 * remove or rename anything in it, sticky or not: counting his files as the receivers' gives no one
 * more than he has. Root is a receiver too: an admin's {@code sudo cp BUNDLE INBOX/} made root's file,
 * which a watcher run as the service user took for a stranger's (red-team pass T, T10), and root may
 * already write, rename or remove anything there.
 */
record Receivers(Set<Integer> uids) {
    /** The receivers of {@code inbox}: its owner (a link to it followed), this process's user and root; none when no owner can be told. */
    static Receivers of(Path inbox) {
        Set<Integer> uids = new java.util.HashSet<>();
        if (FileOwners.SELF >= 0) {
            uids.add(FileOwners.SELF);
        }
        int owner = FileOwners.ownerFollowingLinks(inbox); // -1 off a POSIX file system: the watcher's user alone
        if (owner >= 0) {
            uids.add(owner);
        }
        if (!uids.isEmpty()) {
            uids.add(0);
        }
        return new Receivers(Set.copyOf(uids));
    }

    /** Whether any receiver can be told (else no file is told from a stranger's by its owner). */
    boolean known() {
        return !uids.isEmpty();
    }

    /** Whether {@code file} (a link not followed) is a receiver's. */
    boolean theirs(Path file) {
        int o = FileOwners.owner(file);
        return o >= 0 && uids.contains(o);
    }

    /** Whether {@code file} is another user's than the receivers' (false when either cannot be told). */
    boolean stranger(Path file) {
        int o = FileOwners.owner(file);
        return known() && o >= 0 && !uids.contains(o);
    }
}
