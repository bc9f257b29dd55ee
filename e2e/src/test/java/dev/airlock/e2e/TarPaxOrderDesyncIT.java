package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

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
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass E (issue 17, a way around TarHeaderGuard). Two PAX 'x' headers before one entry:
 * Commons Compress 1.28's TarFile recurses once per PAX header and applies each header's records
 * after the recursion returns, so the FIRST (outermost) header's {@code size} is applied last and
 * wins; a later header without {@code size} does not clear it. TarHeaderGuard takes the LAST PAX
 * header's answer ({@code paxSize = s}, -1 here), keeps the entry header's size 0, meets a zero block
 * and stops; Commons Compress skips that block as the entry's 512 bytes of data and reads the 5,000
 * PAX headers after it: StackOverflowError, a stack trace, in verify and in bundle --from-docker-archive.
 */
class TarPaxOrderDesyncIT {
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();

    @TempDir
    Path tmp;

    @Test
    void verify_fiveThousandPaxHeadersHiddenBehindTheFirstOfTwoPaxSizes_isOneLineExit3_notAStackOverflow() throws Exception {
        Path[] key = Fixture.keygen(tmp, "exporter");
        Path tail = HandMadeArchive.write(tmp.resolve("a.tar"), "example.org/app:1", 7, 4096);
        Path evil = write(tmp.resolve("evil.airlock.tar"), tail);
        Tools.Result v = run("airlock-import", List.of("verify", evil.toString(), "--trust", key[1].toString(), "-q"));
        assertFalse(v.stderr().contains("Error"), v.stderr().lines().limit(3).toList().toString());
        assertEquals(3, v.exitCode(), v.stderr());
    }

    @Test
    void bundle_fiveThousandPaxHeadersHiddenBehindTheFirstOfTwoPaxSizes_isOneLineExit3_notAStackOverflow() throws Exception {
        Path[] key = Fixture.keygen(tmp, "exporter");
        Path tail = HandMadeArchive.write(tmp.resolve("a.tar"), "example.org/app:1", 7, 4096);
        Path evil = write(tmp.resolve("evil.tar"), tail);
        Tools.Result b = run("airlock-export", List.of("bundle", "--channel", "x", "--key", key[0].toString(), "--out",
                tmp.resolve("out").toString(), "--state", tmp.resolve("st").toString(), "--from-docker-archive", evil.toString(), "-q"));
        assertFalse(b.stderr().contains("Error"), b.stderr().lines().limit(3).toList().toString());
        assertEquals(3, b.exitCode(), b.stderr());
    }

    /** x (size=512), x (path only), the entry (size 0), the zero block where the guard stops, 5,000 PAX headers, then tail's bytes. */
    private static Path write(Path out, Path tail) throws IOException {
        try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(out), 1 << 20)) {
            entry(o, "PaxHeaders/x", 'x', rec("size=512").getBytes(StandardCharsets.US_ASCII));
            entry(o, "PaxHeaders/x", 'x', rec("path=x/blob").getBytes(StandardCharsets.US_ASCII));
            o.write(header("x/blob", '0', 0));
            o.write(new byte[512]);
            for (int i = 0; i < 5_000; i++) {
                entry(o, "PaxHeaders/x", 'x', "20 comment=aaaaaaaa\n".getBytes(StandardCharsets.US_ASCII));
            }
            Files.copy(tail, o);
        }
        return out;
    }

    private static void entry(OutputStream o, String name, char type, byte[] body) throws IOException {
        o.write(header(name, type, body.length));
        o.write(body);
        o.write(new byte[(512 - body.length % 512) % 512]);
    }

    /** One PAX record, "LEN key=value\n", LEN counting itself. */
    private static String rec(String kv) {
        int len = kv.length() + 2;
        while (String.valueOf(len).length() + kv.length() + 2 != len) {
            len = String.valueOf(len).length() + kv.length() + 2;
        }
        return len + " " + kv + "\n";
    }

    private static byte[] header(String name, char type, long size) {
        byte[] h = new byte[512];
        put(h, 0, name);
        put(h, 100, "0000644\0");
        put(h, 108, "0000000\0");
        put(h, 116, "0000000\0");
        put(h, 124, String.format("%011o", size) + "\0");
        put(h, 136, "00000000000\0");
        h[156] = (byte) type;
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
        return h;
    }

    private static void put(byte[] b, int at, String s) {
        byte[] x = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(x, 0, b, at, x.length);
    }

    private static Tools.Result run(String command, List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(REPO.resolve("scripts/" + command).toString()));
        cmd.addAll(args);
        return Tools.run(cmd, Map.of(), null);
    }
}
