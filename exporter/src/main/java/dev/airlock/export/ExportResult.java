package dev.airlock.export;

import dev.airlock.bundle.BundleManifest;
import dev.airlock.digest.Digest;
import java.nio.file.Path;
import java.util.List;

/** A written bundle: its file, the digest of its bundle.json, and what it holds. */
public record ExportResult(Path file, Digest digest, BundleManifest manifest, long fileSize, List<String> signers) {
}
