package dev.airlock.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Whether a path a command is asked to write leads into the kernel's trees {@code /proc},
 * {@code /sys} or {@code /dev} (issue 17, H1): {@code /dev/stdout} is a link to
 * {@code /proc/self/fd/1}, which, with stdout redirected to a file (cron), resolves to a regular
 * file — so "replace a link to a regular file" would put a regular file in place of the system's
 * {@code /dev/stdout}. Such an output is refused rather than written through: a write through
 * {@code /proc/self/fd/N} goes to whatever that descriptor is, in place, and could never be atomic.
 */
final class SystemTrees {
    private static final List<Path> ROOTS = List.of(Path.of("/proc"), Path.of("/sys"), Path.of("/dev"));
    /** Linux's own bound on links followed in one lookup. */
    private static final int MAX_HOPS = 40;

    private SystemTrees() {
    }

    /**
     * The first path on the way to {@code abs} (an absolute, normalized path) that lies under one of
     * the trees: {@code abs} itself, {@code abs} with its parent directories' links resolved, or any
     * target of the links {@code abs} leads through; {@code null} if none does.
     */
    static Path reached(Path abs) {
        Path p = abs;
        for (int hop = 0; hop <= MAX_HOPS && p.getFileName() != null; hop++) {
            Path real = realParent(p.getParent()).resolve(p.getFileName());
            if (root(p) != null) {
                return p;
            }
            if (root(real) != null) {
                return real;
            }
            if (!Files.isSymbolicLink(real)) {
                return null;
            }
            try {
                p = real.getParent().resolve(Files.readSymbolicLink(real)).normalize();
            } catch (IOException e) {
                return null; // gone meanwhile: the caller's own checks say what is there
            }
        }
        return null;
    }

    /** The tree {@code p} lies under, e.g. {@code /proc}, or {@code null}. */
    static Path root(Path p) {
        for (Path r : ROOTS) {
            if (p.startsWith(r)) {
                return r;
            }
        }
        return null;
    }

    /** {@code dir} with the links of its nearest existing ancestor resolved; the missing rest kept as named. */
    private static Path realParent(Path dir) {
        Path existing = dir;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return dir;
        }
        try {
            return existing.toRealPath().resolve(existing.relativize(dir));
        } catch (IOException e) {
            return dir;
        }
    }
}
