package dev.airlock.export;

import dev.airlock.bundle.BundleManifest;
import dev.airlock.copy.CopyPlan;
import dev.airlock.copy.ImageSource;
import dev.airlock.digest.DigestMismatchException;
import dev.airlock.error.AirlockException;
import dev.airlock.report.BundleContents;
import dev.airlock.report.ContentsFormat;
import dev.airlock.report.ReportFile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The exporter's {@code NAME.report.md}: what {@code airlock-import list --markdown} prints for the
 * bundle (but its digest, which depends on this report's own), what changed since the parent
 * bundle when the ledger knows it — attachments new on the channel included, so that a new
 * signature on an unchanged image reads as a change — and how to check the report by hand.
 */
final class ApproverReport {
    private ApproverReport() {
    }

    /**
     * @param copies   every image's tree and where it is read, in the order of {@code manifest.images()}
     * @param statuses each image's status against the parent chain, or null when the ledger knows no earlier images
     */
    static byte[] markdown(String bundleFileName, BundleManifest manifest, List<String> signers, List<CopyPlan.Image> copies,
            ImageSource source, List<ExportPlan.ImageStatus> statuses) {
        return markdown(bundleFileName, manifest, signers, copies, source, statuses, prefetch(copies, manifest, source));
    }

    /** As above, with the configs {@link #prefetch} already read. */
    static byte[] markdown(String bundleFileName, BundleManifest manifest, List<String> signers, List<CopyPlan.Image> copies,
            ImageSource source, List<ExportPlan.ImageStatus> statuses, Map<dev.airlock.digest.Digest, byte[]> prefetched) {
        Map<String, CopyPlan.Image> bySource = new HashMap<>();
        for (int i = 0; i < manifest.images().size(); i++) {
            bySource.put(manifest.images().get(i).source(), copies.get(i));
        }
        Map<dev.airlock.digest.Digest, CopyPlan.Image> configRepo = new HashMap<>();
        copies.forEach(c -> c.tree().blobs().keySet().forEach(d -> configRepo.putIfAbsent(d, c)));
        List<BundleContents.Change> changes = null;
        if (statuses != null) {
            changes = new ArrayList<>();
            for (ExportPlan.ImageStatus s : statuses) {
                String change = s.status().equals("new") ? "added" : s.status();
                changes.add(new BundleContents.Change(s.source(), change, s.previousDigest(), s.digest(), s.newAttached(),
                        s.newAttachedDigests() == null ? null : new java.util.HashSet<>(s.newAttachedDigests())));
            }
        }
        BundleContents contents = BundleContents.of(manifest, signers, image -> bySource.get(image.source()).tree(),
                config -> prefetched.containsKey(config.digest()) ? prefetched.get(config.digest())
                        : read(source, configRepo.get(config.digest()), config), changes);
        String body = ContentsFormat.markdown(new ContentsFormat.Listing(bundleFileName, null, null, contents));
        String reportName = ReportFile.nameFor(bundleFileName);
        String how = """

                ---

                This report was written by the exporter before it signed the bundle. The sha256 of this file is recorded in the \
                bundle's `airlock/bundle.json` (`"report": {"name": "%s", "sha256": "…"}`), which the bundle's signature covers; \
                the bundle's own digest is not shown here because bundle.json holds this report's digest.

                To check it without airlock: extract `airlock/bundle.json` and `airlock/bundle.json.asc` from the bundle \
                (`tar -xf %s airlock/`), run `gpg --verify airlock/bundle.json.asc airlock/bundle.json` against the sender's \
                certificate, then compare `sha256sum %s` with the `sha256` under `report` in that bundle.json. \
                With airlock: `airlock-import list %s --trust CERT.asc` prints `report: %s (matches)`.
                """.formatted(reportName, bundleFileName, reportName, bundleFileName, reportName);
        return (body + how).getBytes(StandardCharsets.UTF_8);
    }

    /** Configs the report reads: a small request each, so several at once (a catalog of a thousand would wait on them in turn). */
    private static final int PREFETCH = 8;
    /** Larger configs are left to be read one by one (the report reads at most this much of one anyway). */
    private static final long PREFETCH_MAX = 1 << 20;
    /** At most this much is prefetched (and then held for the copy): the rest is read when the report asks for it. */
    private static final long PREFETCH_BUDGET = 32L << 20;

    /**
     * The config of every single-platform image the bundle carries, read several at once: the
     * report names each one's platform from it. An index names its children's platforms itself;
     * anything not read here is read when the report asks for it. The caller keeps what was read
     * for the copy ({@link dev.airlock.copy.HeldBlobs}): each config is fetched once per run.
     */
    static Map<dev.airlock.digest.Digest, byte[]> prefetch(List<CopyPlan.Image> copies, BundleManifest manifest,
            ImageSource source) {
        java.util.Set<String> carried = new java.util.HashSet<>();
        manifest.blobs().forEach(b -> carried.add(b.digest()));
        Map<dev.airlock.digest.Digest, byte[]> out = new java.util.concurrent.ConcurrentHashMap<>();
        List<Runnable> tasks = new ArrayList<>();
        long budget = PREFETCH_BUDGET;
        for (CopyPlan.Image c : copies) {
            if (c.tree().top().isIndex()) {
                continue;
            }
            dev.airlock.oci.Descriptor config = c.tree().top().blobs().get(0);
            if (carried.contains(config.digest().toString()) && config.size() <= PREFETCH_MAX && config.size() <= budget) {
                budget -= config.size();
                tasks.add(() -> out.put(config.digest(), read(source, c, config)));
            }
        }
        dev.airlock.copy.TransferRunner.run(tasks, PREFETCH, "airlock-report");
        return out;
    }

    /** A carried config's bytes from the source, checked against its digest by the source's reader. */
    private static byte[] read(ImageSource source, CopyPlan.Image image, dev.airlock.oci.Descriptor config) {
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) config.size());
        try {
            source.blob(image.source(), config).writeTo((buf, offset) -> {
                byte[] b = new byte[buf.remaining()];
                buf.get(b);
                out.write(b, 0, b.length);
            });
        } catch (IOException e) {
            DigestMismatchException mismatch = DigestMismatchException.in(e);
            if (mismatch != null) {
                throw mismatch.toAirlock();
            }
            throw AirlockException.transientFailure("cannot read config " + config.digest() + " of " + image.source() + " for the report: "
                    + e.getMessage(), e);
        }
        return out.toByteArray();
    }
}
