package dev.airlock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.copy.TransferRunner;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Command;

/**
 * A run too big for the heap (the launcher's 192 MiB holds a catalog of 10,000 images, measured) ended in
 * a stack trace from the main thread, or "internal error: java.lang.OutOfMemoryError" from a
 * worker: now one line saying what ran out and how to give more, exit 1 as for any shortage of
 * this machine's resources, and an error object on stdout with --json. The error is thrown here by
 * hand: a real one would need a catalog of tens of thousands of images (see docs/performance.md).
 */
class CliOutOfMemoryTest {
    @Command(name = "main")
    static final class InMain implements Callable<Integer> {
        @picocli.CommandLine.Option(names = "--json")
        boolean json;

        @Override
        public Integer call() {
            throw new OutOfMemoryError("Java heap space");
        }
    }

    @Command(name = "worker")
    static final class InWorker implements Callable<Integer> {
        @Override
        public Integer call() {
            Runnable task = () -> {
                throw new OutOfMemoryError("Java heap space");
            };
            TransferRunner.run(List.of(task, () -> { }), 2, "test-worker");
            return 0;
        }
    }

    @Command(name = "test")
    static final class Root {
    }

    private static String[] run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Cli.run("airlock-test", new Root(), List.of(InMain.class, InWorker.class), args, new PrintWriter(out), new PrintWriter(err));
        return new String[] {String.valueOf(code), out.toString(), err.toString()};
    }

    @Test
    void outOfMemory_inTheMainThreadOrAWorker_isOneLineSayingHowToGiveMore_exit1() {
        for (String command : List.of("main", "worker")) {
            String[] r = run(command);
            assertEquals("1", r[0], command + ": " + r[2]);
            assertEquals(1, r[2].lines().count(), command + ": " + r[2]);
            assertTrue(r[2].startsWith("airlock-test: out of memory: the Java heap (") && r[2].contains(" MiB) is too small for this run;")
                    && r[2].contains("AIRLOCK_JAVA_OPTS='-XX:+UseSerialGC -Xmx512m'"), command + ": " + r[2]);
        }
        String[] json = run("main", "--json");
        com.fasterxml.jackson.databind.JsonNode e;
        try {
            e = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json[1]).path("error");
        } catch (java.io.IOException x) {
            throw new AssertionError("stdout is not JSON: " + json[1], x);
        }
        assertEquals("LOCAL", e.path("code").asText(), json[1]);
        assertEquals(1, e.path("exitCode").asInt(), json[1]);
        assertTrue(e.path("message").asText().startsWith("out of memory: "), json[1]);
    }
}
