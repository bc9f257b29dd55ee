package dev.airlock.report;

import dev.airlock.digest.Digest;
import dev.airlock.bundle.BundleManifest;
import dev.airlock.error.AirlockException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The approver's report {@code NAME.report.md}: a Markdown file written next to the bundle
 * {@code NAME.tar} (or its volume list), outside the tar, whose sha256 bundle.json records — so
 * the bundle's signature covers it and {@code sha256sum} alone can check it.
 */
public final class ReportFile {
    public static final String SUFFIX = ".report.md";
    /**
     * The largest report checked. A real one is a few KiB; the file beside a bundle comes from the
     * medium, and anyone who can add a file there could make it a sparse file of terabytes that
     * costs nothing to make and hours to hash (issue 17, H3).
     */
    public static final long MAX_SIZE = 16L << 20;

    private ReportFile() {
    }

    /** The report's name for a bundle file {@code NAME.tar}: {@code NAME.report.md}. */
    public static String nameFor(String bundleFileName) {
        String base = bundleFileName.endsWith(".tar") ? bundleFileName.substring(0, bundleFileName.length() - 4) : bundleFileName;
        return base + SUFFIX;
    }

    /** What was found next to a bundle whose bundle.json names a report. */
    public enum Status {
        /** bundle.json names no report (written with --no-report, or before reports existed). */
        NONE,
        /** The file is there and its sha256 is the one bundle.json records. */
        MATCHES,
        /** bundle.json names a report that is not next to the bundle. */
        MISSING;

        /** "NAME.report.md (matches)", "… (missing)", or null for none. */
        public String describe(BundleManifest m) {
            return this == NONE ? null : m.report().name() + " (" + name().toLowerCase(java.util.Locale.ROOT) + ")";
        }
    }

    /**
     * Checks the report named by the (verified) {@code manifest} in the directory of {@code bundle}
     * (the file, volume or volume list as given). A report whose bytes differ from the signed
     * digest is refused: kind DIGEST_MISMATCH (exit 3), naming it; so is one over
     * {@link #MAX_SIZE}, by its size, before a byte of it is read.
     */
    public static Status check(BundleManifest manifest, Path bundle) {
        if (manifest.report() == null) {
            return Status.NONE;
        }
        Path dir = bundle.toAbsolutePath().getParent();
        Path file = dir.resolve(manifest.report().name());
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return Status.MISSING;
        }
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw AirlockException.malformed("the report " + file + " is not a regular file (a link or a directory); bundle.json names"
                    + " a report file of sha256 " + manifest.report().sha256());
        }
        String actual;
        try {
            long size = Files.size(file);
            if (size > MAX_SIZE) {
                throw AirlockException.digestMismatch("the report " + file + " is " + size + " bytes, over the bound of " + MAX_SIZE
                        + " for a report (real ones are a few KiB), so it cannot be the one the signed bundle.json records (sha256 "
                        + manifest.report().sha256() + "); do not trust it, and get a fresh copy from the sender");
            }
            actual = Digest.sha256OfAtMost(file, MAX_SIZE, LinkOption.NOFOLLOW_LINKS).hex(); // grown after the size check: not read to its end (X, R1)
        } catch (NoSuchFileException e) {
            return Status.MISSING;
        } catch (IOException e) {
            throw AirlockException.local("cannot read the report " + file + ": " + e.getMessage(), e);
        }
        if (!actual.equals(manifest.report().sha256())) {
            throw AirlockException.digestMismatch("the report " + file + " does not match the sha256 that the signed bundle.json records"
                    + " for it (signed " + manifest.report().sha256() + ", found " + actual + "): it was changed after the bundle"
                    + " was signed; do not trust it, and get a fresh copy from the sender");
        }
        return Status.MATCHES;
    }

    /** Hex sha256 of a file, streamed (as {@code sha256sum} prints it). */
    public static String sha256(Path file) throws IOException {
        return Digest.sha256Of(file, LinkOption.NOFOLLOW_LINKS).hex();
    }

    /** Hex sha256 of bytes. */
    public static String sha256(byte[] bytes) {
        return Digest.sha256Of(bytes).hex();
    }
}
