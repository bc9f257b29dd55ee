package dev.airlock.e2e;

import dev.airlock.digest.Digest;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * A docker save archive of one small image written here (manifest.json, config, one layer), and a
 * signed bundle made of it with {@code airlock-export bundle --from-docker-archive}: a real bundle
 * for the commands that read one, with no registry and no skopeo needed.
 */
final class HandMadeArchive {
    private HandMadeArchive() {
    }

    /** Writes {@code file}: one linux/amd64 image named {@code repoTag} with one layer of {@code size} random bytes. */
    static Path write(Path file, String repoTag, long seed, int size) throws Exception {
        byte[] layer = new byte[size];
        new SplittableRandom(seed).nextBytes(layer);
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\""
                + Digest.sha256Of(layer) + "\"]}}").getBytes(StandardCharsets.UTF_8);
        String configName = Digest.sha256Of(config).hex() + ".json";
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (OutputStream out = Files.newOutputStream(file); TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            entry(tar, "layer/layer.tar", layer);
            entry(tar, configName, config);
            entry(tar, "manifest.json", ("[{\"Config\":\"" + configName + "\",\"RepoTags\":[\"" + repoTag + "\"],"
                    + "\"Layers\":[\"layer/layer.tar\"]}]").getBytes(StandardCharsets.UTF_8));
        }
        return file;
    }

    private static void entry(TarArchiveOutputStream tar, String name, byte[] bytes) throws Exception {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(bytes.length);
        tar.putArchiveEntry(e);
        tar.write(bytes);
        tar.closeArchiveEntry();
    }

    /**
     * Runs {@code bundle --from-docker-archive} into {@code dir/out} on {@code channel} with
     * {@code extra} flags; returns the newest bundle file (or volume list) written.
     */
    static Path bundle(Path dir, Path key, String channel, Path archive, List<String> extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("bundle", "--channel", channel, "--key", key.toString(), "--out",
                dir.resolve("out").toString(), "--state", dir.resolve("export-state").toString(), "--from-docker-archive", archive.toString()));
        args.addAll(extra);
        Airlock.export(args).ok();
        try (Stream<Path> s = Files.list(dir.resolve("out"))) {
            return s.filter(p -> p.getFileName().toString().endsWith(".airlock.tar") || p.getFileName().toString().endsWith(".volumes.json"))
                    .sorted().reduce((a, b) -> b).orElseThrow();
        }
    }
}
