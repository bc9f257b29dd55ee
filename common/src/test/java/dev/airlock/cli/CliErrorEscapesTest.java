package dev.airlock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.airlock.error.AirlockException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Command;

/**
 * Red-team pass H (issue 17, M9: names escaped one way): a refusal names what it refuses, and
 * what it names is often the sender's (a tar entry of an unsigned bundle, a file in an inbox).
 * {@code verify} of a tar with an entry named {@code "x\e[2J…"} wrote the ESC sequence to the
 * terminal as it was (line breaks were already folded): the error line goes through LogText too.
 */
class CliErrorEscapesTest {
    @Command(name = "fail")
    static final class Fail implements Callable<Integer> {
        @Override
        public Integer call() {
            throw AirlockException.malformed("b.tar: entry 'x\u001b[2J\u001b[1Aevil\u202e' is not a regular file");
        }
    }

    @Command(name = "test")
    static final class Root {
    }

    @Test
    void failed_aMessageNamingSomethingWithControlCharacters_isOneEscapedLine() {
        StringWriter err = new StringWriter();
        int code = Cli.run("airlock-test", new Root(), List.of(Fail.class), new String[] {"fail"}, new PrintWriter(new StringWriter()),
                new PrintWriter(err));
        assertEquals(3, code);
        assertEquals("airlock-test: b.tar: entry 'x\\u001b[2J\\u001b[1Aevil\\u202e' is not a regular file\n", err.toString());
    }
}
