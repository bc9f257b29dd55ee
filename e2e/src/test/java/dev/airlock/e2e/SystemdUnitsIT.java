package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.airlock.testing.Tools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The systemd units as the release ships them (issue 17, defects 10–12): the diode receiver writes
 * the inbox the watcher and serve import from, watch and serve keep one ledger, every unit runs its
 * program from the one directory install.sh links them into, and the user and every directory the
 * units and the recipes of the README and docs/ name are created one way — the release's sysusers.d and tmpfiles.d
 * files, which install.sh installs and applies. install.sh runs with --root into a temporary tree,
 * never onto this host.
 *
 * <p>The release here is a tree laid out from this checkout as dist's Release lays out the tarball
 * (bin/, share/, systemd/ = scripts/systemd, install.sh, README.md, docs/*.md, .airlock-release), so that
 * these checks need no release build; ReleaseIT checks that the tarball holds the same files.
 */
class SystemdUnitsIT {
    private static final Pattern AIRLOCK_DIR = Pattern.compile("/(?:var/lib|var/spool|srv)/airlock(?:/[A-Za-z0-9._-]+)?");
    private static final List<String> CHANNELS = List.of("gitlab-secure", "gitlab-secure-db");

    @TempDir
    static Path shared;
    static Path release;

    @TempDir
    Path tmp;

    @BeforeAll
    static void layOutRelease() throws Exception {
        Path repo = Path.of("..").toAbsolutePath().normalize();
        release = Files.createDirectories(shared.resolve("airlock-0.0.0"));
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
        try (Stream<Path> s = Files.list(repo.resolve("docs"))) { // the recipes' pages, as Release ships them
            for (Path p : s.filter(f -> f.toString().endsWith(".md")).toList()) {
                copy(p, release.resolve("docs").resolve(p.getFileName().toString()));
            }
        }
        Files.writeString(release.resolve(".airlock-release"), "0.0.0\n");
    }

    // ------------------------------------------------------------------ what the units say

    @Test
    void diodeWritesTheInboxThatWatchAndServeImport_andWatchAndServeKeepOneLedger() throws Exception {
        UnitFile diode = unit("airlock-diode-receive.service");
        UnitFile watch = unit("airlock-import-watch.service");
        UnitFile serve = unit("airlock-import-serve.service");
        List<String> diodeArgs = diode.execStart();
        String inbox = diodeArgs.get(diodeArgs.size() - 1);
        assertEquals(inbox, watch.option("watch"), "the inbox diode-receive writes is the one watch imports from");
        assertEquals(inbox, serve.option("--inbox"), "the inbox diode-receive writes is the one serve imports from");
        assertEquals(watch.option("--state"), serve.option("--state"), "watch and serve keep one import ledger");

        // each may write exactly what it writes
        assertEquals(List.of(inbox), diode.readWritePaths(), diode.path().toString());
        assertEquals(Set.of(inbox, watch.option("--state")), Set.copyOf(watch.readWritePaths()), watch.path().toString());
        String hostKeyDir = Path.of(serve.option("--host-key")).getParent().toString();
        assertEquals(Set.of(inbox, serve.option("--state"), hostKeyDir), Set.copyOf(serve.readWritePaths()), serve.path().toString());
    }

    @Test
    void everyUnitRunsItsProgramFromTheBinDirectoryInstallShLinksInto() throws Exception {
        String installSh = Files.readString(release.resolve("install.sh"));
        Matcher bindir = Pattern.compile("\nbindir=(\\S+)\n").matcher(installSh);
        assertTrue(bindir.find(), "install.sh's default --bindir");
        for (UnitFile unit : services()) {
            assertEquals(Path.of(bindir.group(1)), unit.program().getParent(), unit.path() + " runs " + unit.program());
            assertTrue(installSh.contains(unit.program().getFileName().toString()), "install.sh links " + unit.program().getFileName());
            assertTrue(Files.isExecutable(release.resolve("bin").resolve(unit.program().getFileName())), "the release has bin/" + unit.program().getFileName());
        }
    }

    @Test
    void unitsConfigsAndReadme_nameOnlyDirectoriesTheTmpfilesFileCreates_andNoRecipeCreatesTheUserByHand() throws Exception {
        Map<String, String[]> dirs = tmpfiles(release);
        List<Path> pages = new ArrayList<>(List.of(release.resolve("README.md")));
        try (Stream<Path> s = Files.list(release.resolve("docs"))) {
            pages.addAll(s.sorted().toList());
        }
        List<Path> sources = new ArrayList<>(pages);
        try (Stream<Path> s = Files.list(release.resolve("systemd"))) {
            sources.addAll(s.filter(Files::isRegularFile).sorted().toList());
        }
        Set<String> unknown = new TreeSet<>();
        for (Path source : sources) {
            Matcher m = AIRLOCK_DIR.matcher(Files.readString(source));
            while (m.find()) {
                if (!dirs.containsKey(m.group())) {
                    unknown.add(m.group() + " (" + source.getFileName() + ")");
                }
            }
        }
        assertEquals(Set.of(), unknown, "paths that tmpfiles.d/airlock.conf does not create");
        for (UnitFile unit : services()) {
            for (String rw : unit.readWritePaths()) {
                assertTrue(dirs.containsKey(rw) && dirs.get(rw)[2].equals("airlock"), unit.path() + ": " + rw + " is a directory of airlock's");
            }
        }
        String[] etc = dirs.get("/etc/airlock");
        assertTrue(etc != null && etc[1].equals("0750") && etc[3].equals("airlock"), "/etc/airlock: root:airlock 0750, readable by the units' user");
        List<String> byHand = new ArrayList<>();
        for (Path page : pages) {
            codeLines(Files.readString(page)).stream()
                    .filter(l -> l.matches("(sudo )?(useradd|adduser|groupadd)\\b.*") || l.matches("install -d .*/(var|srv)/.*"))
                    .forEach(l -> byHand.add(page.getFileName() + ": " + l));
        }
        assertEquals(List.of(), byHand, "the recipes (README, docs/) leave the user and its directories to install.sh");
    }

    // ------------------------------------------------------------------ as install.sh installs them

    @Test
    void installSh_intoATempRoot_createsTheUserEveryDirectoryAndEveryProgramTheUnitsName() throws Exception {
        Path root = install(tmp.resolve("root"), Map.of());
        String passwd = Files.readString(root.resolve("etc/passwd"));
        assertTrue(passwd.lines().anyMatch(l -> l.matches("airlock:[^:]*:\\d+:\\d+:[^:]*:/var/lib/airlock:/usr/sbin/nologin")), passwd);
        for (Map.Entry<String, String[]> d : tmpfiles(release).entrySet()) {
            assertEquals(d.getValue()[1] + " " + d.getValue()[2] + ":" + d.getValue()[3], describe(root, d.getKey()), d.getKey());
        }
        for (UnitFile unit : services()) {
            Path link = inside(root, unit.program().toString());
            Path target = inside(root, Files.readSymbolicLink(link).toString());
            assertTrue(Files.isExecutable(target), unit.path().getFileName() + ": " + unit.program() + " -> " + target);
        }
        assertTrue(Files.isRegularFile(root.resolve("usr/local/lib/sysusers.d/airlock.conf")), "where systemd reads it at boot");
        assertTrue(Files.isRegularFile(root.resolve("usr/local/lib/tmpfiles.d/airlock.conf")), "where systemd reads it at boot");
    }

    @Test
    void installSh_withoutSystemdTools_createsTheSameUserAndDirectoriesWithUseraddAndInstall() throws Exception {
        Path bin = pathWithoutSystemd();
        Path withSystemd = install(tmp.resolve("systemd"), Map.of());
        Path without = install(tmp.resolve("plain"), Map.of("PATH", bin.toString()));
        for (String dir : tmpfiles(release).keySet()) {
            assertEquals(describe(withSystemd, dir), describe(without, dir), dir);
        }
        assertTrue(Files.readString(without.resolve("etc/passwd")).lines().anyMatch(l -> l.matches("airlock:.*:/var/lib/airlock:/usr/sbin/nologin")));
    }

    @Test
    void installSh_withARootWhoseLinksLeadOutToTheHost_refusesExit2_andLeavesTheHostDirectoryUntouched() throws Exception {
        // The inbox a link to a host directory, without the systemd tools: install -d, chown and chmod followed it.
        Path host = hostDirectory("inbox-target");
        String before = snapshot(host);
        Path root = Files.createDirectories(tmp.resolve("inbox-root/var/lib/airlock")).getParent().getParent().getParent();
        Files.createSymbolicLink(root.resolve("var/lib/airlock/inbox"), host);
        Tools.Result r = Tools.run(List.of(release.resolve("install.sh").toString(), "--root", root.toString()),
                Map.of("PATH", pathWithoutSystemd().toString()), root);
        assertRefused(r, root.resolve("var/lib/airlock/inbox"));
        assertEquals(before, snapshot(host), "the host directory the inbox link names: owner, mode and contents unchanged");

        // /opt a link to a host directory, with the systemd tools: cp, mv and rm -rf put the release there.
        host = hostDirectory("opt-target");
        before = snapshot(host);
        root = Files.createDirectories(tmp.resolve("opt-root"));
        Files.createSymbolicLink(root.resolve("opt"), host);
        r = Tools.run(List.of(release.resolve("install.sh").toString(), "--root", root.toString()), Map.of(), root);
        assertRefused(r, root.resolve("opt"));
        assertEquals(before, snapshot(host), "the host directory the /opt link names: owner, mode and contents unchanged");
    }

    @Test
    void installSh_withARootWhoseRelativeLinksStayInside_installsThroughThem() throws Exception {
        // A Debian root's usrmerge links are relative and resolve inside the root: they are followed as ever.
        Path root = Files.createDirectories(tmp.resolve("debian"));
        Files.createDirectories(root.resolve("srv/spool"));
        Files.createDirectories(root.resolve("var"));
        Files.createSymbolicLink(root.resolve("var/spool"), Path.of("../srv/spool"));
        install(root, Map.of());
        assertEquals(describe(root, "/var/spool/airlock/out"), describe(root, "/srv/spool/airlock/out"));
        assertTrue(Files.isSymbolicLink(root.resolve("var/spool")), "the link is kept");
    }

    private static void assertRefused(Tools.Result r, Path link) throws IOException {
        assertEquals(2, r.exitCode(), r.stderr() + r.stdout());
        List<String> lines = r.stderr().strip().lines().toList();
        assertEquals(1, lines.size(), "one line: " + r.stderr());
        assertTrue(lines.get(0).startsWith("install.sh: ") && lines.get(0).contains(link + " is a symbolic link to ")
                && lines.get(0).contains("outside the root"), lines.get(0));
    }

    /** A directory outside every --root, as a host directory would be: mode 0711, one file, owned by root. */
    private Path hostDirectory(String name) throws IOException {
        Path host = Files.createDirectories(tmp.resolve("host").resolve(name));
        Files.writeString(host.resolve("keep.txt"), "the host's own file\n");
        Files.setPosixFilePermissions(host, PosixFilePermissions.fromString("rwx--x--x"));
        return host;
    }

    /** Owner, group, mode of {@code dir} and the names in it. */
    private static String snapshot(Path dir) throws IOException {
        PosixFileAttributes a = Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        try (Stream<Path> s = Files.list(dir)) {
            return a.owner().getName() + ":" + a.group().getName() + " " + PosixFilePermissions.toString(a.permissions()) + " "
                    + s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void systemdAnalyzeVerify_acceptsEveryUnit_installedIntoATempRootAsTheReadmeSays() throws Exception {
        assumeTrue(Tools.has("systemd-analyze"), "systemd-analyze is not installed (Debian package systemd): the units are not verified");
        Path root = install(tmp.resolve("root"), Map.of());
        // the README's recipes: the units (and the timer's drop-in) copied to /etc/systemd/system
        Path units = Files.createDirectories(root.resolve("etc/systemd/system"));
        List<String> names = new ArrayList<>();
        try (Stream<Path> s = Files.list(root.resolve("opt/airlock/systemd"))) {
            for (Path p : s.sorted().toList()) {
                String name = p.getFileName().toString();
                if (name.endsWith(".service") || name.endsWith(".timer")) {
                    Files.copy(p, units.resolve(name));
                    names.addAll(name.contains("@.") ? CHANNELS.stream().map(c -> name.replace("@.", "@" + c + ".")).toList() : List.of(name));
                } else if (name.endsWith(".service.d") || name.endsWith(".timer.d")) {
                    Path dropIns = Files.createDirectories(units.resolve(name));
                    try (Stream<Path> confs = Files.list(p)) {
                        for (Path conf : confs.toList()) {
                            Files.copy(conf, dropIns.resolve(conf.getFileName()));
                        }
                    }
                }
            }
        }
        assertTrue(names.size() >= 7, "every unit: " + names);
        // Offline, without systemd as PID 1: --root makes verify load the units (and check that each
        // ExecStart program exists) inside the tree; --recursive-errors=no keeps it from failing on
        // the system units (sysinit.target, …) that the tree does not have.
        List<String> cmd = new ArrayList<>(List.of("systemd-analyze", "verify", "--root=" + root, "--recursive-errors=no", "--man=no"));
        cmd.addAll(names);
        Tools.Result r = Tools.run(cmd, Map.of("SYSTEMD_LOG_COLOR", "0"), tmp);
        assertEquals(0, r.exitCode(), names + ": " + r.stderr() + r.stdout());
        assertEquals("", (r.stderr() + r.stdout()).strip(), "no warning (an unknown or misspelt key is only a warning)");
    }

    // ------------------------------------------------------------------ helpers

    /** A directory for PATH with the tools install.sh uses, but no systemd-sysusers or systemd-tmpfiles. */
    private Path pathWithoutSystemd() throws IOException {
        Path bin = tmp.resolve("path");
        if (Files.isDirectory(bin)) {
            return bin;
        }
        Files.createDirectories(bin);
        for (String tool : List.of("cut", "sha256sum", "mktemp", "tar", "gzip", "cat", "ls", "dirname", "mkdir", "rm", "cp", "chmod", "mv",
                "ln", "sed", "install", "useradd", "grep", "awk", "chown", "tr", "getent", "sh", "readlink")) {
            Path found = Stream.of("/usr/sbin", "/usr/bin", "/sbin", "/bin").map(d -> Path.of(d, tool)).filter(Files::isExecutable)
                    .findFirst().orElse(null);
            assumeTrue(found != null, tool + " is not installed: install.sh's fallback without systemd is not checked");
            Files.createSymbolicLink(bin.resolve(tool), found);
        }
        return bin;
    }

    /** install.sh of the release, with --root {@code dir} (made here); returns dir. */
    private static Path install(Path dir, Map<String, String> env) throws Exception {
        Files.createDirectories(dir);
        Tools.Result r = Tools.run(List.of(release.resolve("install.sh").toString(), "--root", dir.toString()), env, dir);
        assertEquals(0, r.exitCode(), "install.sh --root " + dir + ": " + r.stderr() + r.stdout());
        return dir;
    }

    /** The services the release ships (the export template as one instance). */
    private static List<UnitFile> services() throws IOException {
        List<UnitFile> units = new ArrayList<>();
        try (Stream<Path> s = Files.list(release.resolve("systemd"))) {
            for (Path p : s.filter(p -> p.toString().endsWith(".service")).sorted().toList()) {
                units.add(UnitFile.read(p));
            }
        }
        assertTrue(units.size() >= 4, "diode-receive, export@, import-watch, import-serve: " + units);
        return units;
    }

    private static UnitFile unit(String name) throws IOException {
        return UnitFile.read(release.resolve("systemd").resolve(name));
    }

    /** tmpfiles.d/airlock.conf's "d PATH MODE USER GROUP AGE" lines, by path: {path, mode, user, group}. */
    private static Map<String, String[]> tmpfiles(Path release) throws IOException {
        Path conf = release.resolve("systemd/tmpfiles.d/airlock.conf");
        assertTrue(Files.isRegularFile(conf), "the release ships systemd/tmpfiles.d/airlock.conf");
        Map<String, String[]> dirs = new LinkedHashMap<>();
        for (String line : Files.readAllLines(conf)) {
            String[] f = line.strip().split("\\s+");
            if (f[0].equals("d")) {
                dirs.put(f[1], new String[] {f[1], f[2], f[3], f[4]});
            }
        }
        return dirs;
    }

    /** "0750 airlock:airlock" for {@code path} inside {@code root}, owners named by root's /etc/passwd and /etc/group. */
    private static String describe(Path root, String path) throws IOException {
        PosixFileAttributes a = Files.readAttributes(inside(root, path), PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        assertTrue(a.isDirectory(), path + " is a directory");
        int mode = 0;
        for (char c : PosixFilePermissions.toString(a.permissions()).toCharArray()) {
            mode = (mode << 1) | (c == '-' ? 0 : 1);
        }
        int uid = (Integer) Files.getAttribute(inside(root, path), "unix:uid", LinkOption.NOFOLLOW_LINKS);
        int gid = (Integer) Files.getAttribute(inside(root, path), "unix:gid", LinkOption.NOFOLLOW_LINKS);
        return String.format("%04o %s:%s", mode, name(root, "passwd", uid), name(root, "group", gid));
    }

    private static String name(Path root, String db, int id) throws IOException {
        if (id == 0) {
            return "root";
        }
        return Files.readAllLines(root.resolve("etc").resolve(db)).stream().map(l -> l.split(":"))
                .filter(f -> f.length > 2 && f[2].equals(Integer.toString(id))).map(f -> f[0]).findFirst().orElse(Integer.toString(id));
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to.getParent());
        Files.copy(from, to, StandardCopyOption.COPY_ATTRIBUTES);
    }

    private static Path inside(Path root, String absolute) {
        assertTrue(absolute.startsWith("/"), absolute);
        return root.resolve(absolute.substring(1));
    }

    /** The lines of the README's fenced code blocks, stripped. */
    private static List<String> codeLines(String markdown) {
        List<String> lines = new ArrayList<>();
        boolean code = false;
        for (String line : markdown.lines().map(String::strip).toList()) {
            if (line.startsWith("```")) {
                code = !code;
            } else if (code) {
                lines.add(line);
            }
        }
        return lines;
    }
}
