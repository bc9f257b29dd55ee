package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.testing.RegistryExtension;
import dev.airlock.testing.RegistryExtension.Registries;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass K (issue 17): a volume set's list signs exactly which volumes it has, so a file
 * that a stranger drops into the inbox under the name of one more volume of a real set (an empty
 * {@code NAME.tar.999}; set names are predictable, and this one collides with no real volume, so
 * it can wait there before the set arrives) is not part of the bundle. The watcher moved it with
 * the set and the import refused the whole set as "an extra volume": the real, signed, intact set
 * went to rejected/, and every later delta of its channel waits for it until an admin acts. A
 * report beside a bundle that does not match is set aside and never a veto on a signed, intact
 * bundle; neither may a stray volume be.
 */
@ExtendWith(RegistryExtension.class)
class WatchStrangerVolumeIT {
    @TempDir
    Path tmp;

    @Test
    void watchOnce_strangersExtraVolumeBesideARealSet_theSetIsImportedAllTheSame(Registries registries) throws Exception {
        ChainFixture c = new ChainFixture(registries.plain(), registries.plain(), tmp).seedThree();
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        Path list = c.export("--max-volume-size", "1M");
        List<Path> files;
        try (Stream<Path> s = Files.list(list.getParent())) {
            files = s.filter(p -> p.getFileName().toString().startsWith("daily-000001")).sorted().toList();
        }
        Path stranger = inbox.resolve("daily-000001.airlock.tar.999");
        Files.setLastModifiedTime(Files.createFile(stranger), FileTime.fromMillis(System.currentTimeMillis() - 60_000));
        for (Path f : files) {
            Path part = inbox.resolve("." + f.getFileName() + ".part");
            Files.copy(f, part);
            Files.move(part, inbox.resolve(f.getFileName()), StandardCopyOption.ATOMIC_MOVE);
        }
        List<String> args = new ArrayList<>(List.of("watch", inbox.toString(), "--trust", c.exporterKey[1].toString(),
                "--registry", c.target.host() + "/mirror", "--state", c.dir.resolve("import-state").toString(),
                "--poll-interval", "500ms", "--settle", "200ms", "--once"));
        args.addAll(c.target.cliFlags());
        Airlock.Run r = Airlock.importer(args);
        assertTrue(r.out().contains("imported daily-000001.airlock.volumes.json: channel daily, sequence 1"), r.toString());
        assertEquals(0, r.code(), r.toString());
        for (Path f : files) {
            assertTrue(Files.exists(inbox.resolve("done").resolve(f.getFileName())), f.getFileName() + " is not in done/: " + r);
        }
        c.assertAllIdentical();
    }
}
