package dev.airlock.io;

import java.nio.file.Path;

/** Where each program keeps its ledgers by default: {@code $XDG_STATE_HOME/airlock/SIDE}. */
public final class StateDirs {
    private StateDirs() {
    }

    /** @param side "export" or "import" */
    public static Path defaultFor(String side) {
        String xdg = System.getenv("XDG_STATE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".local", "state");
        return base.resolve("airlock").resolve(side);
    }
}
