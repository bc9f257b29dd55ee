package dev.airlock.dist.build;

import dev.airlock.export.cli.ExportMain;
import dev.airlock.imports.cli.ImportMain;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.asciidoctor.Asciidoctor;
import org.asciidoctor.Attributes;
import org.asciidoctor.Options;
import org.asciidoctor.SafeMode;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.codegen.docgen.manpage.ManPageGenerator;

/**
 * Build time (mvn package, module dist): man pages and bash completion for both programs, made
 * from the same command models the programs run with, so they list every command and option.
 * picocli's ManPageGenerator writes one AsciiDoc page per command and subcommand; Asciidoctor's
 * manpage backend turns them into troff ({@code man1/airlock-export-bundle.1}, …); picocli's
 * AutoComplete writes a completion script that bash and zsh (through bashcompinit) both read.
 *
 * <p>Usage: {@code Docs OUT}: writes {@code OUT/man1/*.1} and {@code OUT/completion/NAME}. The pages' version is
 * {@link dev.airlock.cli.Version}, the one the programs print.
 */
public final class Docs {
    private Docs() {
    }

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args[0]);
        Path adoc = out.resolve("adoc");
        Path man = out.resolve("man1");
        Path completion = out.resolve("completion");
        for (Path d : List.of(adoc, man, completion)) {
            clean(d);
            Files.createDirectories(d);
        }
        for (CommandLine cl : List.of(ExportMain.model(), ImportMain.model())) {
            String name = cl.getCommandName();
            int rc = ManPageGenerator.generateManPage(adoc.toFile(), null, new boolean[0], true, cl.getCommandSpec());
            if (rc != 0) {
                throw new IllegalStateException("ManPageGenerator failed for " + name + " (" + rc + ")");
            }
            Files.writeString(completion.resolve(name), AutoComplete.bash(name, cl), StandardCharsets.UTF_8);
        }
        // No dates or generator versions in the pages: the same sources make the same release.
        Attributes attributes = Attributes.builder()
                .attribute("reproducible", "")
                .attribute("docdate", "")
                .attribute("doctime", "")
                .attribute("manmanual", "airlock manual")
                .attribute("mansource", "airlock " + dev.airlock.cli.Version.number())
                .build();
        Options options = Options.builder().backend("manpage").safe(SafeMode.UNSAFE).toDir(man.toFile()).mkDirs(true)
                .attributes(attributes).build();
        try (Asciidoctor asciidoctor = Asciidoctor.Factory.create(); Stream<Path> pages = Files.list(adoc)) {
            for (Path page : pages.sorted().toList()) {
                Files.writeString(page, AdocLabels.escapeBrackets(Files.readString(page, StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
                asciidoctor.convertFile(page.toFile(), options);
            }
        }
        try (Stream<Path> made = Files.list(man)) {
            System.out.println("[docs] " + made.count() + " man pages in " + man + ", completion in " + completion);
        }
    }

    private static void clean(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted((a, b) -> b.compareTo(a)).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

}
