package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.report.ReportFile;
import dev.airlock.testing.RegistryExtension;
import dev.airlock.testing.RegistryExtension.Registries;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team finding (issue 17, second pass): anyone who can put one file into the inbox without a
 * signing key (a diode session, any authorized SFTP key, a careless copy from old media) can have
 * the next properly signed bundle refused: a stray {@code NAME.report.md} placed before the bundle
 * arrives is taken as the bundle's report, does not match the digest bundle.json records for it,
 * and the bundle goes to {@code rejected/} ("do not trust it", exit 3); its real report, arriving
 * after, is kept beside the stray one as a conflict. The report is informational and unsigned as a
 * file; the signed bundle is what the import must judge. Its channel then waits for that sequence
 * until an admin intervenes.
 */
@ExtendWith(RegistryExtension.class)
class StrayReportIT {
    @TempDir
    Path tmp;

    @Test
    void aStrayReportDroppedBeforeTheBundle_doesNotGetTheSignedBundleRejected(Registries r) throws Exception {
        ChainFixture c = new ChainFixture(r.plain(), r.plain(), tmp).seedThree();
        Path bundle = c.export();
        Path report = bundle.resolveSibling(ReportFile.nameFor(bundle.getFileName().toString()));
        assertTrue(Files.exists(report), "the exporter writes a report beside the bundle: " + report);
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));

        Files.writeString(inbox.resolve(report.getFileName()), "# not this bundle's report\n"); // the stray file, first
        drop(bundle, inbox);

        List<String> args = new ArrayList<>(List.of("watch", inbox.toString(), "--trust", c.exporterKey[1].toString(), "--registry",
                c.target.host() + "/mirror", "--state", c.dir.resolve("import-state").toString(), "--settle", "200ms", "--once"));
        args.addAll(c.target.cliFlags());
        Airlock.Run run = Airlock.importer(args);
        assertTrue(run.out().contains("imported " + bundle.getFileName()), "a signed, intact bundle is imported whatever unsigned"
                + " file lies beside it\n" + run);
        assertEquals(0, run.code(), run.toString());
        // The stray report is set aside, with its reason, and said so; the bundle went to done/ without it.
        String name = report.getFileName().toString();
        assertTrue(run.out().contains("set aside " + name), run.toString());
        assertEquals("# not this bundle's report\n", Files.readString(inbox.resolve("rejected").resolve(name)));
        assertTrue(Files.readString(inbox.resolve("rejected").resolve(name + ".reason")).contains("does not match the sha256"));
        assertTrue(Files.exists(inbox.resolve("done").resolve(bundle.getFileName())));
        assertTrue(!Files.exists(inbox.resolve("done").resolve(name)) && !Files.exists(inbox.resolve(name)), run.toString());
    }

    /** As a sender delivers: a dot name, then a rename. */
    private static void drop(Path file, Path inbox) throws Exception {
        Path t = inbox.resolve("." + file.getFileName() + ".part");
        Files.copy(file, t, StandardCopyOption.REPLACE_EXISTING);
        Files.move(t, inbox.resolve(file.getFileName()), StandardCopyOption.ATOMIC_MOVE);
    }
}
