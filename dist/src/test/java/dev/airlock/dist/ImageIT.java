package dev.airlock.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.dist.build.Image;
import dev.airlock.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * airlock's own OCI image (what {@code mvn package -Pimage} writes), built here by the same code
 * from the release tree that {@code package} staged: reproducible, readable by skopeo, and
 * runnable: its root file system, unpacked by skopeo and entered with chroot as user 65532, runs
 * the entrypoint with nothing from the host (no JDK, no C library).
 */
class ImageIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void image_builtTwice_hasOneDigest_skopeoReadsItsEntrypointAndUser_andItsRootFileSystemRunsAirlock() throws Exception {
        assumeTrue(Tools.has("skopeo"), "skopeo is not installed");
        Path tree = releaseTree();
        Path dispatcher = Path.of(System.getProperty("airlock.dispatcher.jar"));
        String tag = "test";
        String first = Image.writeLayout(tree, dispatcher, tmp.resolve("a"), tag);
        String second = Image.writeLayout(tree, dispatcher, tmp.resolve("b"), tag);
        assertEquals(first, second, "same inputs, same image");

        Path layout = tmp.resolve("a/oci");
        JsonNode inspect = JSON.readTree(Tools.run("skopeo", "inspect", "oci:" + layout + ":" + tag).ok().stdout());
        assertEquals(first, inspect.path("Digest").asText());
        assertEquals("linux", inspect.path("Os").asText());
        JsonNode config = JSON.readTree(Tools.run("skopeo", "inspect", "--config", "oci:" + layout + ":" + tag).ok().stdout()).path("config");
        assertEquals(Image.ENTRYPOINT, JSON.convertValue(config.path("Entrypoint"), List.class));
        assertEquals("/opt/airlock/runtime/bin/java", config.path("Entrypoint").get(0).asText());
        assertEquals("65532:65532", config.path("User").asText());
        assertEquals("application/vnd.oci.image.manifest.v1+json",
                JSON.readTree(Tools.run("skopeo", "inspect", "--raw", "oci:" + layout + ":" + tag).ok().stdout()).path("mediaType").asText());

        // The image's file system, layer over layer, as a container runtime would lay it out.
        Path copy = tmp.resolve("copy");
        Tools.run("skopeo", "copy", "oci:" + layout + ":" + tag, "dir:" + copy).ok();
        Path rootfs = Files.createDirectories(tmp.resolve("rootfs"));
        for (JsonNode layer : JSON.readTree(copy.resolve("manifest.json").toFile()).path("layers")) {
            Path blob = copy.resolve(layer.path("digest").asText().substring("sha256:".length()));
            Tools.run("tar", "--warning=no-unknown-keyword", "-xzf", blob.toString(), "-C", rootfs.toString()).ok();
        }
        assertTrue(Files.isExecutable(rootfs.resolve("opt/airlock/runtime/bin/java")));
        try (Stream<Path> s = Files.list(rootfs)) {
            assertEquals(List.of("etc", "home", "lib", "lib64", "opt", "tmp"), s.map(p -> p.getFileName().toString()).sorted().toList());
        }
        assertTrue(Files.isRegularFile(rootfs.resolve("lib/x86_64-linux-gnu/libc.so.6")) || !System.getProperty("os.arch").equals("amd64"),
                "the C library the runtime links against");

        assumeTrue(Tools.has("chroot") && Tools.run("unshare", "-m", "true").exitCode() == 0,
                "running the image's file system needs chroot and unshare -m (root)");
        Tools.Result help = inImage(rootfs, "import", "--help");
        assertEquals(0, help.exitCode(), help.stderr());
        assertTrue(help.stdout().startsWith("Usage: airlock-import"), help.stdout());
        Tools.Result keygen = inImage(rootfs, "export", "keygen", "--uid", "ci <ci@airlock.test>", "--key", "/home/airlock/k.asc",
                "--cert", "/home/airlock/k.pub.asc");
        assertEquals(0, keygen.exitCode(), keygen.stderr());
        assertTrue(keygen.stdout().startsWith("fingerprint "), keygen.stdout());
        assertTrue(Files.isRegularFile(rootfs.resolve("home/airlock/k.pub.asc")), "written as 65532 in its home");
        Tools.Result none = inImage(rootfs);
        assertEquals(2, none.exitCode());
        assertTrue(none.stderr().startsWith("Usage: airlock export COMMAND"), none.stderr());
    }

    /**
     * Runs the image's entrypoint with {@code args} in its root file system, as its user, with its
     * environment, and with /proc mounted as a container runtime mounts it (the dynamic loader finds
     * the runtime's own libraries through /proc/self/exe).
     */
    private static Tools.Result inImage(Path rootfs, String... args) throws Exception {
        Files.createDirectories(rootfs.resolve("proc"));
        String chroot = Files.isExecutable(Path.of("/usr/sbin/chroot")) ? "/usr/sbin/chroot" : "/usr/bin/chroot";
        List<String> cmd = new ArrayList<>(List.of("unshare", "-m", "--propagation", "private", "sh", "-c",
                "mount --rbind /proc \"$0/proc\" && exec env -i HOME=/home/airlock PATH=/opt/airlock/bin:/opt/airlock/runtime/bin "
                        + chroot + " --userspec=65532:65532 \"$0\" \"$@\"", rootfs.toString()));
        cmd.addAll(Image.ENTRYPOINT);
        cmd.addAll(List.of(args));
        return Tools.run(cmd, Map.of(), null);
    }

    private static Path releaseTree() throws Exception {
        Path dir = Path.of(System.getProperty("airlock.release.dir", "target")).resolve("release");
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("airlock-")).findFirst()
                    .orElseThrow(() -> new AssertionError("no release tree in " + dir + ": mvn package stages it"));
        }
    }
}
