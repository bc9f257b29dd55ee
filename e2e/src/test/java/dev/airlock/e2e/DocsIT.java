package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.config.ConfigYaml;
import dev.airlock.export.cli.ExportMain;
import dev.airlock.export.config.ExportConfig;
import dev.airlock.imports.cli.ImportMain;
import dev.airlock.imports.config.ImportConfig;
import dev.airlock.testing.RegistryExtension;
import dev.airlock.testing.RegistryExtension.Registries;
import dev.airlock.testing.TestImages;
import dev.airlock.testing.TestImages.Image;
import dev.airlock.testing.TestImages.Layer;
import dev.airlock.testing.TestRegistry;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The documentation as a newcomer meets it (issue 22, item 1): README.md stays short; every
 * relative link in README.md and docs/**.md reaches a file and, with #anchor, a heading; every
 * config example reads through the program's own loader and the examples name every key; and every
 * block marked {@code sh runnable} runs, page by page in order, with bash against two fresh
 * loopback registries ($SRC seeded, $DST empty), as docs/README.md documents.
 * {@code -Ddocs.page=NAME.md} runs the blocks of one page only.
 */
@ExtendWith(RegistryExtension.class)
class DocsIT {
    private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
    private static final DocsPages DOCS = new DocsPages(ROOT);

    @TempDir
    Path tmp;

    @Test
    void readme_isAtMost300Lines_noneOf200CharactersOrMore() throws Exception {
        List<String> lines = Files.readAllLines(ROOT.resolve("README.md"));
        assertTrue(lines.size() <= 300, "README.md has " + lines.size() + " lines; at most 300 (the rest belongs in docs/)");
        List<String> longLines = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).length() >= 200) {
                longLines.add("README.md:" + (i + 1) + " (" + lines.get(i).length() + " characters)");
            }
        }
        assertEquals(List.of(), longLines);
    }

    @Test
    void everyRelativeLink_reachesAFileInTheRepository_andItsAnchorAHeading() {
        List<String> broken = new ArrayList<>();
        int count = 0;
        for (Path page : DOCS.pages()) {
            for (DocsPages.Link link : DocsPages.relativeLinks(page)) {
                count++;
                String problem = problem(link);
                if (problem != null) {
                    broken.add(ROOT.relativize(page) + ":" + link.line() + ": " + link.target() + ": " + problem);
                }
            }
        }
        assertTrue(count > 50, "only " + count + " relative links found: is the parser right?");
        assertEquals(List.of(), broken, "broken links");
    }

    private static String problem(DocsPages.Link link) {
        String target = link.target();
        int hash = target.indexOf('#');
        String file = hash < 0 ? target : target.substring(0, hash);
        String anchor = hash < 0 ? null : target.substring(hash + 1);
        Path resolved = file.isEmpty() ? link.page() : link.page().getParent().resolve(file).normalize();
        if (!resolved.startsWith(ROOT)) {
            return "leads out of the repository";
        }
        if (!Files.exists(resolved)) {
            return "no such file " + ROOT.relativize(resolved);
        }
        if (anchor == null) {
            return null;
        }
        if (!resolved.toString().endsWith(".md")) {
            return "an anchor into a file that is not Markdown";
        }
        Set<String> anchors = DocsPages.anchors(resolved);
        return anchors.contains(anchor) ? null : "no heading with anchor #" + anchor + " in " + ROOT.relativize(resolved);
    }

    @Test
    void configExamples_readThroughTheirProgramsLoader_andTogetherNameEveryKey() throws Exception {
        Set<String> exportKeys = new LinkedHashSet<>();
        for (var c : ExportConfig.class.getRecordComponents()) {
            exportKeys.add(c.getName());
        }
        for (var c : ExportConfig.GitlabSecure.class.getRecordComponents()) {
            exportKeys.add("gitlabSecure." + c.getName());
        }
        checkExamples("airlock-export-config", f -> ExportConfig.load(f), exportKeys);
        checkExamples("airlock-import-config", f -> ImportConfig.load(f), new LinkedHashSet<>(ImportConfig.KEYS));
    }

    private void checkExamples(String info, Function<Path, Object> loader, Set<String> known) throws Exception {
        Set<String> missing = new LinkedHashSet<>(known);
        int n = 0;
        for (DocsPages.Block b : blocks(i -> i.equals("yaml " + info))) {
            Path file = tmp.resolve(info + "-" + n++ + ".yaml");
            Files.writeString(file, b.text());
            loader.apply(file); // refuses unknown keys, repeated keys and wrong types, naming the file
            JsonNode tree = ConfigYaml.mapper().readTree(file.toFile());
            for (Iterator<String> it = tree.fieldNames(); it.hasNext();) {
                String key = it.next();
                missing.remove(key);
                tree.get(key).fieldNames().forEachRemaining(sub -> missing.remove(key + "." + sub));
            }
        }
        assertTrue(n > 0, "no block marked ```yaml " + info + " in the docs");
        assertEquals(Set.of(), missing, "keys of " + info + " that no example shows (docs/configuration.md)");
    }

    private List<DocsPages.Block> blocks(Predicate<String> info) {
        List<DocsPages.Block> all = new ArrayList<>();
        for (Path page : DOCS.pages()) {
            DocsPages.blocks(page).stream().filter(b -> info.test(b.info())).forEach(all::add);
        }
        return all;
    }

    @Test
    void runnableBlocks_runPageByPage_againstLoopbackRegistries(Registries registries) throws Exception {
        String only = System.getProperty("docs.page");
        List<String> failures = new ArrayList<>();
        int ran = 0;
        for (Path page : DOCS.pages()) {
            List<DocsPages.Block> runnable = DocsPages.blocks(page).stream().filter(b -> b.info().equals("sh runnable")).toList();
            if (runnable.isEmpty() || only != null && !page.getFileName().toString().equals(only)) {
                continue;
            }
            Path work = Files.createDirectories(tmp.resolve(ROOT.relativize(page).toString().replace('/', '_')));
            PageShell shell = new PageShell(work, bin(), registries.plain(), registries.plain());
            try {
                seed(shell.src);
                for (DocsPages.Block b : runnable) {
                    ran++;
                    String failure = shell.run(b);
                    if (failure != null) {
                        failures.add(failure);
                        break; // later blocks of the page may build on this one
                    }
                }
            } finally {
                shell.close();
            }
        }
        assertTrue(ran >= (only == null ? 10 : 1), "only " + ran + " runnable blocks ran");
        assertEquals(List.of(), failures, "runnable blocks that failed");
    }

    /** $SRC's images, as docs/README.md lists them. */
    private static void seed(TestRegistry src) {
        Layer base = Layer.random(2201, 600_000);
        Image amd = TestImages.image(true, "amd64", null, base, Layer.random(2202, 300_000));
        Image arm = TestImages.image(true, "arm64", "v8", base, Layer.random(2203, 300_000));
        TestImages.push(src.client(), src.host(), "library/alpine", "3.20",
                TestImages.index(true, List.of(amd, arm), List.of(new String[] {"amd64"}, new String[] {"arm64", "v8"})));
        TestImages.push(src.client(), src.host(), "app/web", "1", TestImages.image(true, "amd64", null, base, Layer.random(2204, 300_000)));
    }

    /** airlock-export and airlock-import as commands running the build under test (this JVM's classpath). */
    private Path bin() throws Exception {
        Path bin = tmp.resolve("bin");
        if (Files.isDirectory(bin)) {
            return bin;
        }
        Files.createDirectories(bin);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (String[] p : List.of(new String[] {"airlock-export", ExportMain.class.getName()},
                new String[] {"airlock-import", ImportMain.class.getName()})) {
            Path script = bin.resolve(p[0]);
            Files.writeString(script, "#!/bin/sh\nexec '" + java + "' -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp '"
                    + System.getProperty("java.class.path") + "' " + p[1] + " \"$@\"\n");
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return bin;
    }

    /** One page's shell: its working directory, its registries, its GNUPGHOME. */
    private static final class PageShell implements AutoCloseable {
        final Path work;
        final Path bin;
        final TestRegistry src;
        final TestRegistry dst;

        PageShell(Path work, Path bin, TestRegistry src, TestRegistry dst) throws Exception {
            this.work = work;
            this.bin = bin;
            this.src = src;
            this.dst = dst;
            Files.createDirectories(work.resolve(".gnupg"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Files.createSymbolicLink(work.resolve("scripts"), bin);
        }

        /** Runs one block; null when it succeeded, else where, the exit code and the output. */
        String run(DocsPages.Block b) throws Exception {
            Path script = work.resolve(".block-" + b.line() + ".sh");
            Files.writeString(script, b.text(), StandardCharsets.UTF_8);
            File log = work.resolve(".block-" + b.line() + ".log").toFile();
            ProcessBuilder pb = new ProcessBuilder("bash", "-euo", "pipefail", script.toString()).directory(work.toFile())
                    .redirectErrorStream(true).redirectOutput(log);
            pb.environment().keySet().removeIf(k -> k.startsWith("SECURE_") || k.startsWith("AIRLOCK_") || k.equals("REGISTRY_AUTH_FILE"));
            pb.environment().putAll(java.util.Map.of("SRC", src.host(), "DST", dst.host(), "WORK", work.toString(),
                    "GNUPGHOME", work.resolve(".gnupg").toString(), "PATH", bin + File.pathSeparator + System.getenv("PATH"),
                    "HOME", work.toString()));
            Process p = pb.start();
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                return b.where() + ": timed out after 10 minutes\n" + Files.readString(log.toPath());
            }
            return p.exitValue() == 0 ? null : b.where() + ": exit " + p.exitValue() + "\n" + b.text() + "--- output:\n" + Files.readString(log.toPath());
        }

        /** Stops the gpg-agent a block's gpg may have started for this GNUPGHOME. */
        @Override
        public void close() throws Exception {
            ProcessBuilder pb = new ProcessBuilder("gpgconf", "--kill", "all").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).directory(work.toFile());
            pb.environment().put("GNUPGHOME", work.resolve(".gnupg").toString());
            pb.start().waitFor(30, TimeUnit.SECONDS);
        }
    }
}
