package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.testing.RegistryExtension;
import dev.airlock.testing.RegistryExtension.Registries;
import dev.airlock.testing.TestImages;
import dev.airlock.testing.TestImages.Image;
import dev.airlock.testing.TestImages.Layer;
import dev.airlock.testing.TestRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Heap stays flat: an image over 1 GiB goes through export and import, each in its own JVM capped
 * at -Xmx256m. Nothing is held in memory per blob, so the cap is never approached.
 *
 * <p>The same run is issue 9's "1 GiB image as 64 MiB volumes": exported onto a directory as
 * volumes with read-back on, imported from the volume list (the volumes read in place) and checked
 * byte-identical with skopeo. The times of both halves are printed to the test's output.
 */
@ExtendWith(RegistryExtension.class)
class LargeImageIT {
    static final long SIZE = Long.getLong("airlock.it.largeBytes", (1L << 30) + (1L << 20));

    @TempDir
    Path tmp;

    @Test
    void imageOverOneGiB_exportsAs64MiBVolumesAndImports_byteIdentical_withXmx256m(Registries registries) throws Exception {
        TestRegistry source = registries.plain();
        TestRegistry target = registries.plain();
        Layer big = Layer.random(99, SIZE);
        Image image = TestImages.image(true, "amd64", null, Layer.random(98, 4096), big);
        TestImages.push(source.client(), source.host(), "big/image", "1", image);
        Path[] keys = Fixture.keygen(tmp, "exporter");
        List<String> jvm = List.of("-Xmx256m", "-XX:+UseSerialGC");

        List<String> export = new ArrayList<>(List.of("bundle", "--image", source.host() + "/big/image:1", "--channel", "big",
                "--key", keys[0].toString(), "--out", tmp.resolve("out").toString(), "--state", tmp.resolve("xs").toString(),
                "--max-volume-size", "64MiB"));
        export.addAll(source.cliFlags());
        long t0 = System.nanoTime();
        Airlock.Run e = Airlock.subprocess(true, jvm, export);
        long exported = System.nanoTime() - t0;
        assertEquals(0, e.code(), e.toString());
        assertTrue(e.out().contains("read back from the medium (O_DIRECT)"), e.out());
        Path list = tmp.resolve("out").resolve("big-000001.airlock.volumes.json");
        List<Path> volumes;
        try (Stream<Path> s = Files.list(tmp.resolve("out"))) {
            volumes = s.filter(p -> p.getFileName().toString().matches("big-000001\\.airlock\\.tar\\.\\d{3}")).sorted().toList();
        }
        long total = 0;
        for (Path v : volumes.subList(0, volumes.size() - 1)) {
            assertEquals(64L << 20, Files.size(v), v.toString());
            total += Files.size(v);
        }
        total += Files.size(volumes.get(volumes.size() - 1));
        assertTrue(total > SIZE && volumes.size() == (total + (64L << 20) - 1) / (64L << 20), volumes.size() + " volumes, " + total + " bytes");
        assertTrue(Files.exists(list) && Files.exists(list.resolveSibling(list.getFileName() + ".asc")));

        List<String> imp = new ArrayList<>(List.of("import", list.toString(), "--trust", keys[1].toString(),
                "--registry", target.host(), "--state", tmp.resolve("is").toString()));
        imp.addAll(target.cliFlags());
        t0 = System.nanoTime();
        Airlock.Run i = Airlock.subprocess(false, jvm, imp);
        long imported = System.nanoTime() - t0;
        assertEquals(0, i.code(), i.toString());
        assertEquals(image.manifest().digest().toString(), Fixture.skopeoDigest(target, target.host() + "/big/image:1"));
        System.out.printf("LargeImageIT: %d bytes as %d volumes of 64 MiB: export with read-back %.2f s, import from the volumes %.2f s%n",
                total, volumes.size(), exported / 1e9, imported / 1e9);
    }
}
