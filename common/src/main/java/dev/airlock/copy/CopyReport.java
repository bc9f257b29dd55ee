package dev.airlock.copy;

/**
 * What a copy did: blobs written and their bytes, blobs linked (mounted) from another repository,
 * blobs the sink already had, manifests written, tags moved.
 */
public record CopyReport(int blobsWritten, long bytesWritten, int blobsMounted, int blobsPresent, int manifestsWritten,
        int tagsMoved) {
}
