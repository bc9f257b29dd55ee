package dev.airlock.export;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.bundle.BundleManifest;
import dev.airlock.copy.CopyPlan;
import dev.airlock.copy.Repo;
import dev.airlock.testing.AttachedImages;
import dev.airlock.testing.AttachedImages.Made;
import dev.airlock.copy.BlobReader;
import dev.airlock.copy.ImageSource;
import dev.airlock.digest.Digest;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.RawManifest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The approver's report on attachments: a delta whose only news is a signature on an unchanged
 * image must read as a change, and each attachment is listed with how it was found. Hand-made
 * bundle.json values; no registry.
 */
class ApproverReportAttachedTest {
    static final String SLSA = "https://slsa.dev/provenance/v1";

    final Made app = AttachedImages.image("app");
    final Made db = AttachedImages.image("db");
    final Made web = AttachedImages.image("web");
    final Made oldSig = AttachedImages.signature(app.digest(), "k1");
    final Made newSig = AttachedImages.signature(app.digest(), "k2");
    final Made dbSig = AttachedImages.signature(db.digest(), "k1");
    final Made dbAtt = AttachedImages.attestation(db.digest(), SLSA);

    private String report(List<BundleManifest.Image> images, List<Made> fresh, List<Made> old, List<ExportPlan.ImageStatus> statuses) {
        BundleManifest m = AttachedImages.delta("daily", 2, images, fresh, old);
        List<Made> tops = List.of(app, db, web);
        List<CopyPlan.Image> copies = images.stream().map(i -> {
            Made top = tops.stream().filter(t -> t.digest().toString().equals(i.digest())).findFirst().orElseThrow();
            Repo repo = new Repo(i.registry(), i.repository());
            return new CopyPlan.Image(repo, repo, top.tree(), i.tag());
        }).toList();
        Map<Digest, byte[]> blobs = new HashMap<>();
        fresh.forEach(x -> x.blobs().forEach(b -> blobs.put(b.digest(), b.bytes())));
        // The exporter's source, for the carried configs the report reads platforms from.
        ImageSource source = new ImageSource() {
            @Override
            public RawManifest manifest(Repo repo, String reference) {
                throw new AssertionError("the report reads no manifest: " + reference);
            }

            @Override
            public BlobReader blob(Repo repo, Descriptor d) {
                byte[] b = blobs.get(d.digest());
                assertTrue(b != null, "the report reads only carried blobs: " + d.digest());
                return sink -> sink.write(ByteBuffer.wrap(b), 0);
            }
        };
        return new String(ApproverReport.markdown("daily-000002.airlock.tar", m, List.of("F".repeat(40)), copies, source, statuses),
                StandardCharsets.UTF_8);
    }

    @Test
    void report_unchangedImageWithANewSignature_readsAsAChange_notAsNothingChanged() {
        BundleManifest.Attachment a1 = AttachedImages.tagged(app, oldSig, "sig", "signature", "cosign");
        BundleManifest.Attachment a2 = AttachedImages.referrer(app, newSig, "application/vnd.dev.cosign.artifact.sig.v1+json", "signature",
                "cosign");
        List<BundleManifest.Image> images = List.of(AttachedImages.entry("app", "1", app, List.of(a1, a2)),
                AttachedImages.entry("web", "3", web, List.of()));
        String a = app.digest().toString();
        String w = web.digest().toString();
        String md = report(images, List.of(newSig), List.of(app, web, oldSig), List.of(
                new ExportPlan.ImageStatus("registry.test/app:1", "unchanged", a, a, "signatures 2", 1),
                new ExportPlan.ImageStatus("registry.test/web:3", "unchanged", w, w, null, 0)));

        assertFalse(md.contains("No image changed."), md);
        assertTrue(md.contains("## Changes since bundle 1\n\n| image | change | before | after |\n|---|---|---|---|\n"
                + "| `registry.test/app:1` | unchanged image, 1 new signature | `" + a + "` | `" + a + "` |\n"), md);
        assertTrue(md.contains("\n1 image unchanged.\n"), "web alone is unchanged:\n" + md);
        assertTrue(md.contains("| `registry.test/app:1` | unknown (config in an earlier bundle) | `" + a
                + "` | 62 B in 2 blobs | 0 blobs, 0 B | 2 blobs, 62 B | signatures 2 |\n"), md);
        assertTrue(md.contains("| `registry.test/web:3` | unknown (config in an earlier bundle) | `" + w + "` |"), md);
        assertTrue(md.contains("\n## Attachments (2)\n"), md);
        assertTrue(md.contains("| `registry.test/app:1` | signature | cosign | tag `" + a.replace(':', '-') + ".sig` | `" + oldSig.digest()
                + "` |\n"), md);
        assertTrue(md.contains("| `registry.test/app:1` | signature | cosign | referrer of `" + a.substring(0, 19) + "` | `"
                + newSig.digest() + "` |\n"), md);
    }

    @Test
    void report_changedAndAddedImages_sayWhatOfTheirAttachmentsIsNew_andImagesWithNewOnesAreListedFirst() {
        BundleManifest.Attachment s = AttachedImages.tagged(db, dbSig, "sig", "signature", "cosign");
        BundleManifest.Attachment t = AttachedImages.tagged(db, dbAtt, "att", "attestation", SLSA);
        BundleManifest.Attachment old = AttachedImages.tagged(app, oldSig, "sig", "signature", "cosign");
        List<BundleManifest.Image> images = List.of(AttachedImages.entry("app", "1", app, List.of(old)),
                AttachedImages.entry("db", "2", db, List.of(s, t)));
        String a = app.digest().toString();
        String d = db.digest().toString();
        String md = report(images, List.of(db, dbSig, dbAtt), List.of(app, oldSig), List.of(
                new ExportPlan.ImageStatus("registry.test/app:1", "unchanged", a, a, "signature 1", 0),
                new ExportPlan.ImageStatus("registry.test/db:2", "new", d, null, "signature 1, attestation 1 (" + SLSA + ")", 2)));

        assertTrue(md.contains("| `registry.test/db:2` | added, 1 new signature, 1 new attestation (" + SLSA + ") | — | `" + d + "` |\n"), md);
        assertTrue(md.contains("\n1 image unchanged.\n"), md);
        String section = md.substring(md.indexOf("## Attachments (3)"));
        assertTrue(section.indexOf("`registry.test/db:2`") < section.indexOf("`registry.test/app:1`"),
                "db's attachments are new on the channel, so they come first:\n" + section);
    }

    @Test
    void report_whenTheExporterKnowsWhichAttachmentsAreNew_namesTheirKinds_andMarksTheirRows() {
        Made sbom = AttachedImages.sbom(app, "app");
        BundleManifest.Attachment a1 = AttachedImages.tagged(app, oldSig, "sig", "signature", "cosign");
        BundleManifest.Attachment a2 = AttachedImages.referrer(app, sbom, "application/spdx+json", "sbom", "spdx+json");
        BundleManifest.Attachment a3 = AttachedImages.referrer(app, newSig, "application/vnd.dev.cosign.artifact.sig.v1+json", "signature",
                "cosign");
        List<BundleManifest.Image> images = List.of(AttachedImages.entry("app", "1", app, List.of(a1, a2, a3)));
        String a = app.digest().toString();
        String known = report(images, List.of(newSig), List.of(app, oldSig, sbom), List.of(new ExportPlan.ImageStatus("registry.test/app:1",
                "unchanged", a, a, "signatures 2, SBOM 1 (spdx+json)", List.of(newSig.digest().toString()))));
        assertTrue(known.contains("| `registry.test/app:1` | unchanged image, 1 new signature | `" + a + "` | `" + a + "` |\n"), known);
        assertTrue(known.contains("| `registry.test/app:1` | **new** signature | cosign | referrer of `"), known);
        assertTrue(known.contains("| `registry.test/app:1` | signature | cosign | tag `"), "the old signature is not marked:\n" + known);

        // Only the number known (a signature and an SBOM attached, one of them new): it says so, and marks nothing.
        String counted = report(images, List.of(newSig), List.of(app, oldSig, sbom), List.of(new ExportPlan.ImageStatus(
                "registry.test/app:1", "unchanged", a, a, "signatures 2, SBOM 1 (spdx+json)", 1)));
        assertTrue(counted.contains("| `registry.test/app:1` | unchanged image, 1 new attachment | `" + a + "` | `" + a + "` |\n"), counted);
        assertTrue(!counted.contains("**new**"), counted);
    }
}
