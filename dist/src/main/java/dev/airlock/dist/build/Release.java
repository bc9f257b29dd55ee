package dev.airlock.dist.build;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Build time (mvn package, module dist): stages the release tree under
 * {@code target/release/airlock-VERSION/} and writes {@code target/airlock-VERSION-linux-ARCH.tar.gz}
 * and its {@code .sha256} (sha256sum's format). The tree:
 * <pre>
 *   bin/airlock-export, bin/airlock-import   the launchers (the same scripts as in the repository)
 *   bin/diode-send, bin/diode-receive        the one-way diode's ends; scripts -> bin, so that the README's
 *                                            scripts/… commands run from the installed release as from a checkout
 *   lib/airlock-export.jar, lib/airlock-import.jar, lib/launch.sh, lib/push-jit.json, lib/jit.json
 *   runtime/                                 a jlink-made Java runtime with only the modules airlock needs
 *   share/man/man1/*.1, share/bash-completion/completions/*
 *   systemd/                                 whatever scripts/systemd holds: the units, and sysusers.d/airlock.conf
 *                                            and tmpfiles.d/airlock.conf, the user and directories install.sh creates
 *   install.sh, README.md
 *   docs/                                    the repository's docs/ (the pages README.md links to, and the
 *                                            generated command reference), so that its links work in the release
 * </pre>
 * The tarball is reproducible: sorted entries, one fixed time (project.build.outputTimestamp),
 * owner root, modes 0755/0644 from the files' executable bit, gzip without a timestamp.
 * Configured by system properties (see dist/pom.xml).
 */
public final class Release {
    private Release() {
    }

    public static void main(String[] args) throws IOException {
        String version = need("release.version");
        Path root = Path.of(need("release.root")).toRealPath();
        Path docs = Path.of(need("release.docs"));
        Path out = Path.of(need("release.out"));
        String name = "airlock-" + version;
        Path stage = out.resolve("release").resolve(name);
        deleteTree(out.resolve("release"));
        Files.createDirectories(stage);

        long t0 = System.nanoTime();
        jlink(need("release.modules"), stage.resolve("runtime"));
        long jlinkMs = (System.nanoTime() - t0) / 1_000_000;

        copy(root.resolve("scripts/airlock-export"), stage.resolve("bin/airlock-export"));
        copy(root.resolve("scripts/airlock-import"), stage.resolve("bin/airlock-import"));
        // the one-way diode's two ends (the receiver's unit runs diode-receive), when the source tree has them
        for (String helper : List.of("diode-send", "diode-receive")) {
            if (Files.isRegularFile(root.resolve("scripts").resolve(helper))) {
                copy(root.resolve("scripts").resolve(helper), stage.resolve("bin").resolve(helper));
            }
        }
        // The README's scripts/… commands, run from /opt/airlock, reach the same commands (the units name /usr/local/bin/…).
        Files.createSymbolicLink(stage.resolve("scripts"), Path.of("bin"));
        copy(root.resolve("scripts/lib/launch.sh"), stage.resolve("lib/launch.sh"));
        copy(root.resolve("scripts/lib/push-jit.json"), stage.resolve("lib/push-jit.json"));
        copy(root.resolve("scripts/lib/jit.json"), stage.resolve("lib/jit.json"));
        copy(built(root.resolve("exporter/target/airlock-export.jar")), stage.resolve("lib/airlock-export.jar"));
        copy(built(root.resolve("importer/target/airlock-import.jar")), stage.resolve("lib/airlock-import.jar"));
        copyTree(docs.resolve("man1"), stage.resolve("share/man/man1"));
        copyTree(docs.resolve("completion"), stage.resolve("share/bash-completion/completions"));
        if (Files.isDirectory(root.resolve("scripts/systemd"))) {
            copyTree(root.resolve("scripts/systemd"), stage.resolve("systemd"));
        }
        copy(Path.of(need("release.install")).resolve("install.sh"), stage.resolve("install.sh"));
        copy(root.resolve("README.md"), stage.resolve("README.md"));
        copyTree(root.resolve("docs"), stage.resolve("docs")); // README.md's links lead into docs/
        Files.writeString(stage.resolve(".airlock-release"), version + "\n");

        Path tarball = out.resolve(name + "-linux-" + arch() + ".tar.gz");
        Instant time = Instant.parse(System.getProperty("release.timestamp", "2026-01-01T00:00:00Z"));
        Path tmp = out.resolve("." + tarball.getFileName() + ".partial");
        try (OutputStream file = Files.newOutputStream(tmp); GZIPOutputStream gz = new GZIPOutputStream(file, 1 << 16);
                TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            for (Path p : walk(stage.getParent(), stage)) {
                add(tar, stage.getParent(), p, time);
            }
        }
        Files.move(tmp, tarball, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        String sha = sha256(tarball);
        Files.writeString(out.resolve(tarball.getFileName() + ".sha256"), sha + "  " + tarball.getFileName() + "\n");
        System.out.printf("[release] %s (%d MiB, runtime by jlink in %d ms)%n  sha256 %s%n", tarball,
                Files.size(tarball) >> 20, jlinkMs, sha);
    }

    /**
     * The jlink of the JDK running the build, with the modules named in dist/pom.xml, in a process
     * of its own: run inside Maven's JVM (ToolProvider) it writes a different lib/modules each time,
     * while the jlink command writes the same bytes for the same inputs (the image depends on it).
     */
    static void jlink(String modules, Path output) throws IOException {
        Path home = Path.of(System.getProperty("java.home"));
        Path jlink = home.resolve("bin/jlink");
        if (!Files.isExecutable(jlink)) {
            throw new IllegalStateException("no jlink in " + home + ": build with a JDK (openjdk-17-jdk-headless)");
        }
        List<String> args = new ArrayList<>(List.of(jlink.toString(), "--add-modules", modules, "--output", output.toString(),
                "--strip-debug", "--no-header-files", "--no-man-pages", "--compress=2",
                // the base class-data archive: without it the launcher's start-up archive (-XX:ArchiveClassesAtExit) stops the JVM
                "--generate-cds-archive"));
        if (Files.isDirectory(home.resolve("jmods"))) {
            args.addAll(List.of("--module-path", home.resolve("jmods").toString()));
        }
        Process p = new ProcessBuilder(args).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(10, java.util.concurrent.TimeUnit.MINUTES) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", args) + " failed: " + log);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running jlink", e);
        }
    }

    private static String arch() {
        String a = System.getProperty("os.arch");
        return switch (a) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            default -> a;
        };
    }

    private static void add(TarArchiveOutputStream tar, Path base, Path p, Instant time) throws IOException {
        String entryName = base.relativize(p).toString().replace('\\', '/');
        TarArchiveEntry e;
        boolean regular = false;
        if (Files.isSymbolicLink(p)) {
            e = new TarArchiveEntry(entryName, TarArchiveEntry.LF_SYMLINK);
            e.setLinkName(Files.readSymbolicLink(p).toString());
            e.setMode(0120777);
        } else if (Files.isDirectory(p)) {
            e = new TarArchiveEntry(entryName + "/");
            e.setMode(040755);
        } else {
            e = new TarArchiveEntry(entryName);
            e.setSize(Files.size(p));
            regular = true;
            e.setMode(Files.getPosixFilePermissions(p).contains(PosixFilePermission.OWNER_EXECUTE) ? 0100755 : 0100644);
        }
        e.setModTime(time.toEpochMilli());
        e.setUserId(0);
        e.setGroupId(0);
        e.setUserName("root");
        e.setGroupName("root");
        tar.putArchiveEntry(e);
        if (regular) {
            Files.copy(p, tar);
        }
        tar.closeArchiveEntry();
    }

    private static List<Path> walk(Path base, Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.sorted((a, b) -> base.relativize(a).toString().compareTo(base.relativize(b).toString())).toList();
        }
    }

    private static Path built(Path jar) {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: the release packs the shaded jars; run mvn package on the whole project");
        }
        return jar;
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to.getParent());
        Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        for (Path p : walk(from, from)) {
            Path target = to.resolve(from.relativize(p).toString());
            if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectories(target);
            } else {
                copy(p, target);
            }
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted((a, b) -> b.compareTo(a)).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    static String sha256(Path file) throws IOException {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String need(String key) {
        String v = System.getProperty(key);
        if (v == null || v.isBlank()) {
            throw new IllegalStateException("system property " + key + " is not set (see dist/pom.xml)");
        }
        return v;
    }

}
