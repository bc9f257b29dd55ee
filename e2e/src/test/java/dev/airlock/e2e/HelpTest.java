package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.cli.HelpLayout;
import dev.airlock.export.cli.ExportMain;
import dev.airlock.imports.cli.ImportMain;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every subcommand of both programs, found through the command line model (a new command is
 * covered without touching this test): its help ends with examples, and wraps only at spaces.
 */
class HelpTest {
    private record Program(String name, Supplier<CommandLine> model, boolean export) {
    }

    private static final List<Program> PROGRAMS = List.of(new Program("airlock-export", ExportMain::model, true),
            new Program("airlock-import", ImportMain::model, false));

    private static String help(Program p, String command) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] args = {command, "--help"};
        int code = p.export() ? ExportMain.run(args, new PrintWriter(out), new PrintWriter(err))
                : ImportMain.run(args, new PrintWriter(out), new PrintWriter(err));
        assertEquals(0, code, p.name() + " " + command + " --help: " + err);
        return out.toString();
    }

    @Test
    void everySubcommandsHelp_endsWithExamplesOfTheProgram() {
        int commands = 0;
        for (Program p : PROGRAMS) {
            for (String command : p.model().get().getSubcommands().keySet()) {
                commands++;
                String help = help(p, command);
                List<String> lines = help.lines().toList();
                int heading = lines.lastIndexOf("Examples:");
                assertTrue(heading > 0, p.name() + " " + command + " --help has no Examples: block:\n" + help);
                List<String> block = lines.subList(heading + 1, lines.size());
                assertFalse(block.isEmpty(), p.name() + " " + command + ": empty Examples: block");
                block.forEach(l -> assertFalse(l.isBlank(), p.name() + " " + command + ": Examples: is not the last block:\n" + help));
                assertTrue(block.stream().anyMatch(l -> l.strip().startsWith(p.name() + " " + command)),
                        p.name() + " " + command + ": no example runs it:\n" + help);
                assertFalse(help.contains("${"), p.name() + " " + command + ": uninterpolated variable:\n" + help);
                for (String l : lines) {
                    assertTrue(l.length() <= HelpLayout.MIN_WIDTH || l.strip().indexOf(' ') < 0,
                            p.name() + " " + command + ": line over 80 columns: " + l);
                }
            }
        }
        assertTrue(commands >= 17, "only " + commands + " subcommands found");
    }

    /** The words of every help at 80 columns are the words of the same help unwrapped: nothing is split. */
    @Test
    void helpAt80Columns_breaksLinesOnlyBetweenWords() {
        for (Program p : PROGRAMS) {
            CommandLine narrow = p.model().get();
            HelpLayout.apply(narrow, () -> 80);
            CommandLine wide = p.model().get();
            HelpLayout.apply(wide, () -> 100_000);
            List<String> names = new ArrayList<>(narrow.getSubcommands().keySet());
            names.add(null); // the program's own help
            for (String name : names) {
                String at80 = (name == null ? narrow : narrow.getSubcommands().get(name)).getUsageMessage(CommandLine.Help.Ansi.OFF);
                String flat = (name == null ? wide : wide.getSubcommands().get(name)).getUsageMessage(CommandLine.Help.Ansi.OFF);
                if (flat.lines().anyMatch(l -> l.length() > 80)) { // a short help (logout has no --progress) has nothing to wrap
                    assertNotEquals(flat, at80, p.name() + " " + name + ": nothing was wrapped at 80 columns");
                }
                assertEquals(words(flat), words(at80), p.name() + " " + name + " at 80 columns:\n" + at80);
                at80.lines().forEach(l -> assertTrue(l.length() <= 80 || l.strip().indexOf(' ') < 0, p.name() + " " + name + ": " + l));
            }
        }
    }

    /** What the layout is for: picocli alone, at 80 columns, splits paths and labels (so the test above can fail). */
    @Test
    void picocliAloneAt80Columns_splitsAPath() {
        CommandLine plain = new CommandLine(new ExportMain());
        CommandLine wide = ExportMain.model();
        plain.addSubcommand(wide.getSubcommands().get("bundle").getCommandSpec().userObject().getClass());
        plain.setUsageHelpWidth(80);
        HelpLayout.apply(wide, () -> 100_000);
        String split = plain.getSubcommands().get("bundle").getUsageMessage(CommandLine.Help.Ansi.OFF);
        String flat = wide.getSubcommands().get("bundle").getUsageMessage(CommandLine.Help.Ansi.OFF);
        assertNotEquals(words(flat), words(split));
        assertTrue(flat.contains("~/.config/containers/auth.json"), flat);
        assertFalse(split.contains("~/.config/containers/auth.json"), split);
    }

    @Test
    void keygenHelp_namesWhereEachSidesCertificateGoes() {
        String exporter = help(PROGRAMS.get(0), "keygen");
        String importer = help(PROGRAMS.get(1), "keygen");
        String flatExporter = String.join(" ", words(exporter));
        String flatImporter = String.join(" ", words(importer));
        assertTrue(flatExporter.contains("signs bundles"), exporter);
        assertTrue(flatExporter.contains("carry it to the offline side, for airlock-import --trust."), exporter);
        assertTrue(flatImporter.contains("signs this side's receipts"), importer);
        assertTrue(flatImporter.contains("carry it to the connected side, for airlock-export receipt --trust."), importer);
        assertFalse(flatImporter.contains("importer's --trust"), importer);
        assertFalse(flatImporter.contains("signs bundles"), importer);
    }

    private static List<String> words(String s) {
        return Arrays.stream(s.split("\\s+")).filter(w -> !w.isEmpty()).toList();
    }
}
