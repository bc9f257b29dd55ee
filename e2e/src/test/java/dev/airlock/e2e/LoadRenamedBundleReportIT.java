package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.report.ReportFile;
import dev.airlock.testing.RegistryExtension;
import dev.airlock.testing.RegistryExtension.Registries;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass C (issue 17, a way around the fix of H2). {@code load} now refuses
 * {@code --docker-archive NAME.report.md} for the bundle {@code NAME.tar}, but the report it reads
 * and checks is the one bundle.json names, beside the bundle, whatever the bundle's file is called
 * now. A bundle under another name (a {@code NAME.conflict-SHA16} an admin renamed, a numbered
 * {@code done/} copy, a copy called {@code foo.tar}) reads {@code c-000001.airlock.report.md}; that
 * file is not counted among the inputs, so load overwrites it (exit 0), and the next verify of the
 * same signed bundle says exit 3, "do not trust it".
 */
@ExtendWith(RegistryExtension.class)
class LoadRenamedBundleReportIT {
    @TempDir
    Path tmp;

    @Test
    void load_ofARenamedBundle_refusesItsSignedReportAsOutput_andLeavesItAsItWas(Registries r) throws Exception {
        ChainFixture c = new ChainFixture(r.plain(), r.plain(), tmp).seedThree();
        Path bundle = c.export();
        Path report = bundle.resolveSibling(ReportFile.nameFor(bundle.getFileName().toString()));
        Path dir = Files.createDirectories(tmp.resolve("copy"));
        Path renamed = Files.copy(bundle, dir.resolve("foo.tar"));
        Path itsReport = Files.copy(report, dir.resolve(report.getFileName()));
        byte[] before = Files.readAllBytes(itsReport);
        Airlock.Run verify = Airlock.importer(List.of("verify", renamed.toString(), "--trust", c.exporterKey[1].toString()));
        assertTrue(verify.out().contains(report.getFileName() + " (matches)"), "verify reads this report for foo.tar\n" + verify);

        Airlock.Run load = Airlock.importer(List.of("load", renamed.toString(), "--trust", c.exporterKey[1].toString(),
                "--docker-archive", itsReport.toString(), "-q"));

        assertEquals(2, load.code(), "the report the bundle's signature covers is an input of load\n" + load);
        assertEquals(new String(before), Files.readString(itsReport), load.toString());
    }
}
