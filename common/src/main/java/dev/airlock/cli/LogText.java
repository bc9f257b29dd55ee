package dev.airlock.cli;

/**
 * The one escaping for event lines that carry names a remote party chose (file names, SSH user
 * names, paths): {@code watch} and {@code serve} write every line through it.
 */
public final class LogText {
    private LogText() {
    }

    /**
     * One event, one line: a name is whatever the sender chose, and one holding a line break (or
     * another control character, such as ESC starting a terminal sequence) would otherwise start a
     * forged event line of its own ({@code x.tar\n... imported ...}) or rewrite what a terminal
     * shows. C0 and C1 controls, DEL and the Unicode line and paragraph separators are written as
     * {@code \n}, {@code \r}, {@code \t} or {@code \u001b}; everything else is kept as it is.
     */
    public static String printable(String line) {
        StringBuilder b = null;
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            boolean control = ch < 0x20 || ch == 0x7f || (ch >= 0x80 && ch < 0xa0) || ch == '\u2028' || ch == '\u2029';
            if (control && b == null) {
                b = new StringBuilder(line.length() + 8).append(line, 0, i);
            }
            if (b != null) {
                if (!control) {
                    b.append(ch);
                } else if (ch == '\n') {
                    b.append("\\n");
                } else if (ch == '\r') {
                    b.append("\\r");
                } else if (ch == '\t') {
                    b.append("\\t");
                } else {
                    b.append(String.format("\\u%04x", (int) ch));
                }
            }
        }
        return b == null ? line : b.toString();
    }
}
