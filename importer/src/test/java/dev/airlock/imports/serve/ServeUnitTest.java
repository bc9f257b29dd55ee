package dev.airlock.imports.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code scripts/systemd/airlock-import-serve.service}: hardened, and accepted by {@code systemd-analyze verify}. */
class ServeUnitTest {
    private static final Path UNIT = Path.of("..", "scripts", "systemd", "airlock-import-serve.service").toAbsolutePath().normalize();
    private static final Path LAUNCHER = Path.of("..", "scripts", "airlock-import").toAbsolutePath().normalize();

    @TempDir
    Path tmp;

    @Test
    void theUnit_isHardened_andWritesOnlyTheInboxStateAndHostKeyDirectory() throws Exception {
        String unit = Files.readString(UNIT);
        assertTrue(unit.contains("\nProtectSystem=strict\n"), "ProtectSystem=strict");
        assertTrue(unit.contains("\nNoNewPrivileges=yes\n"), "NoNewPrivileges=yes");
        Matcher rw = Pattern.compile("\nReadWritePaths=(.*)\n").matcher(unit);
        assertTrue(rw.find());
        assertEquals(List.of("/var/lib/airlock/inbox", "/var/lib/airlock/import", "/etc/airlock/serve"), List.of(rw.group(1).split(" ")));
        assertTrue(unit.contains("--inbox /var/lib/airlock/inbox"), "the inbox served is the one it may write");
        assertTrue(unit.contains("--host-key /etc/airlock/serve/"), "the host key is generated where it may write");
    }

    @Test
    void systemdAnalyzeVerify_acceptsTheUnit() throws Exception {
        Assumptions.assumeTrue(Tools.has("systemd-analyze"), "unit check skipped: systemd-analyze is not installed (Debian's systemd package)");
        // verify checks that ExecStart exists: point it at this checkout's launcher instead of /usr/local/bin; the man
        // pages the unit names are installed by install.sh, not here (--man=no, as SystemdUnitsIT).
        Path copy = tmp.resolve("airlock-import-serve.service");
        Files.writeString(copy, Files.readString(UNIT).replace("/usr/local/bin/airlock-import", LAUNCHER.toString()));
        Tools.Result r = Tools.run(List.of("systemd-analyze", "verify", "--man=no", copy.toString()), Map.of("SYSTEMD_LOG_LEVEL", "warning"), tmp);
        Assumptions.assumeFalse(r.stderr().contains("Failed to connect to bus") || r.stderr().contains("Failed to initialize manager"),
                "unit check skipped: systemd-analyze cannot run here (" + r.stderr().trim() + ")");
        assertEquals(0, r.exitCode(), r.stderr() + r.stdout());
        assertEquals("", r.stderr().trim(), "no warnings");
    }
}
