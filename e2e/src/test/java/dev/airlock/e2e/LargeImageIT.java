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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Heap stays flat: an image over 1 GiB goes through export and import, each in its own JVM capped
 * at -Xmx256m. Nothing is held in memory per blob, so the cap is never approached.
 */
@ExtendWith(RegistryExtension.class)
class LargeImageIT {
    static final long SIZE = Long.getLong("airlock.it.largeBytes", (1L << 30) + (1L << 20));

    @TempDir
    Path tmp;

    @Test
    void imageOverOneGiB_exportsAndImports_withXmx256m(Registries registries) throws Exception {
        TestRegistry source = registries.plain();
        TestRegistry target = registries.plain();
        Layer big = Layer.random(99, SIZE);
        Image image = TestImages.image(true, "amd64", null, Layer.random(98, 4096), big);
        TestImages.push(source.client(), source.host(), "big/image", "1", image);
        Path[] keys = Fixture.keygen(tmp, "exporter");
        List<String> jvm = List.of("-Xmx256m", "-XX:+UseSerialGC");

        List<String> export = new ArrayList<>(List.of("bundle", "--image", source.host() + "/big/image:1", "--channel", "big",
                "--key", keys[0].toString(), "--out", tmp.resolve("out").toString(), "--state", tmp.resolve("xs").toString()));
        export.addAll(source.cliFlags());
        Airlock.Run e = Airlock.subprocess(true, jvm, export);
        assertEquals(0, e.code(), e.toString());
        Path bundle = tmp.resolve("out").resolve("big-000001.airlock.tar");
        assertTrue(Files.size(bundle) > SIZE);

        List<String> imp = new ArrayList<>(List.of("import", bundle.toString(), "--trust", keys[1].toString(),
                "--registry", target.host(), "--state", tmp.resolve("is").toString()));
        imp.addAll(target.cliFlags());
        Airlock.Run i = Airlock.subprocess(false, jvm, imp);
        assertEquals(0, i.code(), i.toString());
        assertEquals(image.manifest().digest().toString(), Fixture.skopeoDigest(target, target.host() + "/big/image:1"));
    }
}
