package dev.airlock.report;

import dev.airlock.bundle.BundleManifest;

/**
 * One line on how an image's index was cut to the chosen platforms, worded the same in the plan,
 * the bundle's output, the approver's report, {@code list} and the import output.
 */
public final class PlatformSummary {
    private PlatformSummary() {
    }

    /** The line for an image, or null when it was carried whole. */
    public static String of(BundleManifest.Image image) {
        return of(image.digest(), image.platforms());
    }

    /** The line for an image of top-level digest {@code digest} cut as {@code p}, or null when {@code p} is null. */
    public static String of(String digest, BundleManifest.Platforms p) {
        if (p == null) {
            return null;
        }
        String count = p.kept().size() + " of " + p.available().size() + (p.available().size() == 1 ? " platform" : " platforms")
                + " (" + String.join(", ", p.kept()) + ")";
        if (BundleManifest.Platforms.SPARSE.equals(p.index())) {
            return "index sparse: " + p.sourceIndex() + " unchanged, " + count + " carried; its other "
                    + p.leftOut().size() + " child manifest(s) are left out (the target registry must accept that)";
        }
        return "index rewritten: " + p.sourceIndex() + " → " + digest + ", " + count;
    }
}
