package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.io.NoReplaceDelivery;
import dev.airlock.testing.RegistryExtension;
import dev.airlock.testing.RegistryExtension.Registries;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass L3 (issue 17), end to end with the real import: a stranger who sends first under the
 * (predictable) names of a set's first volume and its signature, or of its list, holds those names;
 * the real files, sent by the inbox's delivery rule, are kept beside them as {@code NAME.conflict-SHA16}.
 * The signed list decides: the real set is imported, and the stranger's files go to rejected/ with
 * a reason naming the name each squatted.
 */
@ExtendWith(RegistryExtension.class)
class WatchSquattedSetIT {
    private static final String STEM = "daily-000001.airlock";

    @TempDir
    Path tmp;

    @Test
    void watchOnce_strangersFilesUnderAVolumesAndTheSignaturesNames_theRealSetIsImported(Registries registries) throws Exception {
        run(registries, List.of(STEM + ".tar.000", STEM + ".volumes.json.asc"));
    }

    @Test
    void watchOnce_strangersListUnderTheListsName_theRealSetIsImported(Registries registries) throws Exception {
        run(registries, List.of(STEM + ".volumes.json"));
    }

    private void run(Registries registries, List<String> squatted) throws Exception {
        ChainFixture c = new ChainFixture(registries.plain(), registries.plain(), tmp).seedThree();
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        Path list = c.export("--max-volume-size", "1M");
        List<Path> files;
        try (Stream<Path> s = Files.list(list.getParent())) {
            files = s.filter(p -> p.getFileName().toString().startsWith(STEM)).sorted().toList();
        }
        for (String name : squatted) {
            Files.write(inbox.resolve(name), "a stranger's".getBytes(StandardCharsets.UTF_8));
        }
        for (Path f : files) {
            Path part = inbox.resolve("." + f.getFileName() + ".part");
            Files.copy(f, part);
            NoReplaceDelivery.deliver(part, inbox.resolve(f.getFileName()));
        }
        try (Stream<Path> s = Files.list(inbox)) {
            for (Path p : s.toList()) {
                Files.setLastModifiedTime(p, FileTime.fromMillis(System.currentTimeMillis() - 60_000));
            }
        }
        List<String> args = new ArrayList<>(List.of("watch", inbox.toString(), "--trust", c.exporterKey[1].toString(),
                "--registry", c.target.host() + "/mirror", "--state", c.dir.resolve("import-state").toString(),
                "--poll-interval", "500ms", "--settle", "200ms", "--once"));
        args.addAll(c.target.cliFlags());
        Airlock.Run r = Airlock.importer(args);
        assertTrue(r.out().contains("imported " + STEM + ".volumes.json: channel daily, sequence 1"), r.toString());
        assertEquals(0, r.code(), r.toString());
        for (Path f : files) {
            assertArrayEquals(Files.readAllBytes(f), Files.readAllBytes(inbox.resolve("done").resolve(f.getFileName())),
                    f.getFileName() + " in done/ is not the real one: " + r);
        }
        for (String name : squatted) {
            assertEquals("a stranger's", Files.readString(inbox.resolve("rejected").resolve(name)), r.toString());
            assertTrue(Files.readString(inbox.resolve("rejected").resolve(name + ".reason")).contains("squatted " + name), r.toString());
        }
        c.assertAllIdentical();
    }
}
