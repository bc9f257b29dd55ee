package dev.airlock.cli;

import picocli.CommandLine.Option;

/** {@code -v/--verbose}, for the commands that move no bytes and so have no progress to show. */
public final class VerboseMixin {
    @Option(names = {"-v", "--verbose"}, description = "Print stack traces with errors.")
    public boolean verbose;
}
