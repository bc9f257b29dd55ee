package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.testing.RegistryExtension;
import dev.airlock.testing.RegistryExtension.Registries;
import dev.airlock.testing.Tools;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass C (issue 17, around the fix of H4). Commons Compress's TarFile reads a PAX header
 * ({@code 'x'}, {@code 'g'}) or GNU long name by calling itself for the entry that follows: 5,000
 * consecutive PAX headers of 20 bytes each (a 5 MB file, every header far under TarHeaderGuard's
 * 64 KiB bound, and not counted as entries) end in StackOverflowError. Through the launcher: verify
 * prints a stack trace (exit 1); and {@code watch}, which catches RuntimeException but not Error
 * around a bundle, dies on it with a stack trace at every start while the file lies in the inbox,
 * so the signed bundle beside it is never imported. {@code serve} (the same watcher in its process)
 * stops for every sender. Anyone who can put one file into the inbox (a diode session, any SFTP
 * key) can do this; nothing needs a signing key.
 */
@ExtendWith(RegistryExtension.class)
class TarHeaderRecursionIT {
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();

    @TempDir
    Path tmp;

    @Test
    void verify_fiveThousandSmallPaxHeaders_isOneLineExit3_notAStackOverflow(Registries r) throws Exception {
        ChainFixture c = new ChainFixture(r.plain(), r.plain(), tmp).seedThree();
        Path evil = paxChain(tmp.resolve("evil.airlock.tar"), 5_000, c.export());
        Tools.Result v = launcher(List.of("verify", evil.toString(), "--trust", c.exporterKey[1].toString(), "-q"));
        assertFalse(v.stderr().contains("StackOverflowError"), v.stderr().lines().limit(3).toList().toString());
        assertEquals(3, v.exitCode(), v.stderr());
    }

    @Test
    void watch_aFileOfFiveThousandSmallPaxHeadersInTheInbox_isRejected_andTheSignedBundleBesideItIsImported(Registries r)
            throws Exception {
        ChainFixture c = new ChainFixture(r.plain(), r.plain(), tmp).seedThree();
        Path bundle = c.export();
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        paxChain(inbox.resolve("evil.tar"), 5_000, bundle);
        Files.copy(bundle, inbox.resolve(bundle.getFileName()));

        List<String> args = new ArrayList<>(List.of("watch", inbox.toString(), "--trust", c.exporterKey[1].toString(), "--registry",
                c.target.host() + "/mirror", "--state", tmp.resolve("import-state").toString(), "--settle", "200ms", "--once"));
        args.addAll(c.target.cliFlags());
        Tools.Result w = launcher(args);

        assertFalse(w.stderr().contains("StackOverflowError"), w.stderr().lines().limit(3).toList().toString());
        assertTrue(w.stdout().contains("imported " + bundle.getFileName()), w.stdout() + w.stderr());
        assertTrue(Files.exists(inbox.resolve("rejected/evil.tar")), w.stdout());
    }

    private static Tools.Result launcher(List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(REPO.resolve("scripts/airlock-import").toString()));
        cmd.addAll(args);
        return Tools.run(cmd, Map.of(), null);
    }

    /** {@code n} PAX extended headers ('x') of one 20-byte record each, then the bytes of {@code tail}. */
    private static Path paxChain(Path out, int n, Path tail) throws IOException {
        byte[] body = "20 comment=aaaaaaaa\n".getBytes(StandardCharsets.US_ASCII);
        byte[] h = new byte[512];
        put(h, 0, "PaxHeaders/x");
        put(h, 100, "0000644\0");
        put(h, 108, "0000000\0");
        put(h, 116, "0000000\0");
        put(h, 124, String.format("%011o", body.length) + "\0");
        put(h, 136, "00000000000\0");
        h[156] = 'x';
        put(h, 257, "ustar\0");
        put(h, 263, "00");
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        put(h, 148, String.format("%06o", sum) + "\0 ");
        try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(out), 1 << 20)) {
            for (int i = 0; i < n; i++) {
                o.write(h);
                o.write(body);
                o.write(new byte[512 - body.length]);
            }
            Files.copy(tail, o);
        }
        return out;
    }

    private static void put(byte[] b, int at, String s) {
        byte[] x = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(x, 0, b, at, x.length);
    }
}
