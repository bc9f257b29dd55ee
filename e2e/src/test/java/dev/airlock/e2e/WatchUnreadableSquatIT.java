package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.bundle.VolumeList;
import dev.airlock.io.NoReplaceDelivery;
import dev.airlock.testing.RegistryExtension;
import dev.airlock.testing.RegistryExtension.Registries;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass U (issue 17, U1), end to end as the shipped non-root user: a signed set's list and
 * signature arrive first (a volume's first copy lost, or still on its way); its volume names and sizes
 * are on the list, readable in the inbox. A stranger writes a file of the listed size under the first
 * volume's name (readable, other bytes) and one under the second's that the watcher may not read
 * (mode 0600: his own). The import refuses the set for the first volume's sha256; the watcher reads
 * the volumes again to tell the stranger's from the set's, cannot read the second, and finds none:
 * the real list and signature went to rejected/, and the real volumes, arriving next, never found
 * them. Root stands in for the stranger (its files are a stranger's to the watcher, and no more
 * readable to nobody than his).
 */
@ExtendWith(RegistryExtension.class)
class WatchUnreadableSquatIT {
    private static final String STEM = "daily-000001.airlock";

    @TempDir
    Path tmp;

    @Test
    void watchOnce_asNobody_aStrangersUnreadableFileUnderAVolumesName_neverTakesTheRealListToRejected(Registries registries)
            throws Exception {
        AsNobody.assumePossible();
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path jar = AsNobody.readableJar(tmp, "importer", "airlock-import.jar");
        ChainFixture c = new ChainFixture(registries.plain(), registries.plain(), tmp).seedThree();
        UserPrincipal nobody = tmp.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        Files.setOwner(inbox, nobody);
        Files.setPosixFilePermissions(inbox, PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.setAttribute(inbox, "unix:mode", 01777); // a shared inbox, sticky
        Path state = Files.createDirectories(tmp.resolve("nobody-state"));
        Files.setOwner(state, nobody);
        Path list = c.export("--max-volume-size", "1M");
        VolumeList vl = VolumeList.parse(Files.readAllBytes(list), list.toString());
        assertTrue(vl.volumes().size() >= 2, "needs two volumes: " + vl.volumes());
        for (String name : List.of(STEM + ".volumes.json", STEM + ".volumes.json.asc")) { // the real list and signature first
            deliverAsNobody(list.resolveSibling(name), inbox, name, nobody);
        }
        VolumeList.Volume first = vl.volumes().get(0);
        VolumeList.Volume second = vl.volumes().get(1);
        Files.write(inbox.resolve(first.name()), new byte[(int) first.size()]); // the stranger's, other bytes
        Path unreadable = Files.write(inbox.resolve(second.name()), new byte[(int) second.size()]);
        Files.setPosixFilePermissions(unreadable, PosixFilePermissions.fromString("rw-------"));
        for (int i = 2; i < vl.volumes().size(); i++) { // the rest of the real set, if any
            deliverAsNobody(list.resolveSibling(vl.volumes().get(i).name()), inbox, vl.volumes().get(i).name(), nobody);
        }
        settled(inbox);
        Path trust = Files.copy(c.exporterKey[1], tmp.resolve("trusted.pub.asc"));
        Files.setPosixFilePermissions(trust, PosixFilePermissions.fromString("rw-r--r--"));
        List<String> args = new ArrayList<>(List.of("watch", inbox.toString(), "--trust", trust.toString(),
                "--registry", c.target.host() + "/mirror", "--state", state.toString(),
                "--poll-interval", "500ms", "--settle", "200ms", "--once"));
        args.addAll(c.target.cliFlags());
        Airlock.Run r = AsNobody.run(jar, tmp, List.of(), java.time.Duration.ofSeconds(90), args.toArray(String[]::new));
        assertFalse(Files.exists(inbox.resolve("rejected").resolve(STEM + ".volumes.json")), "the real list went to rejected/: " + r);
        assertTrue(Files.exists(inbox.resolve(STEM + ".volumes.json")) && Files.exists(inbox.resolve(STEM + ".volumes.json.asc")),
                "the real list or signature left the inbox: " + r);
        for (VolumeList.Volume v : List.of(first, second)) { // the real volumes, next round: beside the stranger's, if still there
            deliverAsNobody(list.resolveSibling(v.name()), inbox, v.name(), nobody);
        }
        settled(inbox);
        boolean imported = false;
        StringBuilder runs = new StringBuilder();
        for (int i = 0; i < 3 && !imported; i++) {
            r = AsNobody.run(jar, tmp, List.of(), java.time.Duration.ofSeconds(90), args.toArray(String[]::new));
            runs.append(r).append('\n');
            imported = r.out().contains("imported " + STEM + ".volumes.json: channel daily, sequence 1");
        }
        assertTrue(imported, "the real set was never imported: " + runs);
        c.assertAllIdentical();
    }

    /** {@code src} delivered into {@code inbox} as {@code name} by the delivery rule, as serve or diode-receive (user nobody) would. */
    private static void deliverAsNobody(Path src, Path inbox, String name, UserPrincipal nobody) throws Exception {
        Path part = inbox.resolve("." + name + ".part");
        Files.copy(src, part);
        Files.setOwner(part, nobody);
        NoReplaceDelivery.deliver(part, inbox.resolve(name));
    }

    private static void settled(Path inbox) throws Exception {
        try (Stream<Path> s = Files.list(inbox)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                Files.setLastModifiedTime(p, FileTime.fromMillis(System.currentTimeMillis() - 60_000));
            }
        }
    }
}
