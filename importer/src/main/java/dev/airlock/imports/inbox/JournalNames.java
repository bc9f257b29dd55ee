package dev.airlock.imports.inbox;

import java.util.Optional;

/**
 * The names a move journal may hold: exactly those {@link InboxMoves#plan} writes. A move goes from
 * one plain file name at the inbox's top level to {@code done/NAME} or {@code rejected/NAME} (the one
 * its action names); a reason file is {@code rejected/NAME}. Anything else (an absolute path, a
 * {@code ..}, a name in another directory) the watcher never wrote: such a journal is planted and
 * nothing of it is carried out (issue 17, C1).
 */
final class JournalNames {
    private JournalNames() {
    }

    /** Why {@code e} is not one the watcher wrote, or empty when every name in it is one it could have written. */
    static Optional<String> problem(InboxMoves.Entry e) {
        if (e.action() == null || !plain(e.bundle())) {
            return Optional.of("no action or no plain bundle name");
        }
        if (e.action().equals("importing")) {
            return e.moves() == null || e.moves().isEmpty() ? Optional.empty() : Optional.of("an import with moves");
        }
        String dir;
        if (e.action().equals("done")) {
            dir = InboxLayout.DONE;
        } else if (e.action().equals("rejected")) {
            dir = InboxLayout.REJECTED;
        } else {
            return Optional.of("unknown action '" + e.action() + "'");
        }
        if (e.moves() == null || e.moves().isEmpty()) {
            return Optional.of("no moves");
        }
        for (InboxMoves.Move m : e.moves()) {
            if (m == null || !plain(m.from()) || m.from().startsWith(".") || !under(dir, m.to())) {
                return Optional.of("a move that is not from a file of the inbox to " + dir + "/NAME");
            }
        }
        boolean rejected = dir.equals(InboxLayout.REJECTED);
        if (rejected != (e.reasonFile() != null) || (rejected && (e.reason() == null || !under(dir, e.reasonFile())))) {
            return Optional.of("a reason file that is not rejected/NAME");
        }
        return e.destination() == null || under(dir, e.destination()) ? Optional.empty() : Optional.of("a destination outside " + dir + "/");
    }

    /** {@code DIR/NAME} with NAME {@linkplain #plain plain}, as {@code inbox.relativize} writes it. */
    private static boolean under(String dir, String path) {
        return path != null && path.startsWith(dir + "/") && plain(path.substring(dir.length() + 1));
    }

    /** One file name: not empty, not {@code .} or {@code ..}, no {@code /} and no NUL. */
    static boolean plain(String name) {
        return name != null && !name.isEmpty() && !name.equals(".") && !name.equals("..") && name.indexOf('/') < 0 && name.indexOf('\0') < 0;
    }
}
