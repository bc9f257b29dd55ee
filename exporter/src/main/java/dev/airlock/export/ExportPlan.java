package dev.airlock.export;

import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import dev.airlock.bundle.BundleManifest;
import java.nio.file.Path;
import java.util.List;

/**
 * What a bundle would be, computed without writing anything: each image's status, what is
 * carried and what is left to earlier bundles, and the exact size of the resulting file.
 */
public record ExportPlan(String channel, long sequence, BundleManifest.Parent parent,
        @JsonSerialize(using = ToStringSerializer.class) Path target, List<ImageStatus> images,
        int carriedBlobs, long carriedBytes, int requiredBlobs, long savedBytes, long bundleSize) {

    /** new, changed, unchanged, or removed (named by the parent chain, not by this bundle). */
    public record ImageStatus(String source, String status, String digest, String previousDigest) {
    }
}
