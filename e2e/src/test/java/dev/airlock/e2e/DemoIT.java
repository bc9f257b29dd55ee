package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code scripts/demo} as a newcomer runs it (issue 22, item 3): it ends well, checks the bundle
 * with gpg and sha256sum as it says, and leaves no process behind. The demo runs in a PID
 * namespace of its own whose first process is a shell that outlives it: whatever the demo started
 * and did not stop (a registry, the gpg-agent of its GNUPGHOME, a launcher's background archive
 * build) is re-parented to that shell and listed after the demo has exited. Counting there, not on
 * the whole machine, keeps other tests' processes out of the count.
 */
class DemoIT {
    @TempDir
    Path tmp;

    /**
     * Run by the namespace's first shell: the demo, then the processes of the namespace, listed
     * again for up to 10 s while any besides this shell and ps remain (a process that was told to
     * stop may take a moment to go).
     */
    private static final String IN_NAMESPACE = """
            "$1" > "$2" 2>&1
            echo "$?" > "$3"
            for i in $(seq 100); do
              ps -e -o pid=,args= > "$4"
              [ "$(wc -l < "$4")" -le 2 ] && break
              sleep 0.1
            done
            """;

    @Test
    void demo_checksWithGpgAndSha256sum_andLeavesNoProcessBehind() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "the demo's PID namespace needs root (unshare --pid)");
        for (String tool : List.of("unshare", "ps", "docker-registry", "skopeo", "gpg", "gpgconf", "sha256sum")) {
            Assumptions.assumeTrue(Tools.has(tool), tool + " is not installed: the demo would install it with apt-get, which this test does not");
        }
        Path repo = repo();
        for (String jar : List.of("exporter/target/airlock-export.jar", "importer/target/airlock-import.jar")) {
            assertTrue(Files.isRegularFile(repo.resolve(jar)), jar + " is built before the e2e tests run");
        }
        Path log = tmp.resolve("demo.log");
        Path code = tmp.resolve("demo.code");
        Path left = tmp.resolve("left.txt");
        ProcessBuilder pb = new ProcessBuilder("unshare", "--pid", "--fork", "--mount-proc", "bash", "-c", IN_NAMESPACE, "namespace",
                repo.resolve("scripts/demo").toString(), log.toString(), code.toString(), left.toString())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("unshare.log").toFile());
        // The jars are those of this build: the demo must not run mvn inside it.
        pb.environment().put("AIRLOCK_DEMO_BUILD", "no");
        Process p = pb.start();
        if (!p.waitFor(15, TimeUnit.MINUTES)) {
            p.destroyForcibly(); // the namespace's first process: the kernel ends every other one in it
            throw new AssertionError("the demo did not finish in 15 minutes:\n" + Files.readString(log));
        }
        assertEquals(0, p.waitFor(), Files.readString(tmp.resolve("unshare.log")));
        String out = Files.readString(log);
        List<String> survivors = Files.readAllLines(left).stream().map(String::strip)
                .filter(l -> !l.startsWith("1 ") && !l.matches("\\d+ ps -e -o pid=,args=")).toList();
        assertEquals(List.of(), survivors, "processes the demo left running\n" + out);

        assertEquals("0", Files.readString(code).strip(), out);
        assertTrue(out.contains("gpg:       good signature on airlock/bundle.json by airlock demo <demo@airlock.invalid>"), out);
        assertTrue(out.matches("(?s).*sha256sum: \\d+ blobs match their names, and the signed bundle\\.json names each of them.*"), out);
        assertFalse(Files.readString(repo.resolve("scripts/demo")).contains("--insecure-registry"), "today's flag: --plain-http");
    }

    private static Path repo() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isExecutable(p.resolve("scripts/demo"))) {
                return p;
            }
        }
        throw new IllegalStateException("scripts/demo not found above " + Path.of("").toAbsolutePath());
    }
}
