package dev.airlock.imports.serve;

import dev.airlock.cli.Units;
import java.io.IOException;
import java.nio.file.FileStore;

/**
 * The limits every write is checked against: no file may grow past {@code maxUploadSize}, and no
 * write may leave less than {@code minFree} bytes usable in the inbox's file system (asked of the
 * file system at each write, so other writers on it count too).
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

    /** Why a write of {@code length} bytes at {@code offset} is refused, or null when it may go ahead. */
    String check(long offset, int length) {
        long end = offset + length;
        if (maxUploadSize > 0 && end > maxUploadSize) {
            return "larger than this inbox takes per file (--max-upload-size " + maxUploadSize + " bytes, " + Units.bytes(maxUploadSize) + ")";
        }
        long usable;
        try {
            usable = store.getUsableSpace();
        } catch (IOException e) {
            return "cannot read the free space of the inbox's file system: " + e.getMessage();
        }
        if (usable - length < minFree) {
            return "the inbox's file system would keep less than --min-free " + Units.bytes(minFree) + " free ("
                    + Units.bytes(usable) + " usable)";
        }
        return null;
    }
}
