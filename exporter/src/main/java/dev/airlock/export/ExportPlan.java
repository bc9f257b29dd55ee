package dev.airlock.export;

import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import dev.airlock.bundle.BundleManifest;
import java.nio.file.Path;
import java.util.List;

/**
 * What a bundle would be, computed without writing anything: each image's status, what is
 * carried and what is left to earlier bundles, and the exact size of the resulting file when
 * signed by {@code signers} keys.
 *
 * @param target the bundle's path under the output directory, or its bare file name when none was given
 */
public record ExportPlan(String channel, long sequence, BundleManifest.Parent parent,
        @JsonSerialize(using = ToStringSerializer.class) Path target, List<ImageStatus> images,
        int carriedBlobs, long carriedBytes, int requiredBlobs, long savedBytes, long bundleSize, int signers,
        List<String> platformNotes) {

    /** @param platformNotes how indexes were cut to the chosen platforms, and a change of the channel's platform set (empty: none) */
    public ExportPlan {
        platformNotes = platformNotes == null ? List.of() : List.copyOf(platformNotes);
    }

    public ExportPlan(String channel, long sequence, BundleManifest.Parent parent, Path target, List<ImageStatus> images,
            int carriedBlobs, long carriedBytes, int requiredBlobs, long savedBytes, long bundleSize, int signers) {
        this(channel, sequence, parent, target, images, carriedBlobs, carriedBytes, requiredBlobs, savedBytes, bundleSize, signers, List.of());
    }

    /**
     * new, changed, unchanged, or removed (named by the parent chain, not by this bundle).
     *
     * @param attached what hangs off the image ({@link dev.airlock.report.AttachedSummary}), null when nothing
     * @param newAttached how many of those the chain has not carried yet: a change even for an unchanged image
     * @param newAttachedDigests the manifest digests of those, so the approver's report can say which they are;
     *     null where only their number is known
     */
    public record ImageStatus(String source, String status, String digest, String previousDigest,
            @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL) String attached,
            int newAttached, @com.fasterxml.jackson.annotation.JsonIgnore List<String> newAttachedDigests) {
        public ImageStatus {
            newAttachedDigests = newAttachedDigests == null ? null : List.copyOf(newAttachedDigests);
        }

        public ImageStatus(String source, String status, String digest, String previousDigest) {
            this(source, status, digest, previousDigest, null, 0);
        }

        /** Only the number of new attachments known. */
        public ImageStatus(String source, String status, String digest, String previousDigest, String attached, int newAttached) {
            this(source, status, digest, previousDigest, attached, newAttached, null);
        }

        /** The new attachments known by digest. */
        public ImageStatus(String source, String status, String digest, String previousDigest, String attached,
                List<String> newAttachedDigests) {
            this(source, status, digest, previousDigest, attached, newAttachedDigests.size(), newAttachedDigests);
        }
    }
}
