package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands besides load that write a file the user names — keygen's --key and --cert, sign's
 * FILE.asc, the importer's receipt --out, bundle's --out directory and the report it writes there — open it the one way
 * ({@code dev.airlock.io.OutputFiles}): what is there and is not a regular file (or directory, for
 * --out) is refused with exit 2 naming it, and left as it was.
 */
class OutputFilesIT {
    @TempDir
    Path tmp;

    private static String type(Path p) throws Exception {
        Tools.Result r = Tools.run("stat", "-c", "%F", p.toString());
        r.ok();
        return r.stdout().trim();
    }

    private Path fifo(String name) throws Exception {
        Path f = tmp.resolve(name);
        Tools.run("mkfifo", f.toString()).ok();
        return f;
    }

    private static void assertRefused(Airlock.Run r, Path named, String kind) {
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains(named.toString()) && r.err().contains(kind), r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
    }

    @Test
    void keygenForce_signAndReceipt_refuseAFifoOrDirectoryAsTheirOutput_andBundleOutAFile() throws Exception {
        Path key = fifo("k.key.asc");
        Airlock.Run keygen = Airlock.export(List.of("keygen", "--uid", "t <t@airlock.test>", "--key", key.toString(), "--cert",
                tmp.resolve("k.pub.asc").toString(), "--force"));
        assertRefused(keygen, key, "FIFO");
        assertEquals("fifo", type(key));
        Path sameName = tmp.resolve("same.asc");
        Airlock.Run same = Airlock.export(List.of("keygen", "--uid", "t <t@airlock.test>", "--key", sameName.toString(), "--cert",
                sameName.toString()));
        assertRefused(same, sameName, "the --key file");

        Path[] keys = Fixture.keygen(tmp, "signer");
        Path file = tmp.resolve("release.tar.gz");
        Files.writeString(file, "release");
        Path asc = fifo("release.tar.gz.asc");
        assertRefused(Airlock.export(List.of("sign", file.toString(), "--key", keys[0].toString())), asc, "FIFO");
        assertEquals("fifo", type(asc));

        Path dir = tmp.resolve("receipt-dir");
        Files.createDirectories(dir);
        Path[] importerKeys = Fixture.keygen(tmp, "importer");
        Airlock.Run receipt = Airlock.importer(List.of("receipt", "--channel", "c", "--key", importerKeys[0].toString(), "--out",
                dir.toString(), "--state", tmp.resolve("state").toString()));
        assertRefused(receipt, dir, "is a directory");

        Path notADir = tmp.resolve("a-file");
        Files.writeString(notADir, "x");
        Airlock.Run bundle = Airlock.export(List.of("bundle", "--channel", "c", "--key", keys[0].toString(), "--out", notADir.toString(),
                "--state", tmp.resolve("export-state").toString(), "--from-docker-archive",
                HandMadeArchive.write(tmp.resolve("in/a.tar"), "mirror.example/a:1", 3, 1000).toString()));
        assertRefused(bundle, notADir, "not a directory");
        assertEquals("x", Files.readString(notADir));

        // The report bundle writes beside the bundle, under its own name: a FIFO there stays, and no bundle is written.
        Path out = tmp.resolve("out");
        Files.createDirectories(out);
        Path report = fifo("out/r-000001.airlock.report.md");
        Airlock.Run withReport = Airlock.export(List.of("bundle", "--channel", "r", "--key", keys[0].toString(), "--out", out.toString(),
                "--state", tmp.resolve("export-state").toString(), "--from-docker-archive", tmp.resolve("in/a.tar").toString()));
        assertRefused(withReport, report, "FIFO");
        assertEquals("fifo", type(report));
        assertTrue(Files.notExists(out.resolve("r-000001.airlock.tar")), "no bundle");
    }
}
