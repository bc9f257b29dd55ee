package dev.airlock.cli;

import dev.airlock.io.TransferListener;
import java.io.PrintWriter;
import picocli.CommandLine.Option;

/** {@code --verbose} and {@code --progress}, shared by every command. */
public final class OutputOptionsMixin {
    public enum ProgressMode { AUTO, PLAIN, NONE }

    @Option(names = {"-v", "--verbose"}, description = "Print stack traces with errors.")
    public boolean verbose;

    @Option(names = "--progress", paramLabel = "MODE", defaultValue = "auto",
            description = "auto (bars on a terminal unless CI is set, else plain), plain (a line every few seconds) or none. Default: ${DEFAULT-VALUE}.")
    public ProgressMode progress;

    public TransferListener listener(PrintWriter err) {
        ProgressMode mode = progress;
        if (mode == ProgressMode.AUTO) {
            boolean terminal = System.console() != null && System.getenv("CI") == null;
            mode = terminal ? ProgressMode.AUTO : ProgressMode.PLAIN;
        }
        return switch (mode) {
            case NONE -> TransferListener.NONE;
            case PLAIN -> new PlainProgress(err, 5_000);
            case AUTO -> new BarProgress();
        };
    }
}
