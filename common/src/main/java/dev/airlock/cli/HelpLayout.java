package dev.airlock.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntSupplier;
import picocli.CommandLine;
import picocli.CommandLine.IHelpSectionRenderer;
import picocli.CommandLine.Model.UsageMessageSpec;

/**
 * Help text wrapped at spaces only. picocli wraps at {@link java.text.BreakIterator}'s line breaks,
 * which fall inside paths, URLs and labels ({@code ~/.} | {@code config/containers/auth.json},
 * {@code HOST:} | {@code PORT}): a path split over two lines cannot be read or copied. So picocli
 * renders every section unwrapped, and each line is wrapped again here at spaces, with picocli's
 * indentation. A word longer than the line stays whole.
 */
public final class HelpLayout {
    /** The width picocli is told: wide enough that it wraps nothing. */
    static final int UNWRAPPED = 10_000;
    /** Narrower terminals still get 80 columns (the terminal wraps them); wider ones at most this. */
    public static final int MIN_WIDTH = 80;
    public static final int MAX_WIDTH = 120;

    private HelpLayout() {
    }

    /** Help for {@code cl} and all its subcommands at the terminal's width (80 to 120; 80 when not a terminal). */
    public static void apply(CommandLine cl) {
        apply(cl, HelpLayout::terminalWidth);
    }

    /** Help for {@code cl} and all its subcommands at {@code width} columns, asked for only when help is printed. */
    public static void apply(CommandLine cl, IntSupplier width) {
        cl.setUsageHelpWidth(UNWRAPPED);
        Map<String, IHelpSectionRenderer> sections = new LinkedHashMap<>();
        cl.getHelpSectionMap().forEach((key, renderer) -> sections.put(key,
                new Wrapped(renderer instanceof Wrapped w ? w.original : renderer, key, width)));
        cl.setHelpSectionMap(sections);
    }

    /** A picocli section renderer whose output is wrapped at spaces; applying again replaces the width. */
    private record Wrapped(IHelpSectionRenderer original, String key, IntSupplier width) implements IHelpSectionRenderer {
        @Override
        public String render(CommandLine.Help help) {
            String text = original.render(help);
            if (text == null) {
                return null;
            }
            return key.equals(UsageMessageSpec.SECTION_KEY_SYNOPSIS)
                    ? wrap(text, width.getAsInt(), help.synopsisHeadingLength(), true)
                    : wrap(text, width.getAsInt(), 0, false);
        }
    }

    private static int terminalWidth() {
        int detected = new UsageMessageSpec().autoWidth(true).width(); // 80 unless stdin and stdout are a terminal
        return Math.max(MIN_WIDTH, Math.min(MAX_WIDTH, detected));
    }

    /**
     * Wraps every line of {@code text} longer than {@code width} at spaces. The first line starts
     * at column {@code offset} (after a heading). Continuation lines are indented as picocli does:
     * an option's description by its column plus 2, the synopsis under its first option, text
     * that starts at column 0 at column 0.
     */
    static String wrap(String text, int width, int offset, boolean synopsis) {
        String[] lines = text.split("\r?\n", -1);
        StringBuilder out = new StringBuilder(text.length() + 64);
        int column = synopsis ? -1 : descriptionColumn(lines);
        for (int i = 0; i < lines.length; i++) {
            if (i > 0) {
                out.append(System.lineSeparator());
            }
            String line = lines[i];
            int start = i == 0 ? offset : 0;
            wrapLine(line, width, start, synopsis ? synopsisIndent(line, start) : indent(plain(line), column), out);
        }
        return out.toString();
    }

    private static void wrapLine(String line, int width, int startColumn, int indent, StringBuilder out) {
        int from = 0;
        int column = startColumn;
        while (true) {
            int breakAt = -1;
            boolean text = false;
            int c = column;
            int i = from;
            for (; i < line.length(); i++) {
                char ch = line.charAt(i);
                if (ch == '\u001B') { // an ANSI style: no width
                    int end = line.indexOf('m', i);
                    i = end < 0 ? line.length() : end;
                    continue;
                }
                if (ch == ' ' && text) {
                    if (c <= width || breakAt < 0) {
                        breakAt = i;
                    }
                    if (c > width) {
                        break;
                    }
                } else if (ch != ' ') {
                    text = true;
                }
                c++;
            }
            if (c <= width || breakAt < 0) {
                out.append(line, from, line.length());
                return;
            }
            out.append(line.substring(from, breakAt).stripTrailing()).append(System.lineSeparator());
            int next = breakAt;
            while (next < line.length() && line.charAt(next) == ' ') {
                next++;
            }
            if (next >= line.length()) {
                return;
            }
            out.append(" ".repeat(indent));
            from = next;
            column = indent;
        }
    }

    /**
     * The column where the descriptions of a table (options, parameters, commands) start: where
     * text most often resumes after a gap of two or more spaces; -1 for none.
     */
    private static int descriptionColumn(String[] lines) {
        java.util.Map<Integer, Integer> counts = new java.util.TreeMap<>();
        for (String line : lines) {
            int d = afterGap(plain(line));
            if (d > 0) {
                counts.merge(d, 1, Integer::sum);
            }
        }
        int best = -1;
        int most = 0;
        for (var e : counts.entrySet()) {
            if (e.getValue() > most) {
                best = e.getKey();
                most = e.getValue();
            }
        }
        return best;
    }

    /** Where text resumes after the first gap of 2+ spaces that follows text on an indented line; -1 for none. */
    private static int afterGap(String plain) {
        int s = leadingSpaces(plain);
        if (s == 0) {
            return -1;
        }
        int gap = plain.indexOf("  ", s);
        if (gap < 0) {
            return -1;
        }
        int d = gap;
        while (d < plain.length() && plain.charAt(d) == ' ') {
            d++;
        }
        return d < plain.length() ? d : -1;
    }

    private static int leadingSpaces(String plain) {
        int s = 0;
        while (s < plain.length() && plain.charAt(s) == ' ') {
            s++;
        }
        return s;
    }

    /**
     * A table row's description column + 2 (also when its label leaves a single space before
     * the description); any other indented line's indent + 2; 0 for a line at column 0.
     */
    private static int indent(String plain, int column) {
        int s = leadingSpaces(plain);
        if (s == 0) {
            return 0;
        }
        if (column > s && plain.length() > column && plain.charAt(column - 1) == ' ' && plain.charAt(column) != ' ') {
            return Math.min(column + 2, 40);
        }
        int d = afterGap(plain);
        return Math.min(d > 0 ? d + 2 : s + 2, 40);
    }

    /** Under the first option or parameter, after the command's name: {@code Usage: airlock-export push [-hvV] ...}. */
    private static int synopsisIndent(String line, int start) {
        String plain = plain(line);
        int first = plain.indexOf(" [");
        int dash = plain.indexOf(" -");
        if (first < 0 || (dash >= 0 && dash < first)) {
            first = dash;
        }
        return first < 0 ? start : Math.min(start + first + 1, 40);
    }

    private static String plain(String s) {
        return s.indexOf('\u001B') < 0 ? s : s.replaceAll("\u001B\\[[0-9;]*m", "");
    }
}
