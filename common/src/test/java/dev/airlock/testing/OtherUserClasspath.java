package dev.airlock.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * For tests that run airlock's classes in a JVM as another user (through {@code setpriv}): the
 * build's class trees live under a root-only temporary directory, so they are copied readable by all.
 */
public final class OtherUserClasspath {
    private OtherUserClasspath() {
    }

    /** Copies the class tree (or jar) {@code of} was loaded from to {@code to}, readable by every user; returns {@code to}. */
    public static Path copyOf(Class<?> of, Path to) throws Exception {
        Path from = Path.of(of.getProtectionDomain().getCodeSource().getLocation().toURI());
        try (var s = Files.walk(from)) {
            for (Path f : s.toList()) {
                Path t = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(t);
                    Files.setAttribute(t, "unix:mode", 0755);
                } else {
                    Files.copy(f, t);
                    Files.setAttribute(t, "unix:mode", 0644);
                }
            }
        }
        return to;
    }

    /** Whether this test runs as root with {@code setpriv} at hand. */
    public static boolean asRootWithSetpriv() {
        try {
            return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid")) && Tools.has("setpriv");
        } catch (Exception | LinkageError e) {
            return false;
        }
    }
}
