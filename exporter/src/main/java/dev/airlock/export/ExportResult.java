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
 * @param readBack how the written bytes were read back ("O_DIRECT"; "posix_fadvise": dropped from the page cache, then read; "page cache"), or null when not
 */
public record ExportResult(Path file, Digest digest, BundleManifest manifest, long fileSize, List<String> signers, List<Path> volumes,
        String readBack, String platformChange) {

    /** @param platformChange "platforms changed: …" when the platform set is not the channel's last bundle's, else null */
    public ExportResult(Path file, Digest digest, BundleManifest manifest, long fileSize, List<String> signers, List<Path> volumes,
            String readBack) {
        this(file, digest, manifest, fileSize, signers, volumes, readBack, null);
    }

    /**
     * Every file this bundle was written as, in the order a transport must deliver them so that the
     * far side can take the last one's arrival as "complete": the volumes, then the list's
     * signature, then the report if there is one, then the list file itself (for a single file: the
     * report, then the bundle).
     */
    public List<Path> files() {
        List<Path> all = new java.util.ArrayList<>(volumes);
        if (!volumes.isEmpty()) {
            all.add(file.resolveSibling(file.getFileName() + ".asc"));
        }
        if (report() != null) {
            all.add(report());
        }
        all.add(file);
        return List.copyOf(all);
    }

    /** The approver's report next to the bundle ({@code NAME.report.md}), or null when written with --no-report. */
    public Path report() {
        return manifest.report() == null ? null : file.resolveSibling(manifest.report().name());
    }
}
