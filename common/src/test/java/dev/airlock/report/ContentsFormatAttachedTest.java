package dev.airlock.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.bundle.BundleManifest;
import dev.airlock.testing.AttachedImages;
import dev.airlock.testing.AttachedImages.Made;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What a listing shows of attachments (list as text, --markdown and --json; the approver's report
 * is the Markdown): hand-made bundle.json values, no registry.
 */
class ContentsFormatAttachedTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String SLSA = "https://slsa.dev/provenance/v1";

    final Made app = AttachedImages.image("app");
    final Made db = AttachedImages.image("db");
    final Made sig = AttachedImages.signature(app.digest(), "k1");
    final Made att = AttachedImages.attestation(app.digest(), SLSA);
    final Made sbom = AttachedImages.sbom(app, "app");
    final BundleManifest.Attachment sigEntry = AttachedImages.tagged(app, sig, "sig", "signature", "cosign");
    final BundleManifest.Attachment attEntry = AttachedImages.tagged(app, att, "att", "attestation", SLSA);
    final BundleManifest.Attachment sbomEntry = AttachedImages.referrer(app, sbom, "application/spdx+json", "sbom", "spdx+json");

    private BundleContents contents(List<BundleManifest.Image> images, List<Made> made) {
        BundleManifest m = AttachedImages.manifest("daily", 1, images, made);
        Map<String, Made> bySource = new HashMap<>();
        for (BundleManifest.Image i : images) {
            bySource.put(i.source(), made.stream().filter(x -> x.digest().toString().equals(i.digest())).findFirst().orElseThrow());
        }
        Map<dev.airlock.digest.Digest, byte[]> blobs = new HashMap<>();
        made.forEach(x -> x.blobs().forEach(b -> blobs.put(b.digest(), b.bytes())));
        return BundleContents.of(m, List.of("F".repeat(40)), i -> bySource.get(i.source()).tree(), config -> blobs.get(config.digest()),
                null);
    }

    private BundleContents appAndDb() {
        return contents(List.of(AttachedImages.entry("app", "1", app, List.of(sigEntry, attEntry, sbomEntry)),
                AttachedImages.entry("db", "2", db, List.of())), List.of(app, db, sig, att, sbom));
    }

    private static ContentsFormat.Listing listing(BundleContents c) {
        return new ContentsFormat.Listing("daily-000001.airlock.tar", "sha256:" + "0".repeat(64), null, c);
    }

    @Test
    void text_showsTheSummaryUnderEachImageWithAttachments_andNothingForOneWithout() {
        List<String> lines = ContentsFormat.text(listing(appAndDb())).lines().toList();
        int a = lines.indexOf("image       registry.test/app:1");
        int d = lines.indexOf("image       registry.test/db:2");
        assertEquals("  attached  signature 1, attestation 1 (" + SLSA + "), SBOM 1 (spdx+json)", lines.get(a + 4), String.join("\n", lines));
        assertTrue(lines.get(d + 3).startsWith("  size "), String.join("\n", lines));
        assertEquals(d + 4, lines.size(), "nothing attached to db, no line: " + lines);
    }

    @Test
    void markdown_addsAnAttachedColumn_andListsEachAttachmentWithHowItWasFound() {
        String md = ContentsFormat.markdown(listing(appAndDb()));
        assertTrue(md.contains("| image | platforms | manifest digest | size | carried here | in earlier bundles | attached |\n"
                + "|---|---|---|---|---|---|---|\n"), md);
        assertTrue(md.contains(" | signature 1, attestation 1 (" + SLSA + "), SBOM 1 (spdx+json) |\n"), md);
        assertTrue(md.contains("`registry.test/db:2` | linux/amd64 | `" + db.digest() + "` |"), md);
        assertTrue(md.lines().filter(l -> l.contains("`registry.test/db:2` | linux/amd64")).allMatch(l -> l.endsWith(" | — |")), md);
        assertTrue(md.contains("\n## Attachments (3)\n"), md);
        String hex = app.digest().toString().substring("sha256:".length());
        assertTrue(md.contains("| `registry.test/app:1` | signature | cosign | tag `sha256-" + hex + ".sig` | `" + sig.digest() + "` |\n"), md);
        assertTrue(md.contains("| `registry.test/app:1` | attestation | " + SLSA + " | tag `sha256-" + hex + ".att` | `" + att.digest()
                + "` |\n"), md);
        assertTrue(md.contains("| `registry.test/app:1` | SBOM | spdx+json | referrer of `sha256:" + hex.substring(0, 12) + "` | `"
                + sbom.digest() + "` |\n"), md);
    }

    @Test
    void markdown_withoutAttachments_hasNeitherTheColumnNorTheSection_butWithThemBoth() {
        String without = ContentsFormat.markdown(listing(contents(List.of(AttachedImages.entry("db", "2", db, List.of())), List.of(db))));
        assertTrue(without.contains("| image | platforms | manifest digest | size | carried here | in earlier bundles |\n"), without);
        assertFalse(without.contains("## Attachments"), without);
        assertTrue(ContentsFormat.markdown(listing(appAndDb())).contains("## Attachments"));
    }

    @Test
    void markdown_ofAThousandImagesEachSignedTwice_listsAtMostTheBound_andSaysWhereTheRestAre() {
        List<BundleManifest.Image> images = new ArrayList<>();
        List<Made> made = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            Made image = AttachedImages.image("i" + i);
            Made s1 = AttachedImages.signature(image.digest(), "k1");
            Made s2 = AttachedImages.sbom(image, "i" + i);
            made.addAll(List.of(image, s1, s2));
            images.add(AttachedImages.entry("app/i" + i, "1", image, List.of(AttachedImages.tagged(image, s1, "sig", "signature", "cosign"),
                    AttachedImages.referrer(image, s2, "application/spdx+json", "sbom", "spdx+json"))));
        }
        String md = ContentsFormat.markdown(listing(contents(images, made)));
        String section = md.substring(md.indexOf("## Attachments (2000)"));
        assertEquals(1000, section.lines().filter(l -> l.startsWith("| `registry.test/app/i")).count());
        assertTrue(section.contains("\n1000 more attachments of 500 images not listed here (at most 1000 rows; images with new "
                + "attachments first): `airlock-import list BUNDLE --json` lists every one under `images[].attachments`.\n"), section);
        assertTrue(md.length() < 1_000_000, "a report of 1,000 images stays readable: " + md.length() + " bytes");
    }

    @Test
    void json_givesTheSummaryAndEachAttachment_withEveryKey() throws Exception {
        JsonNode j = JSON.readTree(ContentsFormat.json(listing(appAndDb()), null));
        JsonNode a = j.path("images").get(0);
        assertEquals("signature 1, attestation 1 (" + SLSA + "), SBOM 1 (spdx+json)", a.path("attached").asText());
        assertEquals(3, a.path("attachments").size());
        JsonNode s = a.path("attachments").get(0);
        assertEquals(app.digest().toString(), s.path("subject").asText());
        assertEquals(sig.digest().toString(), s.path("digest").asText());
        assertEquals("signature", s.path("kind").asText());
        assertEquals("cosign", s.path("detail").asText());
        assertEquals("sha256-" + app.digest().toString().substring(7) + ".sig", s.path("tag").asText());
        assertFalse(s.path("referrer").asBoolean());
        assertTrue(s.path("artifactType").isNull(), s.toString());
        JsonNode r = a.path("attachments").get(2);
        assertTrue(r.path("referrer").asBoolean());
        assertTrue(r.path("tag").isNull());
        assertEquals("application/spdx+json", r.path("artifactType").asText());
        JsonNode d = j.path("images").get(1);
        assertTrue(d.path("attached").isNull(), d.toString());
        assertTrue(d.path("attachments").isArray() && d.path("attachments").isEmpty(), d.toString());
    }
}
