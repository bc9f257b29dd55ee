package dev.airlock.dist.build;

import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.CredentialRetriever;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.JibContainer;
import com.google.cloud.tools.jib.api.JibContainerBuilder;
import com.google.cloud.tools.jib.api.RegistryImage;
import com.google.cloud.tools.jib.api.TarImage;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.api.buildplan.FilePermissions;
import com.google.cloud.tools.jib.api.buildplan.ImageFormat;
import com.google.cloud.tools.jib.frontend.CredentialRetrieverFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * airlock's own OCI image, made by Jib Core without a Docker daemon and without pulling anything:
 * from scratch, the release's runtime, both jars, both launchers and the {@code airlock} dispatcher
 * under {@code /opt/airlock}; entrypoint {@code airlock} ({@link dev.airlock.dist.Main} on the
 * bundled java); user 65532; OCI media types. Reproducible: Jib fixes every time to the epoch and
 * orders entries; the runtime's class-data archives (lib/server/classes*.jsa), which JDK 17's
 * jlink does not write the same twice, are left out (the image's java starts without them).
 *
 * <p>Jib Core writes an OCI archive (a tarred OCI layout); it is unpacked into {@code OUT/oci} so
 * {@code skopeo inspect oci:OUT/oci:TAG} and {@code skopeo copy oci:OUT/oci:TAG docker://…} read it.
 * Usage: {@code Image RELEASE_TREE DISPATCHER_JAR OUT TAG [REGISTRY/REPO:TAG]}.
 */
public final class Image {
    public static final String HOME = "/opt/airlock";
    public static final String USER = "65532:65532";
    public static final List<String> ENTRYPOINT = List.of(HOME + "/runtime/bin/java", "-XX:+UseSerialGC", "-Xmx192m",
            "-jar", HOME + "/lib/airlock.jar");

    private Image() {
    }

    public static void main(String[] args) throws Exception {
        Path tree = Path.of(args[0]);
        Path dispatcher = Path.of(args[1]);
        Path out = Path.of(args[2]);
        String tag = args[3];
        String to = args.length > 4 && args[4] != null ? args[4] : "";
        String digest = writeLayout(tree, dispatcher, out, tag);
        System.out.println("[image] OCI layout " + out.resolve("oci") + " tag " + tag + ", manifest " + digest);
        if (!to.isBlank()) {
            ImageReference ref = ImageReference.parse(to);
            CredentialRetriever fromDockerConfig = CredentialRetrieverFactory.forImage(ref, e -> { }).dockerConfig();
            JibContainer pushed = builder(tree, dispatcher).containerize(
                    Containerizer.to(RegistryImage.named(ref).addCredentialRetriever(fromDockerConfig))
                            .setAllowInsecureRegistries(Boolean.getBoolean("image.insecure"))
                            .setOfflineMode(false).setToolName("airlock"));
            System.out.println("[image] pushed " + to + "@" + pushed.getDigest());
        }
    }

    /** Builds the image into {@code out/oci} (an OCI layout, tag {@code tag}); returns its manifest digest. */
    public static String writeLayout(Path tree, Path dispatcher, Path out, String tag) throws Exception {
        Files.createDirectories(out);
        Path archive = out.resolve("airlock.oci.tar");
        JibContainer built = builder(tree, dispatcher).containerize(
                Containerizer.to(TarImage.at(archive).named("airlock:" + tag)).setOfflineMode(true).setToolName("airlock"));
        Path layout = out.resolve("oci");
        Release.deleteTree(layout);
        unpack(archive, layout);
        Files.delete(archive);
        // Jib names the manifest by its whole reference; skopeo's oci:DIR:TAG looks the tag up.
        String digest = built.getDigest().toString();
        String manifestJson = new String(Files.readAllBytes(layout.resolve("blobs/sha256/" + digest.substring(7))), StandardCharsets.UTF_8);
        long size = Files.size(layout.resolve("blobs/sha256/" + digest.substring(7)));
        String mediaType = manifestJson.contains("application/vnd.oci.image.manifest.v1+json")
                ? "application/vnd.oci.image.manifest.v1+json" : "application/vnd.docker.distribution.manifest.v2+json";
        Files.writeString(layout.resolve("index.json"), "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
                + "\"manifests\":[{\"mediaType\":\"" + mediaType + "\",\"digest\":\"" + digest + "\",\"size\":" + size
                + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"" + tag + "\"}}]}\n");
        return digest;
    }

    static JibContainerBuilder builder(Path tree, Path dispatcher) throws IOException, InterruptedException {
        Instant epoch = Instant.ofEpochSecond(1);
        FileEntriesLayer.Builder runtime = FileEntriesLayer.builder().setName("runtime");
        for (Path p : files(tree.resolve("runtime"))) {
            String rel = tree.relativize(p).toString();
            if (rel.matches("runtime/lib/server/classes.*\\.jsa")) {
                continue;
            }
            runtime.addEntry(p, AbsoluteUnixPath.get(HOME + "/" + rel), permissions(p), epoch);
        }
        FileEntriesLayer.Builder app = FileEntriesLayer.builder().setName("airlock");
        for (String rel : List.of("lib/airlock-export.jar", "lib/airlock-import.jar", "lib/launch.sh", "bin/airlock-export", "bin/airlock-import")) {
            app.addEntry(tree.resolve(rel), AbsoluteUnixPath.get(HOME + "/" + rel), permissions(tree.resolve(rel)), epoch);
        }
        app.addEntry(dispatcher, AbsoluteUnixPath.get(HOME + "/lib/airlock.jar"), FilePermissions.DEFAULT_FILE_PERMISSIONS, epoch);
        // A home and a /tmp the non-root user can write (scratch has neither).
        Path empty = Files.createDirectories(tree.resolveSibling(".image-empty-dir"));
        app.addEntry(empty, AbsoluteUnixPath.get("/tmp"), FilePermissions.fromOctalString("777"), epoch);
        app.addEntry(empty, AbsoluteUnixPath.get("/home/airlock"), FilePermissions.fromOctalString("755"), epoch, USER);
        // scratch has no C library: the build host's libraries that the runtime's java and its
        // non-desktop native code link against, at the paths the dynamic loader looks in.
        FileEntriesLayer.Builder system = FileEntriesLayer.builder().setName("system");
        for (Map.Entry<String, Path> lib : sharedLibraries(tree.resolve("runtime")).entrySet()) {
            system.addEntry(lib.getValue(), AbsoluteUnixPath.get(lib.getKey()), FilePermissions.fromOctalString("755"), epoch);
        }
        Path etc = Files.createDirectories(tree.resolveSibling(".image-etc"));
        Files.writeString(etc.resolve("passwd"), "root:x:0:0:root:/root:/sbin/nologin\nairlock:x:65532:65532:airlock:/home/airlock:/sbin/nologin\n");
        Files.writeString(etc.resolve("group"), "root:x:0:\nairlock:x:65532:\n");
        system.addEntry(etc.resolve("passwd"), AbsoluteUnixPath.get("/etc/passwd"), FilePermissions.DEFAULT_FILE_PERMISSIONS, epoch);
        system.addEntry(etc.resolve("group"), AbsoluteUnixPath.get("/etc/group"), FilePermissions.DEFAULT_FILE_PERMISSIONS, epoch);
        return Jib.fromScratch()
                .setFormat(ImageFormat.OCI)
                .setCreationTime(Instant.EPOCH)
                .addFileEntriesLayer(system.build())
                .addFileEntriesLayer(runtime.build())
                .addFileEntriesLayer(app.build())
                .setEntrypoint(ENTRYPOINT)
                .setUser(USER)
                .setWorkingDirectory(AbsoluteUnixPath.get("/home/airlock"))
                .setEnvironment(Map.of("HOME", "/home/airlock", "PATH", HOME + "/bin:" + HOME + "/runtime/bin:/usr/local/bin:/usr/bin:/bin"))
                .addLabel("org.opencontainers.image.title", "airlock");
    }

    /** AWT, fonts, images, sound: java.desktop's native code, which airlock never loads (it needs X11 libraries). */
    private static final String DESKTOP = "lib(awt.*|fontmanager|lcms|javajpeg|mlib_image|splashscreen|jsound)\\.so";

    /**
     * Path in the image → file on this host, for every shared library (and the dynamic loader) that
     * {@code ldd} lists for the runtime's launcher, libjvm and its non-desktop libraries, outside the runtime.
     */
    static Map<String, Path> sharedLibraries(Path runtime) throws IOException, InterruptedException {
        List<String> objects = new java.util.ArrayList<>(List.of(runtime.resolve("bin/java").toString()));
        try (Stream<Path> s = Files.walk(runtime.resolve("lib"))) {
            s.filter(p -> p.getFileName().toString().endsWith(".so") && !p.getFileName().toString().matches(DESKTOP))
                    .sorted().forEach(p -> objects.add(p.toString()));
        }
        Map<String, Path> libs = new java.util.TreeMap<>();
        for (String object : objects) {
            Process ldd = new ProcessBuilder("ldd", object).redirectErrorStream(true).start();
            String out = new String(ldd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!ldd.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) || ldd.exitValue() != 0) {
                throw new IOException("ldd " + object + " failed: " + out);
            }
            for (String line : out.split("\n")) {
                String[] w = line.trim().split("\\s+");
                String path = w.length >= 3 && w[1].equals("=>") ? w[2] : w.length >= 1 && w[0].startsWith("/") ? w[0] : null;
                if (path == null || path.startsWith(runtime.toString()) || w[0].contains("libjvm.so") && w.length >= 3 && w[2].equals("not")) {
                    continue;
                }
                if (path.equals("not")) {
                    throw new IOException("ldd " + object + ": " + line.trim());
                }
                libs.put(path, Path.of(path).toRealPath());
            }
        }
        return libs;
    }

    private static FilePermissions permissions(Path p) throws IOException {
        if (Files.isDirectory(p)) {
            return FilePermissions.DEFAULT_FOLDER_PERMISSIONS;
        }
        return Files.getPosixFilePermissions(p).contains(PosixFilePermission.OWNER_EXECUTE)
                ? FilePermissions.fromOctalString("755") : FilePermissions.DEFAULT_FILE_PERMISSIONS;
    }

    private static List<Path> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> !Files.isDirectory(p)).sorted().toList();
        }
    }

    private static void unpack(Path archive, Path into) throws IOException {
        try (InputStream in = Files.newInputStream(archive); TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
                Path target = into.resolve(e.getName()).normalize();
                if (!target.startsWith(into)) {
                    throw new IOException("entry outside the layout: " + e.getName());
                }
                if (e.isDirectory()) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(tar, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        if (!Files.exists(into.resolve("oci-layout"), LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(archive + " is not an OCI archive (no oci-layout)");
        }
    }
}
