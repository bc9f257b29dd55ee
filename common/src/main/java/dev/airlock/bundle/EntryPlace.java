package dev.airlock.bundle;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;

/**
 * Where a regular file entry of a bundle lies: its name, the offset of its data and its size —
 * all that is kept of a tar header once it has been checked. Commons Compress's
 * {@code TarArchiveEntry} holds some 400 bytes more (times, owners, maps), and 200,000 of them
 * beside a 64 MiB bundle.json were OutOfMemoryError in 192 MiB (red-team pass G).
 */
record EntryPlace(String name, long dataOffset, long size) {
    static EntryPlace of(TarArchiveEntry e) {
        return new EntryPlace(e.getName(), e.getDataOffset(), e.getSize());
    }
}
