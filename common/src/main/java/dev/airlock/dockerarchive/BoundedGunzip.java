package dev.airlock.dockerarchive;

import dev.airlock.error.AirlockException;
import dev.airlock.io.TempFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Decompresses a gzip-compressed docker archive into a {@link TempFile} in {@code $TMPDIR}
 * (random access into gzip is impossible, and the copy engine reads layers in parallel by
 * position), within two bounds, so that an archive that expands without limit (a "gzip bomb", or
 * a mistake) is refused before it fills the disk:
 * <ul>
 * <li><b>free space</b>: the decompressed bytes may not exceed what the temporary directory had
 *     free at the start, less a margin ({@link #margin}); refused up front when gzip's own size
 *     field (ISIZE, the last member's size mod 2^32, so a lower bound only: it says nothing
 *     trustworthy past 4 GiB) already does not fit. Kind {@code LOCAL}, exit 1.</li>
 * <li><b>ratio</b>: at most {@link #RATIO} times the compressed size, and never less than
 *     {@link #FLOOR} (real docker archives compress 2 to 10 times; gzip's own limit is about 1032).
 *     Kind {@code USAGE}, exit 2: the way past it is to decompress the archive by hand.</li>
 * </ul>
 * No archive names its decompressed size before its end (docker save writes manifest.json last),
 * so these bounds are checked while the bytes stream.
 */
final class BoundedGunzip {
    /** Decompressed bytes per compressed byte allowed. */
    static final long RATIO = 100;
    /** Allowed whatever the ratio: a small archive may hold a layer of zeros. */
    static final long FLOOR = 256L << 20;
    private static final int BUFFER = 1 << 16;
    /** The longest name or comment accepted in a gzip header (real ones are a file name, or none). */
    static final int MAX_HEADER_FIELD = 64 << 10;

    private BoundedGunzip() {
    }

    /** The temporary file holding {@code file}'s content; the caller closes it (which deletes it). */
    static TempFile toTempFile(Path file) {
        long compressed;
        long isize;
        try {
            compressed = Files.size(file);
            isize = isize(file);
        } catch (IOException e) {
            throw AirlockException.local("cannot read docker archive " + file + ": " + e.getMessage(), e);
        }
        Path dir = TempFile.dir();
        if (!Files.isDirectory(dir)) {
            throw AirlockException.usage("the temporary directory " + dir + " ($TMPDIR) does not exist or is not a directory;"
                    + " it is needed to decompress docker archive " + file + ": create it, or set TMPDIR to one that exists");
        }
        long free = usableSpace(dir);
        long room = free - margin(free);
        if (isize > room) {
            throw noRoom(file, dir, free, isize, "at least " + isize + " bytes, by its gzip size field");
        }
        long ratioBound = bound(compressed);
        TempFile temp;
        try {
            temp = TempFile.create("airlock-docker-archive-", ".tar");
        } catch (java.nio.file.AccessDeniedException e) {
            throw dev.airlock.io.OutputFiles.denied(dir, e); // issue 17 M1: "DIR: permission denied (… needs write access to DIR)"
        } catch (IOException e) {
            throw AirlockException.local("cannot create a temporary file in " + dir + " ($TMPDIR) to decompress docker archive " + file
                    + ": " + e.getMessage(), e);
        }
        try {
            copy(file, temp.path(), Math.min(room, ratioBound), ratioBound <= room, dir, free);
            return temp;
        } catch (RuntimeException e) {
            temp.close();
            throw e;
        }
    }

    private static void copy(Path file, Path temp, long bound, boolean ratioFirst, Path dir, long free) {
        long n = 0;
        try (InputStream raw = new java.io.BufferedInputStream(Files.newInputStream(file), BUFFER);
                InputStream in = gunzip(raw, file);
                FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE);
                OutputStream out = Channels.newOutputStream(ch)) {
            byte[] buf = new byte[BUFFER];
            int r;
            while ((r = read(in, buf, file)) >= 0) {
                n += r;
                if (n > bound) {
                    throw ratioFirst ? tooLarge(file, bound) : noRoom(file, dir, free, n, "more than " + bound + " bytes");
                }
                out.write(buf, 0, r);
            }
        } catch (java.util.zip.ZipException | java.io.EOFException e) {
            throw AirlockException.digestMismatch("docker archive " + file + " is damaged gzip: " + e.getMessage());
        } catch (IOException e) {
            throw AirlockException.local("cannot decompress docker archive " + file + " into " + temp + " ($TMPDIR): " + e.getMessage(), e);
        }
    }

    /** The most that {@code compressed} gzip bytes may expand to: {@link #RATIO} times as much, at least {@link #FLOOR}. */
    static long bound(long compressed) {
        return compressed > (Long.MAX_VALUE - 1) / RATIO ? Long.MAX_VALUE - 1 : Math.max(FLOOR, RATIO * compressed);
    }

    /**
     * A gzip layer inside a docker archive that expands past {@link #bound}: kind {@code USAGE},
     * exit 2, as for the archive itself: a bound was reached, not a signature or digest checked.
     */
    static AirlockException layerTooLarge(String what, long bound) {
        return AirlockException.usage(what + " decompresses to more than " + bound + " bytes, over the bound of " + RATIO
                + " times its compressed size (at least " + FLOOR + " bytes) for a gzip layer (a gzip bomb?); if it is genuine,"
                + " save the image with uncompressed layers (docker save writes them so) and give that archive (nothing was written)");
    }

    /**
     * Commons Compress's gzip reader, reading concatenated members as gzip does, and (unlike
     * {@code GZIPInputStream}, which stops silently) refusing bytes after the last member that are
     * not another member: trailing garbage is damage, not to be ignored (issue 17, L5).
     */
    private static InputStream gunzip(InputStream raw, Path file) {
        try {
            return new GzipCompressorInputStream(new HeaderFieldBound(raw), true);
        } catch (IOException e) {
            throw damaged(file, e);
        }
    }

    /** A read of the gzip stream: a failure is damaged gzip (exit 3) unless the medium failed (exit 1). */
    private static int read(InputStream in, byte[] buf, Path file) {
        try {
            return in.read(buf);
        } catch (IOException e) {
            throw damaged(file, e);
        }
    }

    /**
     * Commons Compress's gzip reader reads each member's header a byte at a time, and keeps its name
     * and comment, up to their NUL, in memory with no bound (a 300 MiB name is OutOfMemoryError,
     * red-team pass G); it reads deflated data in blocks. So a run of more than
     * {@link #MAX_HEADER_FIELD} single-byte reads is a header field no writer makes: refused.
     * Contract: mark and reset pass through (the reader needs them between members).
     */
    private static final class HeaderFieldBound extends java.io.FilterInputStream {
        private int run;

        HeaderFieldBound(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            if (++run > MAX_HEADER_FIELD + 64) { // the fixed fields of a trailer and the next header are 20 bytes
                throw new IOException("a name or comment in its gzip header is over " + MAX_HEADER_FIELD + " bytes (a real one is a file name)");
            }
            return super.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            run = 0;
            return super.read(b, off, len);
        }
    }

    private static AirlockException damaged(Path file, IOException e) {
        if (String.valueOf(e.getMessage()).contains("Input/output error")) {
            return AirlockException.local("cannot read docker archive " + file + ": " + e.getMessage(), e);
        }
        return AirlockException.digestMismatch("docker archive " + file + " is damaged gzip: " + e.getMessage());
    }

    /** Free space kept: a tenth of what is free, at most 256 MiB — for the bundle, logs, others. */
    static long margin(long free) {
        return Math.min(256L << 20, free / 10);
    }

    private static AirlockException tooLarge(Path file, long bound) {
        return AirlockException.usage("docker archive " + file + " decompresses to more than " + bound + " bytes, over the bound of "
                + RATIO + " times its compressed size (at least " + FLOOR + " bytes) for decompressing into $TMPDIR (a gzip bomb?);"
                + " if it is genuine, decompress it yourself (gunzip -k " + file + ") and give the .tar (nothing was written)");
    }

    private static AirlockException noRoom(Path file, Path dir, long free, long needed, String what) {
        return AirlockException.local("docker archive " + file + " decompresses to " + what + ", but the temporary directory " + dir
                + " ($TMPDIR) has " + free + " bytes free (" + margin(free) + " kept free); set TMPDIR to a file system with room,"
                + " or decompress it yourself (gunzip -k) and give the .tar (nothing was written)", null);
    }

    private static long usableSpace(Path dir) {
        try {
            return Files.getFileStore(dir).getUsableSpace();
        } catch (IOException e) {
            throw AirlockException.local("cannot use the temporary directory " + dir + " ($TMPDIR): " + e.getMessage(), e);
        }
    }

    /** gzip's ISIZE: the last 4 bytes, little-endian; the last member's size mod 2^32, so a lower bound of the total. */
    private static long isize(Path file) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            if (f.length() < 18) {
                return 0; // too short for a gzip member: the decompression says what is wrong
            }
            f.seek(f.length() - 4);
            byte[] b = new byte[4];
            f.readFully(b);
            return (b[0] & 0xffL) | (b[1] & 0xffL) << 8 | (b[2] & 0xffL) << 16 | (b[3] & 0xffL) << 24;
        }
    }
}
