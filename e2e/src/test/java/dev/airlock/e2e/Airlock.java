package dev.airlock.e2e;

import dev.airlock.export.cli.ExportMain;
import dev.airlock.imports.cli.ImportMain;
import java.io.File;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the two programs as a user would, capturing exit code, stdout and stderr. */
final class Airlock {
    private Airlock() {
    }

    record Run(int code, String out, String err) {
        Run ok() {
            if (code != 0) {
                throw new AssertionError("exit " + code + "\nstdout: " + out + "\nstderr: " + err);
            }
            return this;
        }

        @Override
        public String toString() {
            return "exit " + code + "\nstdout: " + out + "\nstderr: " + err;
        }
    }

    static Run export(List<String> args) {
        return inProcess(true, args);
    }

    static Run importer(List<String> args) {
        return inProcess(false, args);
    }

    private static Run inProcess(boolean export, List<String> args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> all = new ArrayList<>(args);
        if (hasProgress(args)) {
            all.add("--progress=none");
        }
        String[] a = all.toArray(String[]::new);
        int code = export ? ExportMain.run(a, new PrintWriter(out), new PrintWriter(err))
                : ImportMain.run(a, new PrintWriter(out), new PrintWriter(err));
        return new Run(code, out.toString(), err.toString());
    }

    /** Commands that move no bytes have no --progress (see VerboseMixin). */
    private static final java.util.Set<String> NO_PROGRESS = java.util.Set.of("keygen", "plan", "receipt", "inspect", "login", "logout", "sign");

    static boolean hasProgress(List<String> args) {
        return args.isEmpty() || !NO_PROGRESS.contains(args.get(0));
    }

    /** Runs a program in its own JVM with the given JVM flags (e.g. -Xmx256m). */
    static Run subprocess(boolean export, List<String> jvmFlags, List<String> args) throws Exception {
        return subprocess(export, jvmFlags, java.util.Map.of(), args);
    }

    /**
     * Runs a program in its own JVM with {@code env} added to its environment, as a CI job or a
     * systemd unit would set it. Variables named SECURE_* are taken from {@code env} only, never
     * inherited from the test's own environment.
     */
    static Run subprocess(boolean export, List<String> jvmFlags, java.util.Map<String, String> env, List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmFlags);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(export ? ExportMain.class.getName() : ImportMain.class.getName());
        cmd.addAll(args);
        if (hasProgress(args)) {
            cmd.add("--progress=plain");
        }
        File out = File.createTempFile("airlock", ".out");
        File err = File.createTempFile("airlock", ".err");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out).redirectError(err);
        pb.environment().keySet().removeIf(k -> k.startsWith("SECURE_"));
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(15, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + cmd);
        }
        Run r = new Run(p.exitValue(), Files.readString(out.toPath()), Files.readString(err.toPath()));
        out.delete();
        err.delete();
        return r;
    }
}
