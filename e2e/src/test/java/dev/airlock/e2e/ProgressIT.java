package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.export.cli.ExportMain;
import dev.airlock.imports.cli.ImportMain;
import dev.airlock.testing.FaultProxy;
import dev.airlock.testing.RegistryExtension;
import dev.airlock.testing.RegistryExtension.Registries;
import dev.airlock.testing.TestImages;
import dev.airlock.testing.TestImages.Layer;
import dev.airlock.testing.TestRegistry;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Progress counts bytes while a blob streams, not when it ends: one large layer held up half-way
 * (a {@link FaultProxy} stall) shows a percentage between 0 and 100 in the plain lines of the real
 * programs, in their own JVMs with {@code --progress=plain} and a short
 * {@code AIRLOCK_PROGRESS_INTERVAL}, on export (download) and on import (upload).
 */
@ExtendWith(RegistryExtension.class)
class ProgressIT {
    private static final long MIB = 1 << 20;
    private static final Duration STALL = Duration.ofSeconds(3);
    private static final Pattern PERCENT = Pattern.compile("^(exporting|importing) .* of (\\S+ \\S+) \\((\\d+)%\\)");

    @TempDir
    Path tmp;

    @Test
    void oneLargeLayerHeldUpHalfWay_showsItsBytesWhileItStreams_onExportAndImport(Registries registries) throws Exception {
        TestRegistry source = registries.plain();
        TestRegistry target = registries.plain();
        Layer big = Layer.random(7, 16 * MIB);
        TestImages.push(source.client(), source.host(), "big/layer", "1", TestImages.image(true, "amd64", null, Layer.random(8, 500), big));
        Path[] keys = Fixture.keygen(tmp, "exporter");

        Run export;
        try (FaultProxy proxy = FaultProxy.start(source)) {
            FaultProxy.Rule stall = proxy.on("GET", "/v2/.+/blobs/" + big.digest()).times(1).stallResponseBodyAfter(4 * MIB, STALL);
            TestRegistry via = source.through(proxy);
            List<String> args = new ArrayList<>(List.of("bundle", "--image", via.host() + "/big/layer:1", "--channel", "p", "--key",
                    keys[0].toString(), "--out", tmp.resolve("out").toString(), "--state", tmp.resolve("xs").toString()));
            args.addAll(via.cliFlags());
            export = run(true, args);
            assertEquals(1, stall.applied(), proxy.describe());
        }
        assertEquals(0, export.code, export.toString());
        assertStreamed(export, "exporting");

        Run imported;
        try (FaultProxy proxy = FaultProxy.start(target)) {
            FaultProxy.Rule stall = proxy.on("PUT", "/v2/.+/blobs/uploads/.*digest=" + big.digest() + ".*").times(1).stallRequestBodyAfter(2 * MIB, STALL);
            TestRegistry via = target.through(proxy);
            List<String> args = new ArrayList<>(List.of("import", tmp.resolve("out").resolve("p-000001.airlock.tar").toString(),
                    "--trust", keys[1].toString(), "--registry", via.host(), "--state", tmp.resolve("is").toString()));
            args.addAll(via.cliFlags());
            imported = run(false, args);
            assertEquals(1, stall.applied(), proxy.describe());
        }
        assertEquals(0, imported.code, imported.toString());
        assertStreamed(imported, "importing");
    }

    /** Lines before the last show a share strictly between 0 and 100 % of all bytes; the last says 100 % and the time taken. */
    private static void assertStreamed(Run r, String action) {
        TreeSet<Integer> partial = new TreeSet<>();
        String last = null;
        for (String line : r.err.lines().toList()) {
            Matcher m = PERCENT.matcher(line);
            if (m.find() && m.group(1).equals(action)) {
                int p = Integer.parseInt(m.group(3));
                if (p > 0 && p < 100) {
                    partial.add(p);
                    assertTrue(line.contains(" left") || line.contains("time left unknown"), line);
                }
                last = line;
            }
        }
        assertTrue(!partial.isEmpty(), "a line while the large layer was held up half-way:\n" + r.err);
        assertTrue(last != null && last.contains("(100%)") && last.contains("/s, in "), "the last line: " + last + "\n" + r.err);
    }

    private record Run(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\nstdout: " + out + "\nstderr: " + err;
        }
    }

    private Run run(boolean export, List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(export ? ExportMain.class.getName() : ImportMain.class.getName());
        cmd.addAll(args);
        cmd.add("--progress=plain");
        File out = tmp.resolve("run.out").toFile();
        File err = tmp.resolve("run.err").toFile();
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out).redirectError(err);
        pb.environment().put("AIRLOCK_PROGRESS_INTERVAL", "250ms");
        pb.environment().remove("CI");
        Process p = pb.start();
        if (!p.waitFor(2, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + cmd);
        }
        return new Run(p.exitValue(), Files.readString(out.toPath()), Files.readString(err.toPath()));
    }
}
