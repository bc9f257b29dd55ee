package dev.airlock.testing;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Hand-made 512-byte POSIX tar headers, for archives no tar program would write (a 1 GiB long name). */
public final class TarHeaders {
    private TarHeaders() {
    }

    /** A ustar header for {@code name} of {@code size} bytes and type {@code type} ('0', 'L', 'x', …), with its checksum. */
    public static byte[] header(String name, long size, char type) {
        byte[] h = new byte[512];
        put(h, 0, name);
        put(h, 100, "0000644\0");
        put(h, 108, "0000000\0");
        put(h, 116, "0000000\0");
        put(h, 124, String.format("%011o\0", size));
        put(h, 136, "00000000000\0");
        h[156] = (byte) type;
        put(h, 257, "ustar\0");
        put(h, 263, "00");
        Arrays.fill(h, 148, 156, (byte) ' ');
        int sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        put(h, 148, String.format("%06o\0 ", sum));
        return h;
    }

    private static void put(byte[] h, int at, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, h, at, b.length);
    }
}
