package dev.airlock.dockerarchive;

import dev.airlock.error.AirlockException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/**
 * How a layer's bytes are compressed, told by their first bytes (never by a media type, which
 * archives and some registries get wrong). Docker archives hold uncompressed tars; registries
 * mostly gzip. zstd is recognised only to be refused: no decoder ships with airlock.
 */
enum Compression {
    NONE, GZIP, ZSTD;

    static Compression sniff(byte[] head, int n) {
        if (n >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
            return GZIP;
        }
        if (n >= 4 && (head[0] & 0xff) == 0x28 && (head[1] & 0xff) == 0xb5 && (head[2] & 0xff) == 0x2f && (head[3] & 0xff) == 0xfd) {
            return ZSTD;
        }
        return NONE;
    }

    /** Peeks at the start of {@code in} (which must support mark, e.g. a BufferedInputStream). */
    static Compression sniff(BufferedInputStream in) throws IOException {
        in.mark(8);
        byte[] head = new byte[4];
        int n = in.readNBytes(head, 0, 4);
        in.reset();
        return sniff(head, n);
    }

    /**
     * The uncompressed content of {@code in}; {@code what} names the layer for the zstd refusal.
     * The caller closes {@code in}.
     */
    static InputStream decompress(BufferedInputStream in, String what) throws IOException {
        return switch (sniff(in)) {
            case NONE -> in;
            case GZIP -> new GZIPInputStream(in, 1 << 16);
            case ZSTD -> throw AirlockException.usage(what + " is zstd-compressed; airlock has no zstd decoder, so it cannot turn it into"
                    + " the uncompressed tar a docker archive holds (pull a gzip variant of the image)");
        };
    }
}
