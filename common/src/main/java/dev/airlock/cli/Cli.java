package dev.airlock.cli;

import dev.airlock.error.AirlockException;
import dev.airlock.io.Trace;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine;

/**
 * Builds and runs a picocli command line for either program. The one place where failures become
 * exit codes and a single line on stderr; {@code --verbose} adds the stack trace.
 */
public final class Cli {
    /** Every command's help ends with examples under this heading (its {@code footer}). */
    public static final String EXAMPLES = "%nExamples:%n";

    private Cli() {
    }

    /**
     * Runs {@code command} with its {@code subcommands}. Only the subcommand named by the first
     * argument is modelled when there is one (picocli otherwise reflects over every command and
     * mixin, a tenth of a second at start-up); help and errors for anything else see them all.
     */
    public static int run(String program, Object command, List<Class<?>> subcommands, String[] args, PrintWriter out,
            PrintWriter err) {
        boolean verbose = Arrays.asList(args).contains("--verbose") || Arrays.asList(args).contains("-v");
        // Named in permission errors: "PROGRAM runs as user 'U', which needs read access" (dev.airlock.io.BoundedFiles).
        System.setProperty("airlock.program", program);
        // With --json, a failure is also a JSON object on stdout (docs/json-output.md), so that stdout always parses.
        boolean json = Arrays.asList(args).contains("--json");
        CommandLine cl = new CommandLine(command);
        Class<?> named = null;
        for (Class<?> c : subcommands) {
            if (args.length > 0 && c.getAnnotation(CommandLine.Command.class).name().equals(args[0])) {
                named = c;
            }
        }
        for (Class<?> c : named != null ? List.<Class<?>>of(named) : subcommands) {
            cl.addSubcommand(c);
        }
        HelpLayout.apply(cl);
        Version.apply(cl);
        Trace.mark("command line modelled");
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setParameterExceptionHandler((ex, a) -> {
            err.println(program + ": " + oneLine(ex.getMessage()));
            err.println("Try '" + program + " " + subcommandPath(ex.getCommandLine()) + "--help' for usage.");
            err.flush();
            if (json) {
                printError(out, AirlockException.Kind.USAGE, oneLine(ex.getMessage()));
            }
            return exitCode(AirlockException.Kind.USAGE);
        });
        cl.setExecutionExceptionHandler((ex, c, parseResult) -> failed(program, ex, verbose, json, out, err));
        int code;
        try {
            code = cl.execute(args);
        } catch (OutOfMemoryError e) {
            code = outOfMemory(program, json, out, err);
        }
        out.flush();
        err.flush();
        return code;
    }

    /** A command that failed: one line on stderr (and a JSON object on stdout with --json), its kind's exit code. */
    private static int failed(String program, Exception ex, boolean verbose, boolean json, PrintWriter out, PrintWriter err) {
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (t instanceof OutOfMemoryError) {
                return outOfMemory(program, json, out, err); // in a worker thread, passed on as the cause
            }
        }
        AirlockException.Kind kind;
        String message;
        if (ex instanceof AirlockException a) {
            kind = a.kind();
            message = a.getMessage();
        } else if (ex instanceof UncheckedIOException u) {
            kind = AirlockException.Kind.LOCAL;
            message = u.getCause().getMessage();
        } else {
            kind = AirlockException.Kind.INTERNAL;
            message = "internal error: " + ex;
        }
        err.println(program + ": " + oneLine(message));
        if (verbose) {
            ex.printStackTrace(err);
        } else if (kind == AirlockException.Kind.INTERNAL) {
            err.println(program + ": run again with --verbose for the stack trace");
        }
        err.flush();
        if (json) {
            printError(out, kind, oneLine(message));
        }
        return exitCode(kind);
    }

    /**
     * The heap was too small (the launcher gives 192 MiB, which holds a catalog of 10,000
     * images in one run, measured): one line saying so and how to give more, exit 1 like any other shortage
     * of this machine's resources, instead of a stack trace.
     */
    private static int outOfMemory(String program, boolean json, PrintWriter out, PrintWriter err) {
        String line = "out of memory: the Java heap (" + (Runtime.getRuntime().maxMemory() >> 20) + " MiB) is too small for this run;"
                + " give the JVM more, e.g. AIRLOCK_JAVA_OPTS='-XX:+UseSerialGC -Xmx512m' (see docs/performance.md)";
        err.println(program + ": " + line);
        err.flush();
        if (json) {
            printError(out, AirlockException.Kind.LOCAL, line);
        }
        return exitCode(AirlockException.Kind.LOCAL);
    }

    /**
     * The whole command line of a program, every subcommand modelled, with the help layout that
     * {@link #run} uses: for tests and generated documentation.
     */
    public static CommandLine model(Object command, List<Class<?>> subcommands) {
        CommandLine cl = new CommandLine(command);
        subcommands.forEach(cl::addSubcommand);
        HelpLayout.apply(cl);
        Version.apply(cl);
        return cl;
    }

    /** The documented exit code of each failure kind (README, "Exit codes"; docs/reference.md, "Exit codes in detail"): the only such mapping. */
    public static int exitCode(AirlockException.Kind kind) {
        return switch (kind) {
            case INTERNAL, LOCAL -> 1;
            case USAGE, NOT_FOUND, AUTH_REFUSED, TLS_UNTRUSTED -> 2;
            case UNTRUSTED, DIGEST_MISMATCH, MALFORMED_BUNDLE -> 3;
            case CHAIN_BROKEN -> 4;
            case TRANSIENT -> 5;
        };
    }

    /** {@code {"schema":"airlock-error/v1","error":{"code":KIND,"exitCode":N,"message":LINE}}} on stdout. */
    private static void printError(PrintWriter out, AirlockException.Kind kind, String message) {
        out.println(JsonOutput.error(kind.name(), exitCode(kind), message));
        out.flush();
    }

    private static String subcommandPath(CommandLine cl) {
        StringBuilder sb = new StringBuilder();
        for (CommandLine c = cl; c.getParent() != null; c = c.getParent()) {
            sb.insert(0, c.getCommandName() + " ");
        }
        return sb.toString();
    }

    /** Line breaks folded to spaces; any other control or format character escaped (it may be a sender's name: LogText). */
    private static String oneLine(String s) {
        return s == null ? "failed" : LogText.printable(s.replace('\n', ' ').replace('\r', ' '));
    }
}
