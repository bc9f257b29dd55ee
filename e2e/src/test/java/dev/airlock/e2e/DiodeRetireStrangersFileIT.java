package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.airlock.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass X (issue 17, R4): when an intact copy arrives of a name that .diode-damaged lists
 * (a damaged copy was handed on under it before, and watch has since sent that to rejected/),
 * diode-receive's retire_damaged pinned whatever plain file was under the name with ln and hashed it
 * to its end before it looked at its owner or size. A stranger's file there (mode 0666: protected
 * hard links let anyone who may read and write a file link it), a sparse file of 4 TiB, was read for
 * half an hour and more, the receiver holding the delivery lock, and every session sent meanwhile
 * over the one-way link was never received. Only the receiver's own file, of a size the ledger lists
 * for the name, is a damaged copy it handed on, and it is hashed no further than that size. Real
 * udpcast on lo; the stranger is user nobody.
 */
class DiodeRetireStrangersFileIT {
    private static final Random RANDOM = new Random();
    private static final String NAME = "daily-000001.airlock.tar";

    @TempDir
    Path tmp;

    @Test
    void diodeReceive_aStrangersHugeFileUnderADamagedName_doesNotHoldTheReceiver() throws Exception {
        assumeTrue(Tools.has("udp-receiver") && Tools.has("udp-sender") && Tools.has("setpriv"), "udpcast or setpriv is not installed");
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        Files.setAttribute(tmp, "unix:mode", 0755);
        Files.setAttribute(inbox, "unix:mode", 01777); // shared, sticky
        int port = DiodeRig.freePortPair();
        byte[] bundle = new byte[200_000];
        RANDOM.nextBytes(bundle);
        Path sent = Files.write(tmp.resolve(NAME), bundle);
        // A damaged copy of the name was handed on earlier (and watch has sent it to rejected/ since).
        Path damagedLedger = Files.writeString(inbox.resolve(".diode-damaged"), "a".repeat(64) + " 200000 " + NAME + "\n");
        Files.setAttribute(damagedLedger, "unix:mode", 0644);
        Tools.Result his = Tools.run(List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "sh", "-c",
                "umask 0; truncate -s 4T " + inbox.resolve(NAME)), Map.of(), null);
        assumeTrue(his.exitCode() == 0, "cannot make a sparse file of 4 TiB here: " + his.stderr());
        Process rx = new ProcessBuilder(DiodeRig.repo().resolve("scripts/diode-receive").toString(), "--interface", "lo",
                "--port", String.valueOf(port), "--sessions", "1", "--idle-exit", "20", inbox.toString())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("rx.out").toFile()).start();
        try {
            Thread.sleep(1000);
            Tools.Result tx = Tools.run(List.of(DiodeRig.repo().resolve("scripts/diode-send").toString(), "--interface", "lo", "--port",
                    String.valueOf(port), "--copies", "1", sent.toString()), Map.of(), null);
            boolean ended = rx.waitFor(90, TimeUnit.SECONDS);
            String out = Files.readString(tmp.resolve("rx.out"));
            assertTrue(ended, "diode-receive still busy 90 s after the arrival (hashing the stranger's 4 TiB file): " + out + tx.stderr());
            assertTrue(out.contains("conflict " + NAME), "the real bundle is kept beside the stranger's file: " + out);
        } finally {
            for (ProcessHandle p : rx.descendants().toList()) { // its openssl, reading the 4 TiB, first
                p.destroyForcibly();
            }
            rx.destroyForcibly();
            Files.deleteIfExists(inbox.resolve(NAME));
        }
    }
}
