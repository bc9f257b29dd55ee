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

    /**
     * Red-team pass M (M7): as the shipped non-root user, a stranger's extra volume it may not move
     * (another user's, mode 0600: the kernel's protected_hardlinks refuses the link) failed the move
     * after the set's own files had gone to done/, and the set was logged as "left in place" for the
     * next run, --once exiting 1. Such a stray is now left in the inbox, said so, and the set is done.
     */
    @Test
    void watchOnce_asNobody_aStraysVolumeItMayNotMove_isLeftAndSaid_theSetIsDone(Registries registries) throws Exception {
        AsNobody.assumePossible();
        Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Path jar = AsNobody.readableJar(tmp, "importer", "airlock-import.jar");
        ChainFixture c = new ChainFixture(registries.plain(), registries.plain(), tmp).seedThree();
        var nobody = tmp.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        Files.setOwner(inbox, nobody);
        Path state = Files.createDirectories(tmp.resolve("nobody-state"));
        Files.setOwner(state, nobody);
        Path list = c.export("--max-volume-size", "1M");
        List<Path> files;
        try (Stream<Path> s = Files.list(list.getParent())) {
            files = s.filter(p -> p.getFileName().toString().startsWith("daily-000001")).sorted().toList();
        }
        Path stranger = inbox.resolve("daily-000001.airlock.tar.999");
        Files.write(stranger, new byte[] {1}); // root's, mode 0600: not nobody's to link
        Files.setPosixFilePermissions(stranger, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Files.setLastModifiedTime(stranger, FileTime.fromMillis(System.currentTimeMillis() - 60_000));
        for (Path f : files) {
            Path part = inbox.resolve("." + f.getFileName() + ".part");
            Files.copy(f, part);
            Files.setOwner(part, nobody); // delivered by serve or diode-receive, running as the service user
            Files.move(part, inbox.resolve(f.getFileName()), StandardCopyOption.ATOMIC_MOVE);
        }
        Path trust = Files.copy(c.exporterKey[1], tmp.resolve("trusted.pub.asc"));
        Files.setPosixFilePermissions(trust, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        List<String> args = new ArrayList<>(List.of("watch", inbox.toString(), "--trust", trust.toString(),
                "--registry", c.target.host() + "/mirror", "--state", state.toString(),
                "--poll-interval", "500ms", "--settle", "200ms", "--once"));
        args.addAll(c.target.cliFlags());
        Airlock.Run r = AsNobody.run(jar, tmp, List.of(), java.time.Duration.ofSeconds(90), args.toArray(String[]::new));
        assertTrue(r.out().contains("imported daily-000001.airlock.volumes.json: channel daily, sequence 1"), r.toString());
        assertTrue(r.out().contains("left daily-000001.airlock.tar.999 in the inbox: a volume name beside daily-000001.airlock.volumes.json"
                + " that its list does not name, and this watcher may not move it"), r.toString());
        assertTrue(!r.out().contains("left daily-000001.airlock.volumes.json in place"), r.toString());
        assertEquals(0, r.code(), r.toString());
        for (Path f : files) {
            assertTrue(Files.exists(inbox.resolve("done").resolve(f.getFileName())), f.getFileName() + " is not in done/: " + r);
        }
        assertTrue(Files.exists(stranger), "the stray stays where it was");
        c.assertAllIdentical();
    }
}
