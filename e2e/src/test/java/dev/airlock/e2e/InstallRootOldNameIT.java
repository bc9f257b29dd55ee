package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.airlock.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass C (issue 17, beside defect 6): {@code install.sh --root DIR} checks every existing
 * component of the paths it writes for a link out of DIR, but not the names it makes beside the
 * prefix: on a second install it runs {@code mv "$dest" "$dest.old.$$"} without removing that name
 * first. A symbolic link planted in the tree as {@code opt/airlock.old.PID} (for every PID:
 * {@code pid_max} is 32768 by default: some 32768 links) that leads to a directory outside DIR makes
 * mv move the installed release <em>into</em> that directory: out of the root, onto the host.
 * The release is laid out from this checkout as SystemdUnitsIT lays it out.
 */
class InstallRootOldNameIT {
    @TempDir
    Path tmp;

    @Test
    void installRoot_aLinkPlantedAsThePrefixsOldName_doesNotMoveTheInstalledReleaseOutOfTheRoot() throws Exception {
        Path release = layOutRelease(tmp.resolve("airlock-0.0.0"));
        Path root = Files.createDirectories(tmp.resolve("root"));
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Tools.Result first = install(release, root);
        assertEquals(0, first.exitCode(), first.stderr() + first.stdout());
        // every PID the next shell may get: the kernel's default pid_max, and well past the PID a shell gets now
        int now = Integer.parseInt(Tools.run("sh", "-c", "echo $$").stdout().strip());
        Path opt = root.resolve("opt");
        for (int pid = 1; pid <= Math.max(32_768, now + 20_000); pid++) {
            Files.createSymbolicLink(opt.resolve("airlock.old." + pid), outside);
        }

        Tools.Result second = install(release, root);

        assertEquals(0, second.exitCode(), second.stderr() + second.stdout());
        assertFalse(Files.exists(outside.resolve("airlock")), "install.sh --root moved the installed release out of the root, to "
                + outside.resolve("airlock") + " (exit " + second.exitCode() + "): " + second.stderr());
    }

    private static Tools.Result install(Path release, Path root) throws Exception {
        return Tools.run(List.of(release.resolve("install.sh").toString(), "--root", root.toString()), Map.of(), root);
    }

    private static Path layOutRelease(Path release) throws Exception {
        Path repo = Path.of("..").toAbsolutePath().normalize();
        for (String command : List.of("airlock-export", "airlock-import", "diode-send", "diode-receive")) {
            copy(repo.resolve("scripts").resolve(command), release.resolve("bin").resolve(command));
        }
        Files.createDirectories(release.resolve("share/man/man1"));
        for (String command : List.of("airlock-export", "airlock-import")) {
            copy(repo.resolve("scripts").resolve(command), release.resolve("share/bash-completion/completions").resolve(command));
        }
        try (Stream<Path> s = Files.walk(repo.resolve("scripts/systemd"))) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                copy(p, release.resolve("systemd").resolve(repo.resolve("scripts/systemd").relativize(p).toString()));
            }
        }
        copy(repo.resolve("dist/src/main/release/install.sh"), release.resolve("install.sh"));
        copy(repo.resolve("README.md"), release.resolve("README.md"));
        Files.writeString(release.resolve(".airlock-release"), "0.0.0\n");
        return release;
    }

    private static void copy(Path from, Path to) throws Exception {
        Files.createDirectories(to.getParent());
        Files.copy(from, to, StandardCopyOption.COPY_ATTRIBUTES);
    }
}
