package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.airlock.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass F (issue 17, a way around DiodeLedgerPlantedLaterIT). diode-receive checks its ledger
 * under the delivery lock ({@code own_file}) and appends to it by name ({@code >> "$ledger"}) after
 * the delivery's rename and the fsync of the inbox: whoever can write the inbox and swaps the ledger
 * for a symbolic link in between has the line appended to the link's target (as root, any file).
 * The window is the inbox's fsync; a slow one (a USB disk) is what the {@code sync} on PATH stands in
 * for: it waits 2 s before the real sync, so that the swap lands in the window every time.
 */
class DiodeLedgerSwapRaceIT {

    @TempDir
    Path tmp;

    @Test
    void diodeReceive_aLedgerSwappedForASymlinkBetweenItsCheckAndTheAppend_isNotFollowed() throws Exception {
        assumeTrue(Tools.has("udp-receiver") && Tools.has("udp-sender"), "udpcast is not installed");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/sync")), "/usr/bin/sync is not there to wrap");
        Path precious = Files.writeString(tmp.resolve("precious"), "precious bytes outside the inbox\n");
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        Path bin = Files.createDirectories(tmp.resolve("slow-bin"));
        Path sync = Files.writeString(bin.resolve("sync"), "#!/bin/sh\nsleep 2\nexec /usr/bin/sync \"$@\"\n");
        Files.setPosixFilePermissions(sync, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(inbox.resolve(".diode-received"), ""); // this receiver's, made before it starts
        int port = DiodeRig.freePortPair();
        ProcessBuilder pb = new ProcessBuilder("timeout", "60", DiodeRig.repo().resolve("scripts/diode-receive").toString(), "--interface", "lo",
                "--port", String.valueOf(port), "--sessions", "1", "--idle-exit", "25", inbox.toString())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("rx.out").toFile());
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        Process rx = pb.start();
        Thread.sleep(1000);
        send(port, Files.write(tmp.resolve("one.tar"), new byte[50_000]));
        for (int i = 0; i < 1000 && !Files.exists(inbox.resolve("one.tar")); i++) {
            Thread.sleep(10);
        }
        Path ledger = inbox.resolve(".diode-received");
        Files.delete(ledger);
        Files.createSymbolicLink(ledger, precious); // in the inbox's slow fsync: after the check, before the append
        rx.waitFor();
        assertEquals("precious bytes outside the inbox\n", Files.readString(precious),
                "the ledger swapped for a link after its check was followed: its target outside the inbox was appended to\n"
                        + Files.readString(tmp.resolve("rx.out")));
    }

    private static void send(int port, Path file) throws Exception {
        Tools.Result tx = Tools.run(List.of(DiodeRig.repo().resolve("scripts/diode-send").toString(), "--interface", "lo", "--port",
                String.valueOf(port), "--copies", "1", file.toString()), Map.of(), null);
        assertEquals(0, tx.exitCode(), tx.stderr());
    }


}
