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
 * Red-team pass D (issue 17, a way around TarHeaderGuard). A PAX 1.0 sparse entry
 * ({@code GNU.sparse.major=1}, {@code minor=0}) has its sparse map at the start of its data;
 * Commons Compress's TarFile reads it and then moves the entry's data 512 bytes on, so it reads the
 * next header 512 bytes past where TarHeaderGuard looks. A zero block at the guard's place ends its
 * walk quietly; Commons Compress reads the headers after it unchecked: a 150 MiB long name
 * (OutOfMemoryError) or 5,000 PAX headers (StackOverflowError), a stack trace in verify and in
 * bundle --from-docker-archive, as before the guard.
 */
class TarSparseDesyncIT {
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();

    @TempDir
    Path tmp;

    @Test
    void verify_aHugeLongNameHiddenBehindAPax1SparseEntry_isOneLineExit3_notOutOfMemory() throws Exception {
        Path[] key = Fixture.keygen(tmp, "exporter");
        Path tail = HandMadeArchive.write(tmp.resolve("a.tar"), "example.org/app:1", 7, 4096);
        Path evil = write(tmp.resolve("evil.airlock.tar"), tail, o -> longName(o, 150 << 20));
        Tools.Result v = run("airlock-import", List.of("verify", evil.toString(), "--trust", key[1].toString(), "-q"));
        assertFalse(v.stderr().contains("Error"), v.stderr().lines().limit(3).toList().toString());
        assertEquals(3, v.exitCode(), v.stderr());
    }

    @Test
    void bundle_fiveThousandPaxHeadersHiddenBehindAPax1SparseEntry_isOneLineExit3_notAStackOverflow() throws Exception {
        Path[] key = Fixture.keygen(tmp, "exporter");
        Path tail = HandMadeArchive.write(tmp.resolve("a.tar"), "example.org/app:1", 7, 4096);
        Path evil = write(tmp.resolve("evil.tar"), tail, o -> {
            for (int i = 0; i < 5_000; i++) {
                entry(o, "PaxHeaders/x", 'x', "20 comment=aaaaaaaa\n".getBytes(StandardCharsets.US_ASCII));
            }
        });
        Tools.Result b = run("airlock-export", List.of("bundle", "--channel", "x", "--key", key[0].toString(), "--out",
                tmp.resolve("out").toString(), "--state", tmp.resolve("st").toString(), "--from-docker-archive", evil.toString(), "-q"));
        assertFalse(b.stderr().contains("Error"), b.stderr().lines().limit(3).toList().toString());
        assertEquals(3, b.exitCode(), b.stderr());
    }

    /**
     * A second desync: a PAX body that starts with a blank line. Commons Compress skips the blank
     * line and applies the {@code size} record after it; TarHeaderGuard's PaxRecords.size gives up
     * (-1) and keeps the header's size 0, so it meets a zero block where Commons Compress skips data.
     */
    @Test
    void verify_fiveThousandPaxHeadersHiddenBehindAPaxSizeAfterABlankLine_isOneLineExit3_notAStackOverflow() throws Exception {
        Path[] key = Fixture.keygen(tmp, "exporter");
        Path tail = HandMadeArchive.write(tmp.resolve("a.tar"), "example.org/app:1", 7, 4096);
        Path evil = tmp.resolve("evil.airlock.tar");
        try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(evil), 1 << 20)) {
            entry(o, "PaxHeaders/x", 'x', "\n13 size=1024\n".getBytes(StandardCharsets.US_ASCII));
            o.write(header("x/blob", '0', 0));
            o.write(new byte[1024]);
            for (int i = 0; i < 5_000; i++) {
                entry(o, "PaxHeaders/x", 'x', "20 comment=aaaaaaaa\n".getBytes(StandardCharsets.US_ASCII));
            }
            Files.copy(tail, o);
        }
        Tools.Result v = run("airlock-import", List.of("verify", evil.toString(), "--trust", key[1].toString(), "-q"));
        assertFalse(v.stderr().contains("Error"), v.stderr().lines().limit(3).toList().toString());
        assertEquals(3, v.exitCode(), v.stderr());
    }

    interface Hidden {
        void write(OutputStream o) throws IOException;
    }

    /** The PAX 1.0 sparse entry, the zero block where the guard stops, what Commons Compress reads next, then tail's bytes. */
    private static Path write(Path out, Path tail, Hidden hidden) throws IOException {
        byte[] map = "1\n0\n0\n".getBytes(StandardCharsets.US_ASCII);
        String pax = rec("GNU.sparse.major=1") + rec("GNU.sparse.minor=0") + rec("GNU.sparse.name=x/blob")
                + rec("GNU.sparse.realsize=" + map.length);
        try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(out), 1 << 20)) {
            entry(o, "PaxHeaders/x", 'x', pax.getBytes(StandardCharsets.US_ASCII));
            entry(o, "GNUSparseFile.0/blob", '0', map);
            o.write(new byte[512]);
            hidden.write(o);
            Files.copy(tail, o);
        }
        return out;
    }

    private static void longName(OutputStream o, int size) throws IOException {
        o.write(header("././@LongLink", 'L', size));
        byte[] chunk = new byte[1 << 20];
        java.util.Arrays.fill(chunk, (byte) 'a');
        for (int left = size; left > 0; left -= chunk.length) {
            o.write(chunk, 0, Math.min(left, chunk.length));
        }
        o.write(new byte[(512 - size % 512) % 512]);
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
