package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.testing.RegistryExtension;
import dev.airlock.testing.RegistryExtension.Registries;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * One bundle, counted by every output that counts what it carries (issue 22, item 6): bundle,
 * its progress line, verify and its progress line, list, import and its progress line, and the
 * {@code blobs.carried} of their --json all give the same number of blobs, config and layer
 * blobs, with the manifests counted apart (dev.airlock.bundle.BlobCount).
 */
@ExtendWith(RegistryExtension.class)
class BlobCountsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** seedThree: BASE (shared), app/a's layer and config, lib/b's two layers and two configs, tools/c's layer and config. */
    private static final int BLOBS = 9;
    /** app/a, lib/b's index and its two manifests, tools/c. */
    private static final int MANIFESTS = 5;

    @TempDir
    Path tmp;

    @Test
    void bundleVerifyListAndImport_andTheirProgressLines_countTheSameBlobs_manifestsApart(Registries r) throws Exception {
        ChainFixture c = new ChainFixture(r.plain(), r.plain(), tmp).seedThree();
        String trust = c.exporterKey[1].toString();
        Path bundle = c.dir.resolve("out").resolve("daily-000001.airlock.tar");
        String carries = "carries  " + BLOBS + " blobs, ";
        String manifests = "(config and layers) and " + MANIFESTS + " manifests";

        Airlock.Run written = Airlock.subprocess(true, List.of(), c.exportArgs("bundle")).ok();
        assertTrue(line(written.out(), "carries  ").startsWith(carries) && line(written.out(), "carries  ").contains(manifests), written.toString());
        assertEquals(BLOBS, progressCount(written.err(), "exporting"), written.err());

        Airlock.Run verified = Airlock.subprocess(false, List.of(), List.of("verify", bundle.toString(), "--trust", trust)).ok();
        assertTrue(line(verified.out(), "carries  ").startsWith(carries) && line(verified.out(), "carries  ").contains(manifests), verified.toString());
        assertEquals(BLOBS, progressCount(verified.err(), "verifying"), verified.err());

        Airlock.Run listed = Airlock.importer(List.of("list", bundle.toString(), "--trust", trust)).ok();
        assertTrue(line(listed.out(), "carries ").startsWith("carries     " + BLOBS + " blobs, "), listed.toString());

        List<String> importArgs = new ArrayList<>(List.of("import", bundle.toString(), "--trust", trust, "--registry",
                c.target.host() + "/mirror", "--state", c.dir.resolve("import-state").toString()));
        importArgs.addAll(c.target.cliFlags());
        Airlock.Run imported = Airlock.subprocess(false, List.of(), importArgs).ok();
        assertTrue(line(imported.out(), "carries  ").startsWith(carries) && line(imported.out(), "carries  ").contains(manifests), imported.toString());
        assertTrue(line(imported.out(), "blobs    ").startsWith("blobs    per repository: " + BLOBS + " pushed"), imported.toString());
        assertEquals(BLOBS, progressCount(imported.err(), "importing"), imported.err());

        // --json: the same number under blobs.carried
        assertEquals(BLOBS, carried(Airlock.export(c.exportArgs("plan", "--full", "--json")).ok()));
        assertEquals(BLOBS, carried(Airlock.importer(List.of("verify", bundle.toString(), "--trust", trust, "--json")).ok()));
        assertEquals(BLOBS, carried(Airlock.importer(List.of("list", bundle.toString(), "--trust", trust, "--json")).ok()));
        importArgs.add("--json");
        assertEquals(BLOBS, carried(Airlock.importer(importArgs).ok()));
        assertEquals(BLOBS, carried(Airlock.export(c.exportArgs("bundle", "--full", "--json")).ok()));
    }

    private static String line(String out, String prefix) {
        return out.lines().filter(l -> l.startsWith(prefix)).findFirst().orElseThrow(() -> new AssertionError("no line " + prefix + " in " + out));
    }

    /** N of the last "ACTION … N/N blobs" progress line. */
    private static int progressCount(String err, String action) {
        Matcher m = Pattern.compile("^" + action + " .*, (\\d+)/(\\d+) blobs", Pattern.MULTILINE).matcher(err);
        int n = -1;
        while (m.find()) {
            assertEquals(m.group(1), m.group(2), err);
            n = Integer.parseInt(m.group(2));
        }
        return n;
    }

    private static int carried(Airlock.Run run) throws Exception {
        JsonNode o = JSON.readTree(run.out());
        return o.at("/blobs/carried").asInt(-1);
    }
}
