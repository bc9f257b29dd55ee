package dev.airlock.imports.serve;

import dev.airlock.cli.Units;
import java.io.IOException;
import java.nio.file.FileStore;

/**
 * The limits every write is checked against: no file may grow past {@code maxUploadSize}, and no
 * write may leave less than {@code minFree} bytes usable in the inbox's file system (asked of the
 * file system at each write, so other writers on it count too).
 *
 * <p>A write is judged by where it lands, not by its length: the client chooses the offset, and
 * a few bytes written 1 TiB into a file make a file of 1 TiB. Such a file is sparse only until
 * someone copies, backs up or imports it, and it holds whatever the holes read as; so the holes
 * count as if written, against both limits.
 */
final class Quota {
    private final FileStore store;
    private final long maxUploadSize;
    private final long minFree;

    Quota(FileStore store, long maxUploadSize, long minFree) {
        this.store = store;
        this.maxUploadSize = maxUploadSize;
        this.minFree = minFree;
    }

    /**
     * Why a write of {@code length} bytes at {@code offset} into a file now {@code size} bytes long
     * is refused, or null when it may go ahead. The file would end at {@code offset + length}; it
     * grows by what lies beyond {@code size}.
     */
    String check(long offset, int length, long size) {
        if (offset < 0 || length < 0 || offset > Long.MAX_VALUE - length) {
            return "a write at offset " + Long.toUnsignedString(offset) + " is beyond any file this inbox takes";
        }
        long end = offset + length;
        if (maxUploadSize > 0 && end > maxUploadSize) {
            return "larger than this inbox takes per file (--max-upload-size " + maxUploadSize + " bytes, " + Units.bytes(maxUploadSize)
                    + "; this write would end at byte " + end + ")";
        }
        long growth = Math.max(0, end - size);
        long usable;
        try {
            usable = store.getUsableSpace();
        } catch (IOException e) {
            return "cannot read the free space of the inbox's file system: " + e.getMessage();
        }
        if (usable - growth < minFree) {
            return "the inbox's file system would keep less than --min-free " + Units.bytes(minFree) + " free ("
                    + Units.bytes(usable) + " usable; this write would make the file " + Units.bytes(end) + ")";
        }
        return null;
    }
}
