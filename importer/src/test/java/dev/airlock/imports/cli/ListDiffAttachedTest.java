package dev.airlock.imports.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.bundle.BundleManifest;
import dev.airlock.crypto.BundleSigner;
import dev.airlock.crypto.OpenPgpKeys;
import dev.airlock.testing.AttachedImages;
import dev.airlock.testing.AttachedImages.Made;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code list} and {@code diff} on attachments, through the real commands on two signed bundles
 * made by hand (no registry): bundle 1 has app:1 with a cosign signature and db:2 with nothing;
 * bundle 2 has the same app:1 (unchanged digest) with a second signature and an SBOM referrer, and
 * db:2 with its first attestation.
 */
class ListDiffAttachedTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String SLSA = "https://slsa.dev/provenance/v1";

    @TempDir
    static Path tmp;
    static Path cert;
    static Path first;
    static Path second;
    static final Made APP = AttachedImages.image("app");
    static final Made DB = AttachedImages.image("db");
    static final Made SIG1 = AttachedImages.signature(APP.digest(), "k1");
    static final Made SIG2 = AttachedImages.signature(APP.digest(), "k2");
    static final Made SBOM = AttachedImages.sbom(APP, "app");
    static final Made ATT = AttachedImages.attestation(DB.digest(), SLSA);

    @BeforeAll
    static void bundles() throws Exception {
        OpenPgpKeys.Generated key = OpenPgpKeys.generate("Exporter <e@airlock.test>", null);
        cert = Files.write(tmp.resolve("cert.asc"), key.certArmored());
        BundleSigner signer = new BundleSigner(OpenPgpKeys.readSecretKey(Files.write(tmp.resolve("key.asc"), key.secretArmored())), null);
        BundleManifest.Attachment s1 = AttachedImages.tagged(APP, SIG1, "sig", "signature", "cosign");
        BundleManifest.Attachment s2 = AttachedImages.referrer(APP, SIG2, "application/vnd.dev.cosign.artifact.sig.v1+json", "signature",
                "cosign");
        BundleManifest.Attachment sbom = AttachedImages.referrer(APP, SBOM, "application/spdx+json", "sbom", "spdx+json");
        BundleManifest.Attachment att = AttachedImages.tagged(DB, ATT, "att", "attestation", SLSA);
        Path d1 = Files.createDirectories(tmp.resolve("one"));
        Path d2 = Files.createDirectories(tmp.resolve("two"));
        List<Made> made1 = List.of(APP, DB, SIG1);
        first = AttachedImages.write(d1, AttachedImages.manifest("daily", 1, List.of(AttachedImages.entry("app", "1", APP, List.of(s1)),
                AttachedImages.entry("db", "2", DB, List.of())), made1), made1, signer);
        List<Made> made2 = List.of(APP, DB, SIG1, SIG2, SBOM, ATT);
        second = AttachedImages.write(d2, AttachedImages.manifest("daily", 2, List.of(AttachedImages.entry("app", "1", APP,
                List.of(s1, s2, sbom)), AttachedImages.entry("db", "2", DB, List.of(att))), made2), made2, signer);
    }

    private static String run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--trust", cert.toString(), "--progress=none"));
        int code = ImportMain.run(all.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
        assertEquals(0, code, err + "\n" + out);
        return out.toString();
    }

    @Test
    void list_showsEachImagesAttachments_asTextAndAsJson() throws Exception {
        List<String> lines = run("list", second.toString()).lines().toList();
        int app = lines.indexOf("image       registry.test/app:1");
        int db = lines.indexOf("image       registry.test/db:2");
        assertEquals("  attached  signatures 2, SBOM 1 (spdx+json)", lines.get(app + 4), String.join("\n", lines));
        assertEquals("  attached  attestation 1 (" + SLSA + ")", lines.get(db + 4), String.join("\n", lines));

        JsonNode j = JSON.readTree(run("list", second.toString(), "--json"));
        JsonNode a = j.path("images").get(0);
        assertEquals("signatures 2, SBOM 1 (spdx+json)", a.path("attached").asText());
        assertEquals(List.of(SIG1.digest().toString(), SIG2.digest().toString(), SBOM.digest().toString()),
                a.path("attachments").findValuesAsText("digest"));
        assertEquals(List.of("signature", "signature", "sbom"), a.path("attachments").findValuesAsText("kind"));
        assertEquals("sha256-" + APP.digest().toString().substring(7) + ".sig", a.at("/attachments/0/tag").asText());
        assertTrue(a.at("/attachments/1/referrer").asBoolean());
        assertEquals(APP.digest().toString(), a.at("/attachments/2/subject").asText());

        String md = run("list", second.toString(), "--markdown");
        assertTrue(md.contains("| `registry.test/app:1` | SBOM | spdx+json | referrer of `" + APP.digest().toString().substring(0, 19)
                + "` | `" + SBOM.digest() + "` |\n"), md);
    }

    @Test
    void diff_ofTwoBundles_showsPerImageTheAttachmentsAddedAndRemoved_evenWhenTheImageIsUnchanged() throws Exception {
        String text = run("diff", first.toString(), second.toString());
        assertTrue(text.contains("\nattached   registry.test/app:1  unchanged image, 1 new signature, 1 new SBOM (spdx+json)\n"), text);
        assertTrue(text.contains("\nattached   registry.test/db:2  unchanged image, 1 new attestation (" + SLSA + ")\n"), text);
        assertTrue(text.contains("\nunchanged  0 image(s)\n"), text);

        String back = run("diff", second.toString(), first.toString());
        assertTrue(back.contains("\nattached   registry.test/app:1  unchanged image, 1 signature, 1 SBOM (spdx+json) removed\n"), back);

        JsonNode j = JSON.readTree(run("diff", first.toString(), second.toString(), "--json"));
        JsonNode app = j.path("images").get(0);
        assertEquals("registry.test/app:1", app.path("source").asText());
        assertEquals("unchanged", app.path("change").asText());
        assertEquals("signatures 2, SBOM 1 (spdx+json)", app.path("attached").asText());
        assertEquals(List.of(SIG2.digest().toString(), SBOM.digest().toString()), app.path("newAttachments").findValuesAsText("digest"));
        assertEquals(List.of("signature", "sbom"), app.path("newAttachments").findValuesAsText("kind"));
        assertTrue(app.path("removedAttachments").isArray() && app.path("removedAttachments").isEmpty(), app.toString());
        JsonNode db = j.path("images").get(1);
        assertEquals(List.of(SLSA), db.path("newAttachments").findValuesAsText("detail"));
    }
}
