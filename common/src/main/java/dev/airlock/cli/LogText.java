package dev.airlock.cli;

/**
 * The one escaping for event lines that carry names a remote party chose (file names, SSH user
 * names, paths): {@code watch} and {@code serve} write every line through it.
 */
public final class LogText {
    private LogText() {
    }

    /**
     * One event, one line, shown as written: a name is whatever the sender chose, and one holding a
     * line break (or another control character, such as ESC starting a terminal sequence) would
     * otherwise start a forged event line of its own ({@code x.tar\n... imported ...}) or rewrite
     * what a terminal shows; one holding a bidirectional control (U+202E RIGHT-TO-LEFT OVERRIDE,
     * U+2066..U+2069 isolates, U+200E/U+200F marks, U+061C) or another invisible format character
     * would make the line display in an order other than its bytes' (a fake address, a fake key
     * fingerprint). C0 and C1 controls, DEL, the Unicode line and paragraph separators and every
     * format character ({@link Character#FORMAT}) are written as {@code \n}, {@code \r}, {@code \t} or
     * {@code \u202e} (a character beyond U+FFFF as its two UTF-16 halves, {@code \udb40\udc01});
     * everything else is kept as it is.
     */
    public static String printable(String line) {
        StringBuilder b = null;
        for (int i = 0; i < line.length(); ) {
            int cp = line.codePointAt(i);
            int n = Character.charCount(cp);
            boolean escape = escaped(cp);
            if (escape && b == null) {
                b = new StringBuilder(line.length() + 8).append(line, 0, i);
            }
            if (b != null) {
                if (!escape) {
                    b.appendCodePoint(cp);
                } else if (cp == '\n') {
                    b.append("\\n");
                } else if (cp == '\r') {
                    b.append("\\r");
                } else if (cp == '\t') {
                    b.append("\\t");
                } else {
                    for (char c : Character.toChars(cp)) {
                        b.append(String.format("\\u%04x", (int) c));
                    }
                }
            }
            i += n;
        }
        return b == null ? line : b.toString();
    }

    /** Whether {@code cp} would move, hide or break what a terminal shows of the line. */
    private static boolean escaped(int cp) {
        int type = Character.getType(cp);
        return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) || type == Character.LINE_SEPARATOR
                || type == Character.PARAGRAPH_SEPARATOR || type == Character.FORMAT;
    }
}
