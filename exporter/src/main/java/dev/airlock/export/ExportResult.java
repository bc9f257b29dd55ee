package dev.airlock.export;

import dev.airlock.bundle.BundleManifest;
import dev.airlock.digest.Digest;
import java.nio.file.Path;
import java.util.List;

/** A written bundle: its file, the digest of its bundle.json, and what it holds. */
public record ExportResult(Path file, Digest digest, BundleManifest manifest, long fileSize, List<String> signers) {

    /**
     * Every file this bundle was written as, in the order a transport must deliver them so that the
     * far side can take the last one's arrival as "complete" (the list file of a volume set last).
     */
    public List<Path> files() {
        return List.of(file);
    }
}
