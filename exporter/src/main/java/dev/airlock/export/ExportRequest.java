package dev.airlock.export;

import java.nio.file.Path;
import java.util.List;

/**
 * What to export: image references, the channel, the signing keys and where the bundle goes.
 *
 * @param keyFiles one or more secret keys; each signs bundle.json (for m-of-n trust policies)
 * @param passphrase the signing keys' passphrase, or null for unprotected keys
 * @param stateDir the exporter's ledger directory
 * @param full write a complete bundle that starts a new baseline
 * @param since write a catch-up delta against this older sequence, or null
 * @param media how the bundle goes onto {@code outDir}: one file or volumes, read back or not
 */
public record ExportRequest(List<String> images, String channel, List<Path> keyFiles, char[] passphrase, Path outDir,
        Path stateDir, boolean full, Long since, Media media) {

    /**
     * @param maxVolumeSize bytes per volume, or 0 for one file
     * @param verifyAfterWrite read every written byte back from the medium before the rename
     */
    public record Media(long maxVolumeSize, boolean verifyAfterWrite) {
        public static final Media DEFAULT = new Media(0, true);
    }

    public ExportRequest(List<String> images, String channel, List<Path> keyFiles, char[] passphrase, Path outDir, Path stateDir,
            boolean full, Long since) {
        this(images, channel, keyFiles, passphrase, outDir, stateDir, full, since, Media.DEFAULT);
    }

    /** The same request for other images (a preset's, less those the source lacks). */
    public ExportRequest withImages(List<String> other) {
        return new ExportRequest(List.copyOf(other), channel, keyFiles, passphrase, outDir, stateDir, full, since, media);
    }

    public ExportRequest(List<String> images, String channel, List<Path> keyFiles, char[] passphrase, Path outDir, Path stateDir) {
        this(images, channel, keyFiles, passphrase, outDir, stateDir, false, null);
    }
}
