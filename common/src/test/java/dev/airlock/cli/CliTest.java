package dev.airlock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.error.AirlockException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Command;

/** Every failure kind reaches its documented exit code, as one line on stderr, and the README says so. */
class CliTest {
    @Command(name = "fail")
    static final class Fail implements Callable<Integer> {
        static AirlockException next;

        @Override
        public Integer call() {
            throw next;
        }
    }

    @Command(name = "test")
    static final class Root {
    }

    private static String[] run(AirlockException e) {
        Fail.next = e;
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Cli.run("airlock-test", new Root(), List.of(Fail.class), new String[] {"fail"}, new PrintWriter(out),
                new PrintWriter(err));
        return new String[] {String.valueOf(code), err.toString()};
    }

    @Test
    void everyKind_exitsWithTheCodeTheReadmeTableGivesIt_asOneLine() throws Exception {
        List<String> table = Files.readAllLines(Path.of("..", "README.md")).stream()
                .filter(l -> l.matches("\\| [0-9] \\|.*")).toList();
        assertEquals(6, table.size(), "README exit-code table rows: " + table);
        for (AirlockException.Kind kind : AirlockException.Kind.values()) {
            String[] r = run(new AirlockException(kind, "what failed and where"));
            int code = Integer.parseInt(r[0]);
            String row = table.stream().filter(l -> l.startsWith("| " + code + " |")).findFirst().orElseThrow();
            assertTrue(row.contains("`" + kind.name() + "`"), kind + " exits " + code + " but the README row says: " + row);
            List<String> lines = r[1].lines().toList();
            assertEquals("airlock-test: what failed and where", lines.get(0));
            // Only a bug gets the second line pointing at --verbose; everything else is one line.
            assertEquals(kind == AirlockException.Kind.INTERNAL ? 2 : 1, lines.size(), kind + ": " + r[1]);
        }
    }

    @Test
    void kindsMapToTheDocumentedCodes() {
        assertEquals(1, Cli.exitCode(AirlockException.Kind.LOCAL));
        assertEquals(1, Cli.exitCode(AirlockException.Kind.INTERNAL));
        assertEquals(2, Cli.exitCode(AirlockException.Kind.USAGE));
        assertEquals(2, Cli.exitCode(AirlockException.Kind.NOT_FOUND));
        assertEquals(2, Cli.exitCode(AirlockException.Kind.AUTH_REFUSED));
        assertEquals(2, Cli.exitCode(AirlockException.Kind.TLS_UNTRUSTED));
        assertEquals(3, Cli.exitCode(AirlockException.Kind.UNTRUSTED));
        assertEquals(3, Cli.exitCode(AirlockException.Kind.DIGEST_MISMATCH));
        assertEquals(3, Cli.exitCode(AirlockException.Kind.MALFORMED_BUNDLE));
        assertEquals(4, Cli.exitCode(AirlockException.Kind.CHAIN_BROKEN));
        assertEquals(5, Cli.exitCode(AirlockException.Kind.TRANSIENT));
    }
}
