package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.airlock.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass C (issue 17): {@code scripts/diode-receive} opens files of fixed names in the inbox
 * with the shell's redirections ({@code 2>"$rxlog"}, {@code exec 9>>"$lock"}, {@code >> "$ledger"}),
 * which follow a symbolic link and open a FIFO. Anyone who can write the inbox (the service user
 * airlock, which also runs serve) can plant one: a link as {@code .diode-udp-receiver.P.log}
 * makes the receiver truncate and overwrite the link's target (as root: any file on the host),
 * and a FIFO as {@code .diode-receive.P.lock} makes it hang before it listens. The same class as
 * finding H5 (the watcher's {@code .airlock-watch/lock}). Real udpcast, no session sent: the
 * receiver starts, waits 2 s idle and exits.
 */
class DiodePlantedFilesIT {
    private static final Random RANDOM = new Random();

    @TempDir
    Path tmp;

    @Test
    void diodeReceive_aSymlinkPlantedAsItsUdpReceiverLog_isNotFollowed_andItsTargetKeepsItsBytes() throws Exception {
        assumeTrue(Tools.has("udp-receiver"), "udpcast is not installed");
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        Path precious = Files.writeString(tmp.resolve("precious"), "precious bytes outside the inbox\n");
        int port = DiodeRig.freePortPair();
        Files.createSymbolicLink(inbox.resolve(".diode-udp-receiver." + port + ".log"), precious);

        Tools.Result r = receive(inbox, port);

        assertEquals("precious bytes outside the inbox\n", Files.readString(precious),
                "the link's target outside the inbox was overwritten by udp-receiver's log; " + r.stdout() + r.stderr());
    }

    @Test
    void diodeReceive_aFifoPlantedAsItsLock_doesNotHang() throws Exception {
        assumeTrue(Tools.has("udp-receiver") && Tools.has("mkfifo"), "udpcast or mkfifo is not installed");
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        int port = DiodeRig.freePortPair();
        Tools.run("mkfifo", inbox.resolve(".diode-receive." + port + ".lock").toString()).ok();

        Tools.Result r = receive(inbox, port);

        assertNotEquals(124, r.exitCode(), "diode-receive hung on a FIFO planted as its lock (killed by timeout after 20 s): "
                + r.stdout() + r.stderr());
    }

    @Test
    void diodeReceive_itsPortLockPlantedAsAHardLinkToTheDeliveryLock_stillDeliversTheNextArrival() throws Exception {
        assumeTrue(Tools.has("udp-receiver") && Tools.has("udp-sender"), "udpcast is not installed");
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        int port = DiodeRig.freePortPair();
        // A regular file with one name in the inbox: passes a "regular file, not a link" check. Held
        // (flock, fd 9) for the whole run, it is the same inode as the lock every delivery takes.
        Path deliver = Files.createFile(inbox.resolve(".diode-deliver.lock"));
        Files.createLink(inbox.resolve(".diode-receive." + port + ".lock"), deliver);
        Path small = tmp.resolve("small.tar");
        Files.write(small, new byte[100_000]);

        int code = sendOne(small, inbox, port);

        assertNotEquals(124, code, "diode-receive hung delivering (its own port lock is the delivery lock's inode): "
                + Files.readString(tmp.resolve("rx.out")));
        assertEquals(100_000, Files.size(inbox.resolve("small.tar")), Files.readString(tmp.resolve("rx.out")));
    }

    /**
     * Red-team pass Q, Q3: a local user who can write the inbox (and read the receiver's temporary
     * file, or guess a re-sent bundle's bytes) puts the same bytes under NAME first, in a file of his
     * own. The arrival was dropped as a duplicate, leaving NAME his inode, which he may rewrite at any
     * time. Another user's file is never taken for a delivered copy: the arrival is kept beside it.
     */
    @Test
    void diodeReceive_theSameBytesUnderItsNameInAnotherUsersFile_isNoDuplicate_theArrivalIsKeptBeside() throws Exception {
        assumeTrue(Tools.has("udp-receiver") && Tools.has("udp-sender"), "udpcast is not installed");
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root to make another user's file");
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        int port = DiodeRig.freePortPair();
        Path small = tmp.resolve("small.tar");
        byte[] bytes = new byte[100_000];
        RANDOM.nextBytes(bytes);
        Files.write(small, bytes);
        Path squat = Files.write(inbox.resolve("small.tar"), bytes);
        Files.setAttribute(squat, "unix:uid", 54_321);

        sendOne(small, inbox, port);
        String out = Files.readString(tmp.resolve("rx.out"));

        String sha16 = dev.airlock.digest.Digest.sha256Of(bytes).hex().substring(0, 16);
        Path kept = inbox.resolve("small.tar.conflict-" + sha16);
        assertTrue(out.contains("conflict small.tar"), "the arrival was not kept beside another user's file: " + out);
        assertTrue(Files.isRegularFile(kept), out);
        assertEquals(0, (int) Files.getAttribute(kept, "unix:uid"), "the arrival is the receiver's own file");
        assertEquals(54_321, (int) Files.getAttribute(squat, "unix:uid"), "the other user's file stays as it was");
    }

    /**
     * Red-team pass R, R1: a volume's sha256 is on its signed list, readable in the inbox, so every
     * name a copy of it may take beside a held name is known: NAME, NAME.conflict-SHA16, -2 … -100.
     * A stranger holding all 101 kept the real volume, sent after its list, from ever being delivered
     * ("… and 100 conflict names beside it are taken"). Past -100 a copy is numbered at random.
     */
    @Test
    void diodeReceive_itsNameAndAHundredConflictNamesHeld_stillDeliversBesideThem() throws Exception {
        assumeTrue(Tools.has("udp-receiver") && Tools.has("udp-sender"), "udpcast is not installed");
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root to make another user's file");
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        int port = DiodeRig.freePortPair();
        Path small = tmp.resolve("small.tar.000");
        byte[] bytes = new byte[50_000];
        RANDOM.nextBytes(bytes);
        Files.write(small, bytes);
        String sha16 = dev.airlock.digest.Digest.sha256Of(bytes).hex().substring(0, 16);
        for (int n = 0; n <= 100; n++) {
            String name = "small.tar.000" + (n == 0 ? "" : ".conflict-" + sha16 + (n == 1 ? "" : "-" + n));
            Files.setAttribute(Files.writeString(inbox.resolve(name), "the stranger's " + n), "unix:uid", 54_321);
        }

        sendOne(small, inbox, port);
        String out = Files.readString(tmp.resolve("rx.out"));

        assertTrue(out.contains("conflict small.tar.000"), "the arrival was not delivered beside the held names: " + out);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("kept beside it as (small\\.tar\\.000\\.conflict-" + sha16
                + "-(\\d{3,9}))$", java.util.regex.Pattern.MULTILINE).matcher(out);
        assertTrue(m.find(), "no numbered copy past -100 named: " + out);
        assertTrue(Integer.parseInt(m.group(2)) > 100, out);
        assertEquals(java.util.Arrays.toString(bytes), java.util.Arrays.toString(Files.readAllBytes(inbox.resolve(m.group(1)))));
    }

    /**
     * One session of {@code file} from diode-send to diode-receive on loopback (output in rx.out);
     * asserts that diode-send succeeded. Returns diode-receive's exit code (124: killed after 40 s).
     */
    private int sendOne(Path file, Path inbox, int port) throws Exception {
        Process rx = new ProcessBuilder("timeout", "40", DiodeRig.repo().resolve("scripts/diode-receive").toString(), "--interface", "lo",
                "--port", String.valueOf(port), "--sessions", "1", "--idle-exit", "20", inbox.toString())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("rx.out").toFile()).start();
        Thread.sleep(1000);
        Tools.Result tx = Tools.run(List.of(DiodeRig.repo().resolve("scripts/diode-send").toString(), "--interface", "lo", "--port",
                String.valueOf(port), "--copies", "1", file.toString()), Map.of(), null);
        int code = rx.waitFor();
        assertEquals(0, tx.exitCode(), tx.stderr());
        return code;
    }

    /** diode-receive on loopback, no session sent: it should stop after 2 s idle; timeout(1) ends it after 20 s (exit 124). */
    private static Tools.Result receive(Path inbox, int port) throws Exception {
        return Tools.run(List.of("timeout", "20", DiodeRig.repo().resolve("scripts/diode-receive").toString(), "--interface", "lo", "--port",
                String.valueOf(port), "--idle-exit", "2", inbox.toString()), Map.of(), null);
    }


}
