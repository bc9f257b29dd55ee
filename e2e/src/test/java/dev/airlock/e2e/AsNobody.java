package dev.airlock.e2e;

import dev.airlock.testing.Tools;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A program's packaged jar run as user nobody through {@code setpriv}, as a service user meets
 * file modes: the tests run as root, whom no file mode stops. Skipped (with the reason) where
 * setpriv or root is missing.
 */
final class AsNobody {
    private AsNobody() {
    }

    static void assumePossible() {
        Assumptions.assumeTrue(Tools.has("setpriv"), "needs setpriv (util-linux) to run the program as user nobody");
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root to switch to user nobody");
    }

    /** A copy in {@code dir} of {@code module/target/name} that user nobody can read (the build's own may sit where nobody can). */
    static Path readableJar(Path dir, String module, String name) throws Exception {
        Path root = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        while (root != null && !Files.isRegularFile(root.resolve(module + "/target/" + name))) {
            root = root.getParent();
        }
        Assumptions.assumeTrue(root != null, "needs " + module + "/target/" + name + ": run through the reactor (mvn verify), which packages it");
        Path copy = dir.resolve(name);
        Files.copy(root.resolve(module + "/target/" + name), copy, StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rw-r--r--"));
        return copy;
    }

    /** {@code setpriv --reuid=nobody … java [JVM OPTIONS] -jar JAR ARGS} in {@code workDir}; exit -1 when killed at the deadline. */
    static Airlock.Run run(Path jar, Path workDir, List<String> jvmOptions, Duration deadline, String... args) throws Exception {
        assumePossible();
        List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx192m"));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-jar", jar.toString()));
        cmd.addAll(List.of(args));
        return process(cmd, workDir, deadline);
    }

    /** One program in its own process, stdin closed; exit -1 when it was killed at the deadline. */
    static Airlock.Run process(List<String> command, Path workDir, Duration deadline) throws Exception {
        File out = File.createTempFile("airlock", ".out");
        File err = File.createTempFile("airlock", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out).redirectError(err).redirectInput(ProcessBuilder.Redirect.PIPE);
            Process p = (workDir == null ? pb : pb.directory(workDir.toFile())).start();
            p.getOutputStream().close();
            int code = -1;
            if (p.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
                code = p.exitValue();
            } else {
                p.destroyForcibly().waitFor();
            }
            return new Airlock.Run(code, Files.readString(out.toPath()), Files.readString(err.toPath()));
        } finally {
            out.delete();
            err.delete();
        }
    }
}
