package dev.airlock.imports;

import dev.airlock.bundle.BundleManifest;
import dev.airlock.digest.Digest;
import java.util.List;

/** What an import did. {@code landed} lists each image's target name and digest; empty when {@code alreadyApplied}. */
public record ImportResult(BundleManifest manifest, Digest bundleDigest, List<String> signers, List<Landed> landed,
        int blobsPushed, int blobsMounted, int blobsPresent, long bytesPushed, int tagsWritten, boolean alreadyApplied) {

    /**
     * One image in place: {@code target} is HOST/REPO, {@code tag} may be null; {@code attached}
     * says what was pushed with it (signatures, SBOMs, …), or is null when nothing was.
     */
    public record Landed(String source, String target, String tag, String digest, String attached) {
        public Landed(String source, String target, String tag, String digest) {
            this(source, target, tag, digest, null);
        }
    }
}
