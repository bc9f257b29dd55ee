package dev.airlock.export;

import dev.airlock.bundle.BundleManifest;
import dev.airlock.digest.Digest;
import java.nio.file.Path;
import java.util.List;

/**
 * A written bundle: its file (for volumes, the volume list), the digest of its bundle.json, and
 * what it holds.
 *
 * @param fileSize the bundle's size in bytes (all volumes together), or -1 if it moved on before it could be measured
 * @param volumes the volumes in order, empty for a single file
 * @param readBack how the written bytes were read back ("O_DIRECT", "page cache"), or null when not
 */
public record ExportResult(Path file, Digest digest, BundleManifest manifest, long fileSize, List<String> signers, List<Path> volumes,
        String readBack) {
}
