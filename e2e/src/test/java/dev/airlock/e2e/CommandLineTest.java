package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.export.cli.ExportMain;
import dev.airlock.imports.cli.ImportMain;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/**
 * Only the subcommand named first is modelled (a start-up saving); help, version and mistakes
 * must still see every subcommand and point to the right help.
 */
class CommandLineTest {
    private record Run(int code, String out, String err) {
    }

    private static Run run(boolean export, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = export ? ExportMain.run(args, new PrintWriter(out), new PrintWriter(err))
                : ImportMain.run(args, new PrintWriter(out), new PrintWriter(err));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void topLevelHelp_listsEverySubcommand() {
        Run e = run(true, "--help");
        assertEquals(0, e.code(), e.err());
        for (String c : new String[] {"keygen", "bundle", "plan", "receipt"}) {
            assertTrue(e.out().contains("\n  " + c + " "), c + " missing from:\n" + e.out());
        }
        Run i = run(false, "--help");
        assertEquals(0, i.code(), i.err());
        for (String c : new String[] {"verify", "inspect", "import", "receipt", "keygen"}) {
            assertTrue(i.out().contains("\n  " + c + " "), c + " missing from:\n" + i.out());
        }
        assertTrue(run(true, "--version").out().contains("airlock-export "));
    }

    @Test
    void subcommandHelp_andUsageErrors_pointToTheRightPlace() {
        Run help = run(true, "bundle", "--help");
        assertEquals(0, help.code(), help.err());
        assertTrue(help.out().startsWith("Usage: airlock-export bundle "), help.out());
        assertTrue(help.out().contains("--image"), help.out());

        Run typo = run(true, "bundel");
        assertEquals(2, typo.code());
        assertTrue(typo.err().contains("Try 'airlock-export --help'"), typo.err());

        Run missing = run(false, "import");
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("Try 'airlock-import import --help'"), missing.err());

        Run none = run(false);
        assertEquals(2, none.code());
        assertTrue(none.err().contains("missing command"), none.err());
    }
}
