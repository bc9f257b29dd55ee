package dev.airlock.e2e;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** What the diode tests share: a free UDP port pair on loopback (udpcast uses PORT and PORT+1) and the repository's scripts. */
final class DiodeRig {
    private static final Random RANDOM = new Random();

    private DiodeRig() {
    }

    static int freePortPair() {
        for (int i = 0; i < 100; i++) {
            int p = 20_000 + 2 * RANDOM.nextInt(10_000);
            try (DatagramSocket a = new DatagramSocket(p, InetAddress.getLoopbackAddress());
                    DatagramSocket b = new DatagramSocket(p + 1, InetAddress.getLoopbackAddress())) {
                return p;
            } catch (IOException taken) {
                // try another
            }
        }
        throw new AssertionError("no free UDP port pair");
    }

    /** The repository checkout these tests run in (where scripts/diode-receive is). */
    static Path repo() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isExecutable(p.resolve("scripts/diode-receive"))) {
                return p;
            }
        }
        throw new AssertionError("scripts/diode-receive not found above " + Path.of("").toAbsolutePath());
    }
}
