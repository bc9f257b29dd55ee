package dev.airlock.dist.build;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Makes the option labels in picocli's generated AsciiDoc safe for Asciidoctor. picocli writes an
 * option as {@code [*--creds*=_USER[:PASSWORD]_]}; a label that ends in {@code ]} inside the italics
 * reads to Asciidoctor as an attribute list followed by more italics up to the next label's
 * {@code _}, and the man page's SYNOPSIS came out as {@code [--config=FILE] ] [--creds-file=_FILE]}:
 * --creds gone, brackets unbalanced. Brackets inside an italic run are written as the attribute
 * references {@code {startsb}} and {@code {endsb}} (Asciidoctor's own escape for them), which are
 * replaced only after the italics are parsed; every other bracket (the synopsis' optional-option
 * brackets) stays as picocli wrote it.
 */
final class AdocLabels {
    /** An italic run with no blank and no underscore inside, holding at least one bracket: a label such as {@code _HOST[:PORT]/DIR_}. */
    private static final Pattern LABEL = Pattern.compile("_([^_\\s\\[\\]]*[\\[\\]][^_\\s]*)_");

    private AdocLabels() {
    }

    static String escapeBrackets(String adoc) {
        Matcher m = LABEL.matcher(adoc);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String label = m.group(1).replace("[", "{startsb}").replace("]", "{endsb}");
            m.appendReplacement(out, Matcher.quoteReplacement("_" + label + "_"));
        }
        m.appendTail(out);
        return out.toString();
    }
}
