package dev.airlock.e2e;

import dev.airlock.testing.TestImages;
import dev.airlock.testing.TestImages.Image;
import dev.airlock.testing.TestImages.Layer;
import dev.airlock.testing.TestRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One channel between a source and a target registry, with both sides' state, for chain tests. */
final class ChainFixture {
    static final Layer BASE = Layer.random(100, 1 << 20);

    final TestRegistry source;
    final TestRegistry target;
    final Path dir;
    final Path[] exporterKey;
    final Path[] importerKey;
    final Map<String, Image> current = new LinkedHashMap<>();
    final List<String> images = new ArrayList<>();
    private long seed = 1000;

    ChainFixture(TestRegistry source, TestRegistry target, Path dir) {
        this.source = source;
        this.target = target;
        this.dir = dir;
        this.exporterKey = Fixture.keygen(dir, "exporter");
        this.importerKey = Fixture.keygen(dir, "importer");
    }

    /** Seeds three images: an OCI image, a Docker manifest list and another OCI image, all on BASE. */
    ChainFixture seedThree() {
        put("app/a", "1", TestImages.image(true, "amd64", null, BASE, Layer.random(seed++, 300_000)));
        put("lib/b", "2", TestImages.index(false, List.of(
                TestImages.image(false, "amd64", null, BASE, Layer.random(seed++, 200_000)),
                TestImages.image(false, "arm64", "v8", BASE, Layer.random(seed++, 210_000))),
                List.of(new String[] {"amd64"}, new String[] {"arm64", "v8"})));
        put("tools/c", "3", TestImages.image(true, "amd64", null, BASE, Layer.random(seed++, 100_000)));
        return this;
    }

    /** Replaces the top layer of app/a:1 with a new random layer of {@code size}; returns the new layer. */
    Layer changeA(int size) {
        Layer fresh = Layer.random(seed++, size);
        put("app/a", "1", TestImages.image(true, "amd64", null, BASE, fresh));
        return fresh;
    }

    void put(String repo, String tag, Image image) {
        TestImages.push(source.client(), source.host(), repo, tag, image);
        String ref = source.host() + "/" + repo + ":" + tag;
        current.put(ref, image);
        if (!images.contains(ref)) {
            images.add(ref);
        }
    }

    List<String> exportArgs(String command, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of(command, "--channel", "daily", "--key", exporterKey[0].toString(),
                "--out", dir.resolve("out").toString(), "--state", dir.resolve("export-state").toString()));
        for (String i : images) {
            args.addAll(List.of("--image", i));
        }
        args.addAll(source.cliFlags());
        args.addAll(List.of(extra));
        return args;
    }

    /** Writes the next bundle; returns its path. */
    Path export(String... extra) throws Exception {
        Airlock.Run r = Airlock.export(exportArgs("bundle", extra)).ok();
        String line = r.out().lines().filter(l -> l.startsWith("bundle ")).findFirst().orElseThrow();
        return Path.of(line.substring("bundle".length()).trim());
    }

    Airlock.Run importBundle(Path bundle) throws Exception {
        return importInto(bundle, target, dir.resolve("import-state"));
    }

    Airlock.Run importInto(Path bundle, TestRegistry registry, Path state, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("import", bundle.toString(), "--trust", exporterKey[1].toString(),
                "--registry", registry.host() + "/mirror", "--state", state.toString()));
        args.addAll(registry.cliFlags());
        args.addAll(List.of(extra));
        return Airlock.importer(args);
    }

    /** The target's manifest digest for a source reference, as skopeo sees it. */
    String targetDigest(String sourceRef) throws Exception {
        return Fixture.skopeoDigest(target, target.host() + "/mirror/" + sourceRef.substring(source.host().length() + 1));
    }

    /** Asserts every current image is in the target, byte-identical to the source. */
    void assertAllIdentical() throws Exception {
        for (Map.Entry<String, Image> e : current.entrySet()) {
            String expected = e.getValue().manifest().digest().toString();
            String atSource = Fixture.skopeoDigest(source, e.getKey());
            String atTarget = targetDigest(e.getKey());
            if (!expected.equals(atSource) || !expected.equals(atTarget)) {
                throw new AssertionError(e.getKey() + ": expected " + expected + ", source " + atSource + ", target " + atTarget);
            }
        }
    }
}
