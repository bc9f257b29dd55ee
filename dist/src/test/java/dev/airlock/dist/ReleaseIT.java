package dev.airlock.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.airlock.testing.RegistryExtension;
import dev.airlock.testing.RegistryExtension.Registries;
import dev.airlock.testing.SshdExtension;
import dev.airlock.testing.TestImages;
import dev.airlock.testing.TestImages.Layer;
import dev.airlock.testing.TestRegistry;
import dev.airlock.testing.TestSshd;
import dev.airlock.testing.Tools;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The release tarball that {@code mvn package} wrote (module dist), used as an admin on the offline
 * host would: unpacked into an empty directory on a machine with no JDK (its own mount namespace
 * hides /usr/lib/jvm, so /usr/bin/java dangles; PATH=/usr/bin:/bin; no JAVA_HOME), installed with
 * install.sh, its download checked. The launchers run on the runtime inside the tarball.
 */
@ExtendWith({RegistryExtension.class, SshdExtension.class})
class ReleaseIT {
    static Path tarball;

    @TempDir
    Path tmp;

    @BeforeAll
    static void findTarball() throws IOException {
        Path dir = Path.of(System.getProperty("airlock.release.dir", "target"));
        // this build's version: a tarball of an earlier version left in target/ (0.1.0-SNAPSHOT) is not the one under test
        String version = System.getProperty("airlock.version", "");
        try (Stream<Path> s = Files.list(dir)) {
            tarball = s.filter(p -> p.getFileName().toString().matches("airlock-.*-linux-.*\\.tar\\.gz")
                    && p.getFileName().toString().startsWith("airlock-" + version + "-linux-")).findFirst()
                    .orElseThrow(() -> new AssertionError("no airlock-" + version + "-linux-*.tar.gz in " + dir + ": mvn package makes it"));
        }
    }

    // ------------------------------------------------------------------ the tarball

    @Test
    void tarball_matchesItsSha256_andHoldsLaunchersJarsRuntimeDocsAndInstaller() throws Exception {
        Tools.run(List.of("sha256sum", "-c", tarball.getFileName() + ".sha256"), Map.of(), tarball.getParent()).ok();
        Path release = unpack(tmp.resolve("u"));
        for (String f : List.of("bin/airlock-export", "bin/airlock-import", "runtime/bin/java", "install.sh")) {
            assertTrue(Files.isExecutable(release.resolve(f)), f + " executable");
        }
        for (String f : List.of("lib/airlock-export.jar", "lib/airlock-import.jar", "lib/launch.sh", "lib/push-jit.json", "lib/jit.json", "runtime/lib/server/classes.jsa",
                "share/bash-completion/completions/airlock-export", "share/bash-completion/completions/airlock-import")) {
            assertTrue(Files.isRegularFile(release.resolve(f)), f);
        }
        // a man page for each program and each of its commands, in troff
        for (String page : List.of("airlock-export", "airlock-export-bundle", "airlock-export-push", "airlock-export-sign",
                "airlock-import", "airlock-import-verify", "airlock-import-import")) {
            String troff = Files.readString(release.resolve("share/man/man1/" + page + ".1"));
            assertTrue(troff.contains(".TH \"" + page.toUpperCase().replace("-", "\\-") + "\" \"1\""), page + ": " + troff.substring(0, 300));
        }
        // what bash offers after "airlock-import ve<TAB>" and "airlock-export sign --<TAB>"
        assertEquals("verify", complete(release, "airlock-import", "ve"));
        assertTrue(complete(release, "airlock-export", "sign", "--pa").contains("--passphrase-file"));
        // the README's scripts/… commands, run from the installed release, reach the same commands
        assertEquals(Path.of("bin"), Files.readSymbolicLink(release.resolve("scripts")));
        // the user and the directories the units need, in systemd's own formats (install.sh applies them)
        assertTrue(Files.readString(release.resolve("systemd/sysusers.d/airlock.conf")).contains("\nu     airlock "), "sysusers.d");
        assertTrue(Files.readString(release.resolve("systemd/tmpfiles.d/airlock.conf")).contains("\nd     /var/lib/airlock/inbox "), "tmpfiles.d");
        // the systemd units of the source tree, whatever they are
        Path units = Path.of(System.getProperty("airlock.release.dir", "target")).resolve("../../scripts/systemd");
        if (Files.isDirectory(units)) {
            try (Stream<Path> s = Files.list(units)) {
                for (Path u : s.toList()) {
                    assertTrue(Files.exists(release.resolve("systemd").resolve(u.getFileName())), "systemd/" + u.getFileName());
                }
            }
        }
    }

    @Test
    void readme_everyRelativeLinkLeadsToAFileInsideTheRelease() throws Exception {
        Path release = unpack(tmp.resolve("u"));
        String readme = Files.readString(release.resolve("README.md"));
        // [text](target) or [text](target#anchor), not another site's address
        java.util.regex.Matcher link = java.util.regex.Pattern.compile("\\]\\(([^)#\\s]+)(?:#[^)]*)?\\)").matcher(readme);
        List<String> dead = new ArrayList<>();
        int links = 0;
        while (link.find()) {
            String target = link.group(1);
            if (target.matches("[a-z][a-z0-9+.-]*:.*")) {
                continue;
            }
            links++;
            if (!Files.exists(release.resolve(target))) {
                dead.add(target);
            }
        }
        assertTrue(links > 10, "README.md links into docs/: " + links);
        assertEquals(List.of(), dead, "README.md's links that lead nowhere in the release (Release.java ships them)");
    }

    @Test
    void manPages_renderWithMan_listingTheCommandsOptions() throws Exception {
        assumeTrue(Tools.has("man"), "man (man-db) is not installed");
        Path release = unpack(tmp.resolve("u"));
        String man = Tools.run(List.of("sh", "-c", "MANWIDTH=100 man -l share/man/man1/airlock-export-sign.1 | cat"), Map.of(), release)
                .ok().stdout();
        assertTrue(man.contains("--passphrase-file") && man.contains("airlock-export-sign"), man);
    }

    @Test
    void oneVersion_inTheTarballsName_bothProgramsVersion_everyManPageHeader_andInstallSh() throws Exception {
        String version = System.getProperty("airlock.version");
        assertTrue(version != null && !version.isEmpty(), "airlock.version (the pom's project.version) is set by dist/pom.xml");
        String name = tarball.getFileName().toString();
        assertTrue(name.startsWith("airlock-" + version + "-linux-") && name.endsWith(".tar.gz"), name + " is named for " + version);
        Path release = unpack(tmp.resolve("u"));
        assertEquals("airlock-" + version, release.getFileName().toString(), "the tarball's top directory");
        for (String program : List.of("airlock-export", "airlock-import")) {
            String printed = Tools.run(List.of(release.resolve("bin").resolve(program).toString(), "--version"), Map.of(), tmp).ok().stdout();
            assertEquals(program + " " + version, printed.trim(), program + " --version");
        }
        try (Stream<Path> pages = Files.list(release.resolve("share/man/man1"))) {
            for (Path page : pages.toList()) {
                String th = Files.readString(page).lines().filter(l -> l.startsWith(".TH ")).findFirst().orElseThrow();
                assertTrue(th.replace("\\-", "-").contains("\"airlock " + version + "\""), page.getFileName() + ": " + th);
            }
        }
        Path root = Files.createDirectories(tmp.resolve("root"));
        String installed = Tools.run(List.of(release.resolve("install.sh").toString(), "--root", root.toString(), "--prefix", "/opt/airlock",
                "--bindir", "/bin", "--sharedir", "/share", tarball.toString()), Map.of(), tmp).ok().stdout();
        assertTrue(installed.contains("installed airlock " + version + " in "), installed);
    }

    @Test
    void manPages_synopsisOfEveryCommand_hasBalancedBrackets_andNamesEveryOption() throws Exception {
        Path release = unpack(tmp.resolve("u"));
        List<String> problems = new ArrayList<>();
        for (picocli.CommandLine program : List.of(dev.airlock.export.cli.ExportMain.model(), dev.airlock.imports.cli.ImportMain.model())) {
            List<picocli.CommandLine> commands = new ArrayList<>(List.of(program));
            commands.addAll(program.getSubcommands().values());
            for (picocli.CommandLine cl : commands) {
                String page = cl == program ? cl.getCommandName() : program.getCommandName() + "-" + cl.getCommandName();
                String synopsis = synopsis(Files.readString(release.resolve("share/man/man1/" + page + ".1")));
                int depth = 0;
                for (char ch : synopsis.toCharArray()) {
                    depth += ch == '[' ? 1 : ch == ']' ? -1 : 0;
                    if (depth < 0) {
                        break;
                    }
                }
                if (depth != 0 || synopsis.contains("_")) {
                    problems.add(page + ": brackets unbalanced or a stray _: " + synopsis);
                }
                for (picocli.CommandLine.Model.OptionSpec o : cl.getCommandSpec().options()) {
                    // options with a one-letter name and no value show in a cluster ([-hqvV]); every other by one of its names
                    boolean clustered = o.shortestName().length() == 2 && o.arity().max() == 0;
                    String shown = clustered ? "\\[-[A-Za-z]*" + o.shortestName().substring(1) + "[A-Za-z]*\\]"
                            : "(?<![\\w-])(" + String.join("|", java.util.Arrays.stream(o.names()).map(java.util.regex.Pattern::quote).toList())
                                    + ")(?![\\w-])";
                    if (!o.hidden() && !java.util.regex.Pattern.compile(shown).matcher(synopsis).find()) {
                        problems.add(page + ": " + o.longestName() + " missing from " + synopsis);
                    }
                }
            }
        }
        assertEquals(List.of(), problems);
    }

    /** The SYNOPSIS section of a troff man page as man shows it: fonts and escapes removed. */
    private static String synopsis(String troff) {
        String section = troff.replaceAll("(?s).*\\n\\.SH \"SYNOPSIS\"\\n(.*?)\\n\\.SH .*", "$1");
        return section.replaceAll("\\\\f[BIPR]", "").replace("\\-", "-").replace("\\|", "").replace("\\&", "")
                .replaceAll("(?m)^\\.[a-z]+.*$", "").replaceAll("\\s+", " ").trim();
    }

    @Test
    void runtime_holdsEveryModuleThatJdepsFindsInTheJars() throws Exception {
        Path release = unpack(tmp.resolve("u"));
        ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow();
        StringWriter out = new StringWriter();
        int rc = jdeps.run(new PrintWriter(out), new PrintWriter(out), "--multi-release", "17", "--print-module-deps", "--ignore-missing-deps",
                release.resolve("lib/airlock-export.jar").toString(), release.resolve("lib/airlock-import.jar").toString());
        assertEquals(0, rc, out.toString());
        Set<String> needed = new TreeSet<>(Arrays.asList(out.toString().trim().split(",")));
        String releaseFile = Files.readString(release.resolve("runtime/release"));
        Set<String> present = new TreeSet<>(Arrays.asList(releaseFile.replaceAll("(?s).*MODULES=\"([^\"]*)\".*", "$1").split(" ")));
        needed.removeAll(present);
        assertEquals(Set.of(), needed, "modules the jars need but the runtime lacks: add them to airlock.runtime.modules in dist/pom.xml");
        assertTrue(present.contains("jdk.crypto.ec"), "TLS (ECDHE, ECDSA) and SSH (Ed25519) need jdk.crypto.ec on Java 17");
    }

    // ------------------------------------------------------------------ no JDK on the host

    @Test
    void unpackedRelease_onAHostWithoutJdk_bundlesOverTls_pushesOverSftp_verifiesAndImports(Registries registries, TestSshd sshd)
            throws Exception {
        assumeNamespaces();
        Tools.Result probe = noJdk(tmp, "sh", "-c", "command -v java || echo no-java; ls -A /usr/lib/jvm | wc -l; echo \"JAVA_HOME=${JAVA_HOME:-}\"");
        assertEquals("no-java\n0\nJAVA_HOME=\n", probe.ok().stdout(), "the run below sees no JDK");

        Path release = unpack(tmp.resolve("empty"));
        TestRegistry source = registries.tls();
        TestRegistry target = registries.plain();
        TestImages.push(source.client(), source.host(), "app/web", "1",
                TestImages.image(true, "amd64", null, Layer.random(11, 300_000), Layer.random(12, 5_000)));
        Path key = tmp.resolve("k.asc");
        Path cert = tmp.resolve("k.pub.asc");
        run(release, "airlock-export", "keygen", "--uid", "release <release@airlock.test>", "--key", key.toString(), "--cert", cert.toString()).ok();

        // HTTPS with the test CA: the runtime's TLS (jdk.crypto.ec) against the loopback registry
        List<String> bundle = new ArrayList<>(List.of("airlock-export", "bundle", "--image", source.host() + "/app/web:1", "--channel", "rel",
                "--key", key.toString(), "--out", tmp.resolve("out").toString(), "--state", tmp.resolve("xs").toString(), "--progress", "none"));
        bundle.addAll(source.cliFlags());
        run(release, bundle.toArray(String[]::new)).ok();
        Path tar;
        try (Stream<Path> s = Files.list(tmp.resolve("out"))) {
            tar = s.filter(p -> p.toString().endsWith(".tar")).findFirst().orElseThrow();
        }

        // SFTP to OpenSSH's sshd: MINA SSHD's key exchange and ciphers on the runtime
        Path identity = sshd.authorizedKey("ed25519", "");
        run(release, "airlock-export", "push", tar.toString(), "--to", sshd.url(), "--identity", identity.toString(),
                "--known-hosts", sshd.knownHosts(tmp.resolve("kh")).toString(), "--progress", "none").ok();
        Path arrived = sshd.inbox().resolve(tar.getFileName().toString());
        assertEquals(sha256(tar), sha256(arrived));

        Tools.Result verify = run(release, "airlock-import", "verify", arrived.toString(), "--trust", cert.toString());
        assertEquals(0, verify.exitCode(), verify.stderr() + verify.stdout());
        List<String> imp = new ArrayList<>(List.of("airlock-import", "import", arrived.toString(), "--trust", cert.toString(),
                "--registry", target.host(), "--state", tmp.resolve("is").toString(), "--progress", "none"));
        imp.addAll(target.cliFlags());
        run(release, imp.toArray(String[]::new)).ok();
        assertTrue(target.client().repository(target.host(), "app/web").headManifest("1").isPresent(), "app/web:1 imported");
    }

    // ------------------------------------------------------------------ install.sh

    @Test
    void installSh_fromTheTarball_intoAPrefix_linksCommandsManPagesAndCompletion_andRunningItTwiceChangesNothing() throws Exception {
        // --root: everything (release, links, the user airlock and its directories) inside tmp/root, not on this host
        Path root = Files.createDirectories(tmp.resolve("root"));
        Path prefix = root.resolve("opt/airlock");
        Path bin = root.resolve("bin");
        Path share = root.resolve("share");
        Path installer = unpack(tmp.resolve("u")).resolve("install.sh");
        List<String> cmd = List.of(installer.toString(), "--root", root.toString(), "--prefix", "/opt/airlock", "--bindir", "/bin",
                "--sharedir", "/share", tarball.toString());
        Tools.Result first = Tools.run(cmd, Map.of(), tmp).ok();
        assertTrue(first.stdout().contains("checked  " + tarball + " against " + tarball + ".sha256"), first.stdout());
        assertTrue(first.stdout().contains("installed airlock "), first.stdout());
        String tree1 = tree(tmp);
        Tools.run(cmd, Map.of(), tmp).ok();
        assertEquals(tree1, tree(tmp), "a second run leaves the same files and links, and nothing beside them");

        // links point where they will from inside the root
        for (String command : List.of("airlock-export", "airlock-import", "diode-send", "diode-receive")) {
            assertEquals(Path.of("/opt/airlock/bin/" + command), Files.readSymbolicLink(bin.resolve(command)));
        }
        assertEquals(Path.of("/opt/airlock/share/man/man1/airlock-import-verify.1"), Files.readSymbolicLink(share.resolve("man/man1/airlock-import-verify.1")));
        assertTrue(Files.isRegularFile(prefix.resolve("share/man/man1/airlock-import-verify.1")));
        assertEquals(Path.of("/opt/airlock/share/bash-completion/completions/airlock-export"),
                Files.readSymbolicLink(share.resolve("bash-completion/completions/airlock-export")));
        // through a link, on the installed runtime
        Path link = Files.createSymbolicLink(tmp.resolve("airlock-import"), prefix.resolve("bin/airlock-import"));
        Tools.Result version = Tools.run(List.of(link.toString(), "--version"), Map.of(), tmp).ok();
        assertTrue(version.stdout().startsWith("airlock-import "), version.stdout());

        // from the unpacked directory itself (no tarball argument) into another prefix
        Path root2 = Files.createDirectories(tmp.resolve("root2"));
        Tools.run(List.of(installer.toString(), "--root", root2.toString(), "--prefix", "/other"), Map.of(), tmp).ok();
        assertTrue(Files.isExecutable(root2.resolve("other/runtime/bin/java")));
    }

    @Test
    void installSh_refusesATarballThatDoesNotMatchItsSha256_andAPrefixThatIsNotARelease() throws Exception {
        Path installer = unpack(tmp.resolve("u")).resolve("install.sh");
        Path copy = tmp.resolve(tarball.getFileName().toString());
        Files.copy(tarball, copy);
        Files.copy(tarball.resolveSibling(tarball.getFileName() + ".sha256"), tmp.resolve(copy.getFileName() + ".sha256"));
        try (RandomAccessFile f = new RandomAccessFile(copy.toFile(), "rw")) {
            f.seek(f.length() / 2);
            int b = f.read();
            f.seek(f.length() / 2);
            f.write(b ^ 0x01);
        }
        Path prefix = tmp.resolve("opt/airlock");
        Tools.Result damaged = Tools.run(List.of(installer.toString(), "--prefix", prefix.toString(), "--bindir", tmp.resolve("bin").toString(),
                "--sharedir", tmp.resolve("share").toString(), copy.toString()), Map.of(), tmp);
        assertEquals(3, damaged.exitCode(), damaged.stderr());
        assertTrue(damaged.stderr().contains("does not match " + copy + ".sha256") && damaged.stderr().contains("nothing installed"),
                damaged.stderr());
        assertFalse(Files.exists(prefix), "nothing installed");
        assertFalse(Files.exists(tmp.resolve("bin")), "nothing linked");

        Path notOurs = tmp.resolve("usr-local");
        Files.createDirectories(notOurs.resolve("lib"));
        Tools.Result refused = Tools.run(List.of(installer.toString(), "--prefix", notOurs.toString(), "--bindir", tmp.resolve("bin").toString(),
                "--sharedir", tmp.resolve("share").toString()), Map.of(), tmp);
        assertEquals(2, refused.exitCode(), refused.stderr());
        assertEquals("install.sh: " + notOurs + " exists and is not an airlock release; choose another --prefix or empty it\n", refused.stderr());
        assertTrue(Files.isDirectory(notOurs.resolve("lib")), "left alone");
    }

    // ------------------------------------------------------------------ sign

    @Test
    void sign_writesADetachedSignature_thatGpgAndSqvVerify_andThatFailsForAChangedFile() throws Exception {
        assumeTrue(Tools.has("gpg"), "gpg is not installed");
        assumeTrue(Tools.has("sqv"), "sqv is not installed");
        Path release = unpack(tmp.resolve("u"));
        Path key = tmp.resolve("k.asc");
        Path cert = tmp.resolve("k.pub.asc");
        Path pass = tmp.resolve("pass.txt");
        Files.writeString(pass, "correct horse\n");
        Tools.Result keygen = run(release, "airlock-export", "keygen", "--uid", "signer <signer@airlock.test>", "--key", key.toString(),
                "--cert", cert.toString(), "--passphrase-file", pass.toString()).ok();
        String fingerprint = keygen.stdout().lines().filter(l -> l.startsWith("fingerprint ")).findFirst().orElseThrow().substring(12).trim();
        Path file = tmp.resolve(tarball.getFileName().toString());
        Files.copy(tarball, file);

        Tools.Result sign = run(release, "airlock-export", "sign", file.toString(), "--key", key.toString(), "--passphrase-file", pass.toString()).ok();
        Path asc = tmp.resolve(file.getFileName() + ".asc");
        assertEquals("signature   " + asc + "\nfingerprint " + fingerprint + "\n", sign.stdout());
        assertTrue(Files.readString(asc).startsWith("-----BEGIN PGP SIGNATURE-----"));

        Path home = Files.createDirectories(tmp.resolve("gnupg"));
        Map<String, String> env = Map.of("GNUPGHOME", home.toString());
        Tools.run(List.of("gpg", "--batch", "--import", cert.toString()), env, tmp).ok();
        Tools.Result gpg = Tools.run(List.of("gpg", "--batch", "--status-fd", "1", "--verify", asc.toString(), file.toString()), env, tmp);
        assertEquals(0, gpg.exitCode(), gpg.stderr());
        assertTrue(gpg.stdout().contains("[GNUPG:] VALIDSIG ") && gpg.stdout().contains(fingerprint), gpg.stdout());
        Tools.Result sqv = Tools.run(List.of("sqv", "--keyring", cert.toString(), asc.toString(), file.toString()), Map.of(), tmp);
        assertEquals(0, sqv.exitCode(), sqv.stderr());
        assertEquals(fingerprint + "\n", sqv.stdout());

        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(1000);
            int b = f.read();
            f.seek(1000);
            f.write(b ^ 0x01);
        }
        assertEquals(1, Tools.run(List.of("gpg", "--batch", "--verify", asc.toString(), file.toString()), env, tmp).exitCode());
        assertTrue(Tools.run(List.of("sqv", "--keyring", cert.toString(), asc.toString(), file.toString()), Map.of(), tmp).exitCode() != 0);

        Tools.Result wrong = run(release, "airlock-export", "sign", file.toString(), "--key", key.toString());
        assertEquals(2, wrong.exitCode());
        assertTrue(wrong.stderr().contains("wrong or missing passphrase"), wrong.stderr());
        Tools.Result missing = run(release, "airlock-export", "sign", tmp.resolve("nope").toString(), "--key", key.toString(),
                "--passphrase-file", pass.toString());
        assertEquals("airlock-export: no such file: " + tmp.resolve("nope") + "\n", missing.stderr());
        assertEquals(2, missing.exitCode());
    }

    // ------------------------------------------------------------------ helpers

    /** Unpacks the tarball with tar into {@code dir} (made empty); returns the release directory in it. */
    private static Path unpack(Path dir) throws Exception {
        Files.createDirectories(dir);
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(0, s.count(), dir + " is empty");
        }
        Tools.run(List.of("tar", "-xzf", tarball.toString(), "-C", dir.toString()), Map.of(), dir).ok();
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> top = s.toList();
            assertEquals(1, top.size(), "one top directory: " + top);
            return top.get(0);
        }
    }

    /** Runs a launcher of the unpacked release as on a host without a JDK. */
    private Tools.Result run(Path release, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(release.resolve("bin").resolve(args[0]).toString()));
        cmd.addAll(Arrays.asList(args).subList(1, args.length));
        return noJdk(tmp, cmd.toArray(String[]::new));
    }

    private static boolean namespaces;

    private static void assumeNamespaces() throws Exception {
        if (!namespaces) {
            namespaces = Tools.run(List.of("unshare", "-m", "--propagation", "private", "true"), Map.of(), null).exitCode() == 0;
        }
        assumeTrue(namespaces, "hiding the JDK needs unshare -m (root, util-linux): not available here");
    }

    /**
     * {@code cmd} in a mount namespace of its own where /usr/lib/jvm is an empty tmpfs (so no JDK,
     * and /usr/bin/java points nowhere), with only PATH=/usr/bin:/bin and HOME in its environment.
     */
    private static Tools.Result noJdk(Path home, String... cmd) throws Exception {
        assumeNamespaces();
        List<String> all = new ArrayList<>(List.of("unshare", "-m", "--propagation", "private", "sh", "-c",
                "mount -t tmpfs none /usr/lib/jvm && exec env -i PATH=/usr/bin:/bin HOME=\"$0\" \"$@\"", home.toString()));
        all.addAll(Arrays.asList(cmd));
        return Tools.run(all, Map.of(), home);
    }

    /** The words bash's completion offers for {@code words} (the last one being completed). */
    private static String complete(Path release, String program, String... words) throws Exception {
        String line = program + " " + String.join(" ", words);
        String script = ". share/bash-completion/completions/" + program + "; COMP_WORDS=(" + line + "); COMP_CWORD=" + words.length
                + "; COMP_LINE='" + line + "'; COMP_POINT=${#COMP_LINE}; _complete_" + program + "; echo \"${COMPREPLY[*]}\"";
        return Tools.run(List.of("bash", "-c", script), Map.of(), release).ok().stdout().trim();
    }

    private static String tree(Path dir) throws IOException {
        StringBuilder sb = new StringBuilder();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted().toList()) {
                if (p.startsWith(dir.resolve("u"))) {
                    continue;
                }
                sb.append(dir.relativize(p)).append(Files.isSymbolicLink(p) ? " -> " + Files.readSymbolicLink(p)
                        : Files.isRegularFile(p) ? " " + Files.size(p) : "/").append('\n');
            }
        }
        return sb.toString();
    }

    private static String sha256(Path f) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (var in = Files.newInputStream(f)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
