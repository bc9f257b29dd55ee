package dev.airlock.export.sftp;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.common.cipher.BuiltinCiphers;
import org.apache.sshd.common.kex.BuiltinDHFactories;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.apache.sshd.sftp.client.SftpClientFactory;

/**
 * A head start for a push, on a daemon thread while the command line is parsed, the identity
 * read and the connection made: the SSH client's classes and security providers, then AES-GCM (the cipher a push negotiates) run over throw-away
 * packets until the JIT has compiled it with its AES-NI and carry-less-multiply intrinsics.
 * Before that, GHASH runs as plain Java at a few tens of MB/s, and the first hundreds of
 * megabytes of a push pay for it. Side-effect free.
 */
public final class SshWarmup {
    /** Packets of the size a push sends (an OpenSSH channel's maximum, 32 KiB, plus framing). */
    private static final int PACKET = 32 * 1024 + 32;
    /** About 160 MB of cipher work: enough for C2 to compile the GCM path (scripts/bench.d/sftp.sh). */
    private static final int ROUNDS = 5000;

    private SshWarmup() {
    }

    public static void start() {
        Thread t = new Thread(SshWarmup::run, "airlock-ssh-warmup");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
    }

    private static void run() {
        try {
            // Class loading and security-provider set-up (Bouncy Castle's provider registers
            // hundreds of algorithms) while the main thread parses the command line.
            SecurityUtils.isBouncyCastleRegistered();
            SshClient.setUpDefaultClient();
            BuiltinDHFactories.curve25519.isSupported();
            BuiltinCiphers.aes128gcm.isSupported();
            SftpClientFactory.instance();
            byte[] packet = new byte[PACKET + 16];
            byte[] iv = new byte[12];
            SecretKeySpec key = new SecretKeySpec(new byte[16], "AES");
            Cipher enc = Cipher.getInstance("AES/GCM/NoPadding");
            for (int i = 0; i < ROUNDS; i++) {
                iv[8] = (byte) (i >>> 24);
                iv[9] = (byte) (i >>> 16);
                iv[10] = (byte) (i >>> 8);
                iv[11] = (byte) i;
                enc.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, iv));
                enc.updateAAD(packet, 0, 4);
                enc.doFinal(packet, 4, PACKET - 4, packet, 4);
            }
        } catch (Throwable ignored) {
            // only a head start
        }
    }
}
