package dev.airlock.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The Markdown pages of the repository as DocsIT reads them: README.md and docs/**.md, their
 * relative links, their headings' anchors (as GitHub makes them) and their fenced blocks by info
 * string ({@code sh runnable}, {@code yaml airlock-export-config}, ...). Text inside fences and
 * inline code is never taken for a link.
 */
final class DocsPages {
    /** A fenced block: its page, the line of its opening fence, its info string and its text. */
    record Block(Path page, int line, String info, String text) {
        String where() {
            return page.getFileName() + ":" + line;
        }
    }

    /** A relative link: its page and line, and the target as written. */
    record Link(Path page, int line, String target) {
    }

    private static final Pattern LINK = Pattern.compile("\\[[^\\]]*\\]\\(([^)\\s]+)\\)");
    private static final Pattern INLINE_CODE = Pattern.compile("`[^`\\n]*`");
    private static final Pattern HEADING = Pattern.compile("^#{1,6} +(.*?)[ #]*$");

    final Path root;

    DocsPages(Path root) {
        this.root = root;
    }

    /** README.md, then every .md under docs/, sorted. */
    List<Path> pages() {
        List<Path> pages = new ArrayList<>(List.of(root.resolve("README.md")));
        try (Stream<Path> s = Files.walk(root.resolve("docs"))) {
            s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return pages;
    }

    static List<String> lines(Path page) {
        try {
            return Files.readAllLines(page);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every fenced block of {@code page}, in order. */
    static List<Block> blocks(Path page) {
        List<Block> blocks = new ArrayList<>();
        List<String> lines = lines(page);
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("```")) {
                int open = i;
                StringBuilder text = new StringBuilder();
                while (++i < lines.size() && !lines.get(i).startsWith("```")) {
                    text.append(lines.get(i)).append('\n');
                }
                blocks.add(new Block(page, open + 1, lines.get(open).substring(3).trim(), text.toString()));
            }
        }
        return blocks;
    }

    /** Links that are neither to another site nor to an e-mail address, outside fences and inline code. */
    static List<Link> relativeLinks(Path page) {
        List<Link> links = new ArrayList<>();
        boolean fence = false;
        List<String> lines = lines(page);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.startsWith("```")) {
                fence = !fence;
                continue;
            }
            if (fence) {
                continue;
            }
            Matcher m = LINK.matcher(INLINE_CODE.matcher(line).replaceAll(""));
            while (m.find()) {
                String target = m.group(1);
                if (!target.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*")) {
                    links.add(new Link(page, i + 1, target));
                }
            }
        }
        return links;
    }

    /** The anchors GitHub gives the headings of {@code page}: lower case, punctuation dropped, spaces as '-', repeats numbered. */
    static Set<String> anchors(Path page) {
        Set<String> anchors = new LinkedHashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        boolean fence = false;
        for (String line : lines(page)) {
            if (line.startsWith("```")) {
                fence = !fence;
            }
            Matcher m = HEADING.matcher(line);
            if (fence || !m.matches()) {
                continue;
            }
            String slug = m.group(1).toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-');
            int n = seen.merge(slug, 1, Integer::sum);
            anchors.add(n == 1 ? slug : slug + "-" + (n - 1));
        }
        return anchors;
    }
}
