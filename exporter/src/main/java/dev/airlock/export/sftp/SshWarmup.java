package dev.airlock.export.sftp;

import dev.airlock.io.Trace;
import java.security.KeyPair;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.common.cipher.BuiltinCiphers;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.kex.AbstractDH;
import org.apache.sshd.common.kex.BuiltinDHFactories;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.signature.BuiltinSignatures;
import org.apache.sshd.common.signature.Signature;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.apache.sshd.sftp.client.SftpClientFactory;

/**
 * A head start for a push, on a daemon thread while the command line is parsed, the identity read
 * and the connection made (each step measured with scripts/bench.d/sftp.sh and AIRLOCK_TRACE=1):
 * <ol>
 * <li>the SSH client's classes and security providers (Bouncy Castle's registers hundreds of
 * algorithms);
 * <li>X25519 key agreements and Ed25519 signatures, which the key exchange and the login would
 * otherwise run as cold code on the main thread (about 50 ms less to log in);
 * <li>AES-GCM, the cipher a push negotiates, over throw-away packets until the JIT has compiled it
 * with its AES-NI and carry-less-multiply intrinsics: before that GHASH runs as plain Java, and the
 * first hundred megabytes of a push pay for it.
 * </ol>
 * Side-effect free; whatever fails here fails again, reported, where it is needed.
 */
public final class SshWarmup {
    private static final int KEX_ROUNDS = 20;
    /** Packets of the size a push sends (an OpenSSH channel's maximum, 32 KiB, plus framing). */
    private static final int PACKET = 32 * 1024 + 32;
    /** About 160 MB of cipher work, enough for C2 to compile the GCM path. */
    private static final int GCM_ROUNDS = 5000;

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
            warmUp();
            Trace.mark("ssh warm-up done");
        } catch (Throwable e) {
            // Only a head start, but one that once stopped at its key exchange without a word (and
            // so never warmed AES-GCM): the trace says so, and SshWarmupTest runs it to its end.
            Trace.mark("ssh warm-up failed: " + e);
        }
    }

    static void warmUp() throws Exception {
        SecurityUtils.isBouncyCastleRegistered();
        SshClient.setUpDefaultClient();
        BuiltinCiphers.aes128gcm.isSupported();
        SftpClientFactory.instance();
        keyExchangeAndSignatures();
        gcm();
    }

    private static void keyExchangeAndSignatures() throws Exception {
        for (int i = 0; i < KEX_ROUNDS; i++) {
            AbstractDH a = BuiltinDHFactories.curve25519.create();
            AbstractDH b = BuiltinDHFactories.curve25519.create();
            a.getE(); // its own key pair first: setF and getK need it
            a.setF(b.getE());
            a.getK();
        }
        KeyPair pair = KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
        byte[] data = new byte[64];
        for (int i = 0; i < KEX_ROUNDS; i++) {
            Signature signer = BuiltinSignatures.ed25519.create();
            signer.initSigner(null, pair.getPrivate());
            signer.update(null, data);
            byte[] sig = signer.sign(null);
            Signature verifier = BuiltinSignatures.ed25519.create();
            verifier.initVerifier(null, pair.getPublic());
            verifier.update(null, data);
            verifier.verify(null, sig);
        }
    }

    private static void gcm() throws Exception {
        byte[] packet = new byte[PACKET + 16];
        byte[] iv = new byte[12];
        SecretKeySpec key = new SecretKeySpec(new byte[16], "AES");
        Cipher enc = Cipher.getInstance("AES/GCM/NoPadding");
        for (int i = 0; i < GCM_ROUNDS; i++) {
            iv[8] = (byte) (i >>> 24);
            iv[9] = (byte) (i >>> 16);
            iv[10] = (byte) (i >>> 8);
            iv[11] = (byte) i;
            enc.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, iv));
            enc.updateAAD(packet, 0, 4);
            enc.doFinal(packet, 4, PACKET - 4, packet, 4);
        }
    }
}
