package dev.airlock.e2e;

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

/** scripts/systemd/airlock-import-watch.service: hardened as documented, and clean for {@code systemd-analyze verify}. */
class WatchUnitTest {
    private static final String INSTALLED = "/usr/local/bin/airlock-import";

    @TempDir
    Path tmp;

    private static Path unit() {
        Path launcher = WatchIT.launcherPath();
        return launcher.getParent().resolve("systemd/airlock-import-watch.service");
    }

    @Test
    void watchUnit_writesOnlyTheStateAndTheInbox_andGainsNoPrivileges() throws Exception {
        String text = Files.readString(unit());
        String exec = text.substring(text.indexOf("ExecStart=")).replaceAll("\\\\\\n\\s*", " ").lines().findFirst().orElseThrow();
        Matcher inbox = Pattern.compile(" watch (\\S+)").matcher(exec);
        Matcher state = Pattern.compile(" --state (\\S+)").matcher(exec);
        assertTrue(inbox.find() && state.find(), exec);
        assertTrue(text.contains("\nProtectSystem=strict\n"), text);
        assertTrue(text.contains("\nNoNewPrivileges=yes\n"), text);
        assertEquals(List.of("ReadWritePaths=" + state.group(1) + " " + inbox.group(1)),
                text.lines().filter(l -> l.startsWith("ReadWritePaths=")).toList(), "the state and the inbox, nothing else");
    }

    @Test
    void watchUnit_passesSystemdAnalyzeVerify_withoutAWarning() throws Exception {
        Assumptions.assumeTrue(Tools.has("systemd-analyze"), "needs systemd-analyze (package systemd) to check the unit file");
        Path launcher = WatchIT.launcherPath();
        String text = Files.readString(unit());
        assertTrue(text.contains("ExecStart=" + INSTALLED + " watch "), text);
        // verify wants the program to exist: point the copy at this checkout's launcher, nothing else changed.
        Path copy = tmp.resolve("airlock-import-watch.service");
        Files.writeString(copy, text.replace(INSTALLED, launcher.toString()));
        Tools.Result r = Tools.run(List.of("systemd-analyze", "verify", "--man=no", copy.toString()), Map.of(), tmp);
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals("", (r.stdout() + r.stderr()).trim(), "systemd-analyze reports a problem (it exits 0 on ignored lines)");
    }
}
