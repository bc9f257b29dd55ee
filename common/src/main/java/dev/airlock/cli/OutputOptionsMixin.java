package dev.airlock.cli;

import dev.airlock.error.AirlockException;
import dev.airlock.io.TransferListener;
import java.io.PrintWriter;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * {@code --verbose}, {@code -q/--quiet} and {@code --progress}, for the commands that move bytes
 * (the others take {@link VerboseMixin}).
 */
public final class OutputOptionsMixin {
    public enum ProgressMode { AUTO, PLAIN, NONE }

    /** How often plain progress prints a line: {@code AIRLOCK_PROGRESS_INTERVAL} (e.g. {@code 1s}), else 5 s. */
    static final String INTERVAL_ENV = "AIRLOCK_PROGRESS_INTERVAL";

    @Option(names = {"-v", "--verbose"}, description = "Print stack traces with errors.")
    public boolean verbose;

    @Option(names = {"-q", "--quiet"}, description = "No progress and no report: a successful run prints nothing but --json output; "
            + "warnings and errors still go to stderr, and the exit code says how it went.")
    public boolean quiet;

    @Option(names = "--progress", paramLabel = "MODE", defaultValue = "auto",
            description = "auto (a line redrawn in place on a terminal unless CI is set, else plain), plain (a line every 5 s, "
                    + "or AIRLOCK_PROGRESS_INTERVAL) or none. Default: ${DEFAULT-VALUE}.")
    public ProgressMode progress;

    /**
     * Where a command prints its report: {@code out}, or with {@code -q} nowhere, unless the user
     * asked for a format ({@code --json}, list's {@code --markdown}): that is printed still. The one
     * place -q's "a successful run prints nothing" is decided; {@code watch} and {@code serve} print
     * their event lines on stdout without it.
     */
    public PrintWriter report(PrintWriter out, boolean asked) {
        return quiet && !asked ? new PrintWriter(java.io.Writer.nullWriter()) : out;
    }

    public TransferListener listener(PrintWriter err) {
        if (quiet) {
            return TransferListener.NONE;
        }
        ProgressMode mode = progress;
        if (mode == ProgressMode.AUTO) {
            boolean terminal = System.console() != null && System.getenv("CI") == null;
            mode = terminal ? ProgressMode.AUTO : ProgressMode.PLAIN;
        }
        return switch (mode) {
            case NONE -> TransferListener.NONE;
            case PLAIN -> new PlainProgress(err, interval().toMillis());
            case AUTO -> new BarProgress(err);
        };
    }

    private static Duration interval() {
        String text = System.getenv(INTERVAL_ENV);
        if (text == null || text.isBlank()) {
            return Duration.ofSeconds(5);
        }
        try {
            return Units.duration(text.trim());
        } catch (IllegalArgumentException e) {
            throw AirlockException.usage(INTERVAL_ENV + "=" + text + ": " + e.getMessage());
        }
    }
}
