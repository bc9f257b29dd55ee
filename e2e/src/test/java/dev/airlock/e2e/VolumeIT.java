package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.testing.RegistryExtension;
import dev.airlock.testing.RegistryExtension.Registries;
import dev.airlock.testing.TestImages;
import dev.airlock.testing.TestImages.Image;
import dev.airlock.testing.TestImages.Layer;
import dev.airlock.testing.TestRegistry;
import dev.airlock.testing.Tools;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bundles on removable media (issue 9, items 1, 2 and 5): written as volumes of {@code
 * --max-volume-size} onto a directory standing in for a USB stick, imported from the list or any
 * volume without concatenating them, reassembled with {@code cat} into the single-file bundle;
 * every damaged set (a volume removed, truncated, swapped, extra or corrupted) refused with exit 3
 * naming the volume before anything is pushed; a bundle that cannot fit refused before a byte is
 * written; a byte changed on disk between write and check caught by the read-back.
 */
@ExtendWith(RegistryExtension.class)
class VolumeIT {
    private static final String CHANNEL = "usb";
    private static final String NAME = CHANNEL + "-000001.airlock";

    @TempDir
    Path tmp;

    private TestRegistry source;
    private Image image;
    private Layer big;
    private Path[] keys;
    private Path stick;

    /** An image of about 3.3 MB: with 1M volumes, a set of four. */
    private void seed(Registries registries) throws Exception {
        source = registries.plain();
        big = Layer.random(901, 2_000_000);
        image = TestImages.image(true, "amd64", null, Layer.random(902, 1_200_000), big, Layer.random(903, 5_000));
        TestImages.push(source.client(), source.host(), "app/web", "1", image);
        keys = Fixture.keygen(tmp, "exporter");
        stick = tmp.resolve("stick");
    }

    private List<String> exportArgs(Path out, String... extra) throws IOException {
        List<String> args = new ArrayList<>(List.of("bundle", "--image", source.host() + "/app/web:1", "--channel", CHANNEL,
                "--key", keys[0].toString(), "--out", out.toString(), "--state", tmp.resolve("xs").toString()));
        args.addAll(List.of(extra));
        args.addAll(source.cliFlags());
        return args;
    }

    private Airlock.Run importFrom(Path given, TestRegistry target) throws IOException {
        List<String> args = new ArrayList<>(List.of("import", given.toString(), "--trust", keys[1].toString(), "--registry", target.host(),
                "--state", tmp.resolve("is-" + target.host().replace(':', '-')).toString()));
        args.addAll(target.cliFlags());
        return Airlock.importer(args);
    }

    private List<Path> volumes() throws IOException {
        try (Stream<Path> s = Files.list(stick)) {
            return s.filter(p -> p.getFileName().toString().matches(Pattern.quote(NAME) + "\\.tar\\.\\d+")).sorted().toList();
        }
    }

    private Path list() {
        return stick.resolve(NAME + ".volumes.json");
    }

    @Test
    void volumeSet_importsByteIdenticalFromTheListOrAnyVolume_andCatGivesTheSingleFileBundle(Registries registries) throws Exception {
        seed(registries);
        Airlock.Run r = Airlock.export(exportArgs(stick, "--max-volume-size", "1M")).ok();
        assertTrue(r.out().contains("bundle   " + list()), r.out());
        assertTrue(r.out().contains("read back from the medium (O_DIRECT)"), r.out());
        List<Path> volumes = volumes();
        assertEquals(4, volumes.size(), "3.3 MB in volumes of 1,000,000 bytes: " + volumes);
        List<String> all = names(stick);
        assertEquals(List.of(NAME + ".report.md", NAME + ".tar.000", NAME + ".tar.001", NAME + ".tar.002", NAME + ".tar.003",
                NAME + ".volumes.json", NAME + ".volumes.json.asc"), all, "the set, its list and its report, nothing else (no temporary file)");
        for (int i = 0; i < 3; i++) {
            assertEquals(1_000_000, Files.size(volumes.get(i)));
        }

        // gpg checks the list's signature as it checks bundle.json's.
        Path gnupg = Files.createDirectories(tmp.resolve("gnupg"));
        Files.setPosixFilePermissions(gnupg, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        Map<String, String> env = Map.of("GNUPGHOME", gnupg.toString());
        Tools.run(List.of("gpg", "--batch", "--import", keys[1].toString()), env, null).ok();
        Tools.Result gpg = Tools.run(List.of("gpg", "--batch", "--verify-options", "show-notations", "--verify", NAME + ".volumes.json.asc",
                NAME + ".volumes.json"), env, stick);
        assertEquals(0, gpg.exitCode(), gpg.stderr());
        // ... and reads in it the notation naming the list's sha256, by which the watcher pairs copies (docs/bundle-format.md).
        String listSha = Tools.run("sha256sum", list().toString()).ok().stdout().split(" ")[0];
        assertTrue(gpg.stderr().contains("signed-sha256@airlock=" + listSha), gpg.stderr());
        // Each volume's sha256 as sha256sum computes it is the one the list names.
        String listed = Files.readString(list());
        for (Path v : volumes) {
            String sum = Tools.run("sha256sum", v.toString()).ok().stdout().split(" ")[0];
            assertTrue(listed.contains("\"sha256:" + sum + "\""), v.getFileName() + " " + sum + " in " + listed);
        }

        // verify and import from the list, from a volume in the middle, and from the missing .tar's name.
        for (Path given : List.of(list(), volumes.get(2), stick.resolve(NAME + ".tar"))) {
            Airlock.Run v = Airlock.importer(List.of("verify", given.toString(), "--trust", keys[1].toString()));
            assertEquals(0, v.code(), given + "\n" + v);
        }
        TestRegistry target = registries.plain();
        importFrom(volumes.get(1), target).ok();
        assertEquals(image.manifest().digest().toString(), Fixture.skopeoDigest(target, target.host() + "/app/web:1"));

        // cat reassembles the single-file bundle, which tar, verify and import read like any other.
        Path joined = Files.createDirectories(tmp.resolve("joined"));
        Tools.Result cat = Tools.run(List.of("sh", "-c", "cat " + stick + "/" + NAME + ".tar.* > " + joined + "/" + NAME + ".tar"), Map.of(), null);
        assertEquals(0, cat.exitCode(), cat.stderr());
        Path single = joined.resolve(NAME + ".tar");
        assertEquals(Files.readString(list()).contains("\"size\" : " + Files.size(single)), true, "the list's size is the joined file's");
        Tools.Result tar = Tools.run("tar", "-tf", single.toString()).ok();
        assertEquals("airlock/bundle.json", tar.stdout().lines().findFirst().orElse(""), tar.stdout());
        assertTrue(tar.stdout().contains("blobs/sha256/" + big.digest().hex()), tar.stdout());
        Airlock.importer(List.of("verify", single.toString(), "--trust", keys[1].toString())).ok();
        TestRegistry second = registries.plain();
        importFrom(single, second).ok();
        assertEquals(image.manifest().digest().toString(), Fixture.skopeoDigest(second, second.host() + "/app/web:1"));
    }

    /** Damage a set the way carrying it can, and the import names the volume, exits 3 and pushes nothing. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"removed", "truncated", "extended", "swapped", "extra", "corrupted", "list-unsigned", "list-missing"})
    void damagedVolumeSet_isRefusedWithExit3NamingTheVolume_beforeAnyPush(String damage, Registries registries) throws Exception {
        seed(registries);
        Airlock.export(exportArgs(stick, "--max-volume-size", "1M")).ok();
        List<Path> v = volumes();
        String named;
        switch (damage) {
            case "removed" -> {
                Files.delete(v.get(2));
                named = "volume " + v.get(2).getFileName() + " (3 of 4";
            }
            case "truncated" -> {
                try (RandomAccessFile f = new RandomAccessFile(v.get(1).toFile(), "rw")) {
                    f.setLength(999_000);
                }
                named = "volume " + v.get(1).getFileName() + " (2 of 4";
            }
            case "extended" -> {
                Files.write(v.get(1), new byte[] {0}, java.nio.file.StandardOpenOption.APPEND);
                named = "volume " + v.get(1).getFileName() + " (2 of 4 in " + NAME + ".volumes.json) is 1000001 bytes but the list says "
                        + "1000000: it is longer than written (bytes added after it was written?); copy it again";
            }
            case "swapped" -> {
                Path aside = stick.resolve("aside");
                Files.move(v.get(1), aside);
                Files.move(v.get(2), v.get(1));
                Files.move(aside, v.get(2));
                named = "volume " + v.get(1).getFileName() + " holds what";
            }
            case "extra" -> {
                Files.copy(v.get(3), stick.resolve(NAME + ".tar.004"));
                named = "volume " + NAME + ".tar.004";
            }
            case "corrupted" -> {
                try (RandomAccessFile f = new RandomAccessFile(v.get(2).toFile(), "rw")) {
                    f.seek(654_321);
                    int b = f.read();
                    f.seek(654_321);
                    f.write(b ^ 0x10);
                }
                named = "volume " + v.get(2).getFileName() + " (3 of 4) does not match its sha256";
            }
            case "list-unsigned" -> {
                Files.delete(stick.resolve(NAME + ".volumes.json.asc"));
                named = NAME + ".volumes.json.asc is missing";
            }
            case "list-missing" -> {
                Files.delete(list());
                named = "the volume list " + NAME + ".volumes.json is not beside it";
            }
            default -> throw new IllegalArgumentException(damage);
        }
        TestRegistry target = registries.plain();
        Path given = damage.equals("list-missing") ? v.get(0) : list();
        Airlock.Run r = importFrom(given, target);
        assertEquals(3, r.code(), damage + "\n" + r);
        assertEquals(1, r.err().lines().filter(l -> !l.isBlank()).count(), "one line: " + r.err());
        assertTrue(r.err().contains(named), "names " + named + ": " + r.err());
        assertEquals("{\"repositories\":[]}", Fixture.get(target, "/v2/_catalog").trim(), "nothing reached the registry");
        Airlock.Run verify = Airlock.importer(List.of("verify", given.toString(), "--trust", keys[1].toString()));
        assertEquals(3, verify.code(), "verify refuses it too\n" + verify);
        assertTrue(verify.err().contains(named), verify.err());
    }

    @Test
    void volumeListSignedByAnUntrustedKey_isRefusedFirst_beforeAnyVolumeIsRead(Registries registries) throws Exception {
        seed(registries);
        Airlock.export(exportArgs(stick, "--max-volume-size", "1M")).ok();
        Files.delete(volumes().get(0)); // damage that would be reported if the volumes were looked at first
        Path[] stranger = Fixture.keygen(tmp, "stranger");
        Airlock.Run r = Airlock.importer(List.of("verify", list().toString(), "--trust", stranger[1].toString()));
        assertEquals(3, r.code(), r.toString());
        assertTrue(r.err().contains(NAME + ".volumes.json is not signed by any trusted key"), r.err());
    }

    @Test
    void bundleThatCannotFit_isRefusedWithExit1NamingDirectoryNeededAndFree_leavingNothing(Registries registries) throws Exception {
        seed(registries);
        Path small = tmp.resolve("small-stick");
        try (Tmpfs fs = Tmpfs.mount(small, "2m")) {
            for (String[] shape : new String[][] {{"--max-volume-size", "1M"}, {}}) {
                Airlock.Run r = Airlock.export(exportArgs(small, shape));
                assertEquals(1, r.code(), List.of(shape) + "\n" + r);
                String line = r.err().lines().filter(l -> !l.isBlank()).findFirst().orElse("");
                assertEquals(1, r.err().lines().filter(l -> !l.isBlank()).count(), r.err());
                Matcher m = Pattern.compile("not enough free space in " + Pattern.quote(small.toString())
                        + " for the bundle of channel usb: it needs (\\d+) bytes .*, (\\d+) bytes \\(.*\\) are free").matcher(line);
                assertTrue(m.find(), line);
                assertTrue(Long.parseLong(m.group(1)) > 3_000_000, "needs the whole bundle: " + line);
                assertTrue(Long.parseLong(m.group(2)) <= 2L << 20, "free is what the 2 MiB disk has: " + line);
                assertEquals(List.of(), names(small), "nothing written");
            }
        }
        // The refusal did not advance the chain: with room, the bundle is still number 1.
        Airlock.export(exportArgs(stick, "--max-volume-size", "1M")).ok();
        assertTrue(Files.exists(list()));
    }

    /** Changes one byte of the bundle on disk (in the file that holds it) after it is written and fsynced, before it is read back. */
    public static final class ChangeAByte implements dev.airlock.bundle.BundleWriter.ReadBackHook {
        static final long AT = 1_500_000; // inside volume 001 of 1M volumes: in the 2 MB layer's data
        static volatile boolean done;

        @Override
        public void beforeReadBack(Path file, long offset, long length) throws IOException {
            long inFile = AT - 1_000_000;
            if (!done && file.getFileName().toString().endsWith(".tar.001.partial") && inFile >= offset && inFile < offset + length) {
                done = true;
                try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
                    f.seek(inFile);
                    int b = f.read();
                    f.seek(inFile);
                    f.write(b ^ 0x01);
                }
            }
        }
    }

    @Test
    void byteChangedOnDiskBetweenWriteAndCheck_isCaughtByTheReadBack_exit1NamingVolumeAndOffset(Registries registries) throws Exception {
        seed(registries);
        ChangeAByte.done = false;
        System.setProperty("airlock.test.beforeReadBack", ChangeAByte.class.getName());
        Airlock.Run r;
        try {
            r = Airlock.export(exportArgs(stick, "--max-volume-size", "1M"));
        } finally {
            System.clearProperty("airlock.test.beforeReadBack");
        }
        assertTrue(ChangeAByte.done, "the hook changed the byte");
        assertEquals(1, r.code(), r.toString());
        String line = r.err().lines().filter(l -> !l.isBlank()).findFirst().orElse("");
        assertTrue(line.contains("volume " + NAME + ".tar.001"), line);
        Matcher m = Pattern.compile("at bytes (\\d+)-(\\d+)").matcher(line);
        assertTrue(m.find(), line);
        long changed = ChangeAByte.AT - 1_000_000;
        assertTrue(Long.parseLong(m.group(1)) <= changed && changed <= Long.parseLong(m.group(2)), "the named range holds byte " + changed + ": " + line);
        assertTrue(line.contains("blobs/sha256/" + big.digest().hex()), "names the entry: " + line);
        assertEquals(List.of(), Files.exists(stick) ? names(stick) : List.of(), "nothing under a final or temporary name");

        // Without the fault the same export writes bundle 1: the failed one was never recorded.
        Airlock.Run again = Airlock.export(exportArgs(stick, "--max-volume-size", "1M")).ok();
        assertTrue(again.out().contains("sequence 1 (full)"), again.out());
        // --no-verify-after-write skips the check (and says so).
        Airlock.Run nv = Airlock.export(exportArgs(tmp.resolve("nv"), "--max-volume-size", "1M", "--no-verify-after-write", "--full")).ok();
        assertTrue(nv.out().contains("not read back (--no-verify-after-write)"), nv.out());
    }

    @Test
    void exporterKilledBetweenVolumeRenamesAndTheList_rerunRemovesTheIncompleteSet_andWritesItWhole(Registries registries) throws Exception {
        seed(registries);
        Airlock.Run crashed = Airlock.subprocess(true, List.of("-Dairlock.test.crashAt=between-renames"),
                exportArgs(stick, "--max-volume-size", "1M"));
        assertEquals(99, crashed.code(), crashed.toString());
        List<String> left = names(stick);
        assertTrue(left.contains(NAME + ".tar.000") && left.contains(NAME + ".volumes.json.asc"), "volumes renamed: " + left);
        assertFalse(left.contains(NAME + ".volumes.json"), "but not the list: the set is incomplete " + left);

        Airlock.Run rerun = Airlock.export(exportArgs(stick, "--max-volume-size", "1M")).ok();
        assertTrue(rerun.out().contains("sequence 1 (full)"), rerun.out());
        assertEquals(7, names(stick).size(), "one complete set and its report, nothing else: " + names(stick));
        TestRegistry target = registries.plain();
        importFrom(list(), target).ok();
        assertEquals(image.manifest().digest().toString(), Fixture.skopeoDigest(target, target.host() + "/app/web:1"));
    }

    @Test
    void existingVolumeOfTheNextBundle_isNeverOverwritten(Registries registries) throws Exception {
        seed(registries);
        Files.createDirectories(stick);
        Files.writeString(stick.resolve(NAME + ".tar.002"), "someone else's");
        Airlock.Run r = Airlock.export(exportArgs(stick, "--max-volume-size", "1M"));
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains(NAME + ".tar.002 already exists"), r.err());
        assertEquals("someone else's", Files.readString(stick.resolve(NAME + ".tar.002")));
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
