package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.airlock.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass D (issue 17, a way around the fix of DiodePlantedFilesIT). diode-receive checks its
 * ledger {@code .diode-received} once, at start; every delivery afterwards appends to it by name
 * ({@code >> "$ledger"}). Anyone who can write the inbox replaces it, while the receiver runs, with a
 * symbolic link (its target outside the inbox is appended to) or a FIFO (the delivery hangs holding
 * {@code .diode-deliver.lock}: no receiver into that inbox delivers again). Real udpcast on lo.
 */
class DiodeLedgerPlantedLaterIT {

    @TempDir
    Path tmp;

    @Test
    void diodeReceive_aLedgerReplacedByASymlinkWhileRunning_isNotFollowed() throws Exception {
        Path precious = Files.writeString(tmp.resolve("precious"), "precious bytes outside the inbox\n");
        String out = receiveTwo(ledger -> Files.createSymbolicLink(ledger, precious));
        assertEquals("precious bytes outside the inbox\n", Files.readString(precious),
                "the ledger's replacement link was followed: its target outside the inbox was appended to\n" + out);
    }

    @Test
    void diodeReceive_aLedgerReplacedByAFifoWhileRunning_doesNotHang() throws Exception {
        assumeTrue(Tools.has("mkfifo"), "mkfifo is not installed");
        String out = receiveTwo(ledger -> Tools.run("mkfifo", ledger.toString()).ok());
        assertNotEquals("124", out.substring(0, out.indexOf('\n')), "diode-receive hung on a FIFO planted as its ledger\n" + out);
    }

    interface Plant {
        void at(Path ledger) throws Exception;
    }

    /** Receives one file, replaces the ledger with what plant makes, receives a second; the exit code, a newline, the output. */
    private String receiveTwo(Plant plant) throws Exception {
        assumeTrue(Tools.has("udp-receiver") && Tools.has("udp-sender"), "udpcast is not installed");
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        int port = DiodeRig.freePortPair();
        Process rx = new ProcessBuilder("timeout", "60", DiodeRig.repo().resolve("scripts/diode-receive").toString(), "--interface", "lo",
                "--port", String.valueOf(port), "--sessions", "2", "--idle-exit", "25", inbox.toString())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("rx.out").toFile()).start();
        Thread.sleep(1000);
        send(port, Files.write(tmp.resolve("one.tar"), new byte[50_000]));
        for (int i = 0; i < 100 && !Files.exists(inbox.resolve("one.tar")); i++) {
            Thread.sleep(100);
        }
        Thread.sleep(500);
        Path ledger = inbox.resolve(".diode-received");
        Files.move(ledger, tmp.resolve("ledger-was"));
        plant.at(ledger);
        byte[] two = new byte[50_000];
        two[0] = 2;
        send(port, Files.write(tmp.resolve("two.tar"), two));
        int code = rx.waitFor();
        return code + "\n" + Files.readString(tmp.resolve("rx.out"));
    }

    private static void send(int port, Path file) throws Exception {
        Tools.Result tx = Tools.run(List.of(DiodeRig.repo().resolve("scripts/diode-send").toString(), "--interface", "lo", "--port",
                String.valueOf(port), "--copies", "1", file.toString()), Map.of(), null);
        assertEquals(0, tx.exitCode(), tx.stderr());
    }


}
