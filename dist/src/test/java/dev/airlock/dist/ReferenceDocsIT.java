package dev.airlock.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The command reference in docs/reference/ is what the build generates from the command
 * definitions (Docs: picocli's ManPageGenerator, the AsciiDoc the man pages are made from), never
 * hand-edited: this fails, naming the pages and the command that copies them over, when a command
 * or option changed and the committed copy did not follow (issue 22, item 1).
 */
class ReferenceDocsIT {
    private static final Path GENERATED = Path.of(System.getProperty("airlock.release.dir", "target"), "docs", "adoc");
    private static final Path COMMITTED = Path.of(System.getProperty("user.dir")).getParent().resolve("docs/reference");

    @Test
    void docsReference_isTheGeneratedAsciiDoc_pageForPage() throws IOException {
        TreeSet<String> names = new TreeSet<>(names(GENERATED));
        assertTrue(names.size() > 10, "the build generated only " + names + " in " + GENERATED);
        names.addAll(names(COMMITTED));
        List<String> stale = new ArrayList<>();
        for (String name : names) {
            Path made = GENERATED.resolve(name);
            Path kept = COMMITTED.resolve(name);
            if (!Files.exists(made)) {
                stale.add(name + " (no such command any more)");
            } else if (!Files.exists(kept) || Files.mismatch(made, kept) != -1) {
                stale.add(name);
            }
        }
        assertEquals(List.of(), stale, "docs/reference/ differs from the generated reference; after mvn -B -pl dist -am package, run:"
                + " rm -f docs/reference/*.adoc && cp dist/target/docs/adoc/*.adoc docs/reference/");
    }

    private static List<String> names(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".adoc")).toList();
        }
    }
}
