package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.cli.Units;
import dev.airlock.digest.Digest;
import dev.airlock.testing.RegistryExtension;
import dev.airlock.testing.RegistryExtension.Registries;
import dev.airlock.testing.TestImages;
import dev.airlock.testing.TestImages.Image;
import dev.airlock.testing.TestImages.Layer;
import dev.airlock.testing.Tools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Approver reports: {@code airlock-import list} prints a bundle's verified content (and nothing
 * from a bundle that fails), {@code diff} compares bundles and receipts, and the exporter's
 * {@code NAME.report.md} is covered by the signature through its sha256 in bundle.json.
 */
@ExtendWith(RegistryExtension.class)
class ReportIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    /** Two images on a real registry: an OCI single-platform image and a Docker manifest list (amd64, arm64/v8). */
    private ChainFixture twoImages(Registries r) throws Exception {
        ChainFixture c = new ChainFixture(r.plain(), r.plain(), tmp);
        c.put("app/a", "1", TestImages.image(true, "amd64", null, ChainFixture.BASE, Layer.random(7001, 300_000)));
        c.put("lib/b", "2", TestImages.index(false, List.of(
                TestImages.image(false, "amd64", null, ChainFixture.BASE, Layer.random(7002, 200_000)),
                TestImages.image(false, "arm64", "v8", ChainFixture.BASE, Layer.random(7003, 210_000))),
                List.of(new String[] {"amd64"}, new String[] {"arm64", "v8"})));
        return c;
    }

    /** An image's config and layer bytes, each blob once (across every platform of an index). */
    private static long size(Image image) {
        Map<Digest, Long> blobs = new HashMap<>();
        collect(image, blobs);
        return blobs.values().stream().mapToLong(Long::longValue).sum();
    }

    private static void collect(Image image, Map<Digest, Long> into) {
        image.blobs().forEach((d, b) -> into.put(d, b instanceof byte[] bytes ? (long) bytes.length : ((Layer) b).size()));
        image.children().forEach(c -> collect(c, into));
    }

    private static int blobCount(Image image) {
        Map<Digest, Long> blobs = new HashMap<>();
        collect(image, blobs);
        return blobs.size();
    }

    private Airlock.Run list(ChainFixture c, Path bundle, String... extra) {
        List<String> args = new ArrayList<>(List.of("list", bundle.toString(), "--trust", c.exporterKey[1].toString()));
        args.addAll(List.of(extra));
        return Airlock.importer(args);
    }

    private static JsonNode bundleJson(Path bundle) throws Exception {
        try (TarFile tar = new TarFile(bundle)) {
            TarArchiveEntry e = tar.getEntries().stream().filter(x -> x.getName().equals("airlock/bundle.json")).findFirst().orElseThrow();
            return JSON.readTree(tar.getInputStream(e).readAllBytes());
        }
    }

    private static String signer(ChainFixture c, Path bundle) {
        Airlock.Run v = Airlock.importer(List.of("verify", bundle.toString(), "--trust", c.exporterKey[1].toString())).ok();
        return v.out().lines().filter(l -> l.startsWith("signer ")).findFirst().orElseThrow().substring("signer".length()).trim();
    }

    /** The "## Images" section of a Markdown listing: its heading and table. */
    private static String imagesTable(String markdown) {
        int from = markdown.indexOf("## Images");
        int to = markdown.indexOf("\n\n", markdown.indexOf("|", from));
        return markdown.substring(from, to < 0 ? markdown.length() : to).strip();
    }

    @Test
    void list_printsTheVerifiedContent_asTextJsonAndMarkdown_forATwoImageBundleWithAMultiArchImage(Registries r) throws Exception {
        ChainFixture c = twoImages(r);
        Path bundle = c.export();
        String refA = c.images.get(0);
        String refB = c.images.get(1);
        Image a = c.current.get(refA);
        Image b = c.current.get(refB);
        String fpr = signer(c, bundle);
        JsonNode manifest = bundleJson(bundle);
        long carriedBytes = 0;
        int carriedBlobs = 0; // config and layer blobs: bundle.json's manifests are counted apart (dev.airlock.bundle.BlobCount)
        for (JsonNode blob : manifest.path("blobs")) {
            if (!dev.airlock.oci.MediaTypes.isManifest(blob.path("mediaType").asText())) {
                carriedBytes += blob.path("size").asLong();
                carriedBlobs++;
            }
        }
        String digest = Airlock.importer(List.of("verify", bundle.toString(), "--trust", c.exporterKey[1].toString())).ok().out().lines()
                .filter(l -> l.startsWith("digest ")).findFirst().orElseThrow().substring("digest".length()).trim();

        Airlock.Run text = list(c, bundle).ok();
        List<String> lines = text.out().lines().toList();
        assertTrue(lines.contains("verified    " + bundle + " (signatures, and every blob's digest and size)"), text.out());
        assertTrue(lines.contains("digest      " + digest), text.out());
        assertTrue(lines.contains("channel     daily  sequence 1 (full)"), text.out());
        assertTrue(lines.contains("signer      " + fpr), text.out());
        assertTrue(lines.contains("report      daily-000001.airlock.report.md (matches)"), text.out());
        assertTrue(lines.contains("carries     " + carriedBlobs + " blobs, " + Units.bytes(carriedBytes)
                + "; leaves 0 blobs, 0 B to earlier bundles"), text.out());
        int ia = lines.indexOf("image       " + refA);
        int ib = lines.indexOf("image       " + refB);
        assertTrue(ia >= 0 && ib > ia, text.out());
        assertEquals("  digest    " + a.manifest().digest() + "  (application/vnd.oci.image.manifest.v1+json)", lines.get(ia + 1));
        assertEquals("  platforms linux/amd64", lines.get(ia + 2));
        assertEquals("  size      " + Units.bytes(size(a)) + " in 3 blobs: 3 blobs, " + Units.bytes(size(a))
                + " carried here, 0 blobs, 0 B in earlier bundles", lines.get(ia + 3));
        assertEquals("  digest    " + b.manifest().digest() + "  (application/vnd.docker.distribution.manifest.list.v2+json)",
                lines.get(ib + 1));
        assertEquals("  platforms linux/amd64, linux/arm64/v8", lines.get(ib + 2));
        assertEquals(5, blobCount(b), "two configs, BASE once, two layers");
        assertTrue(lines.get(ib + 3).startsWith("  size      " + Units.bytes(size(b)) + " in 5 blobs: 5 blobs, "), lines.get(ib + 3));

        JsonNode j = JSON.readTree(list(c, bundle, "--json").ok().out());
        assertEquals("airlock-list/v1", j.path("schema").asText());
        assertEquals(bundle.toString(), j.path("bundle").path("path").asText());
        assertEquals(digest, j.path("bundle").path("digest").asText());
        assertEquals("daily", j.path("bundle").path("channel").asText());
        assertEquals(1, j.path("bundle").path("sequence").asLong());
        assertTrue(j.path("bundle").path("full").asBoolean());
        assertTrue(j.path("bundle").path("parent").isNull());
        assertEquals(fpr, j.path("signers").get(0).asText());
        assertEquals(carriedBlobs, j.path("blobs").path("carried").asInt());
        assertEquals(carriedBytes, j.path("blobs").path("carriedBytes").asLong());
        assertEquals(0, j.path("blobs").path("required").asInt());
        assertEquals("daily-000001.airlock.report.md", j.at("/report/name").asText());
        assertEquals("matches", j.at("/report/status").asText());
        JsonNode ja = j.path("images").get(0);
        JsonNode jb = j.path("images").get(1);
        assertEquals(refA, ja.path("source").asText());
        assertEquals(a.manifest().digest().toString(), ja.path("digest").asText());
        assertEquals(List.of("linux/amd64"), JSON.convertValue(ja.path("platforms"), List.class));
        assertEquals(size(a), ja.path("size").asLong());
        assertEquals(3, ja.path("blobs").path("total").asInt());
        assertEquals(size(a), ja.path("blobs").path("carriedBytes").asLong());
        assertEquals(refB, jb.path("source").asText());
        assertEquals(List.of("linux/amd64", "linux/arm64/v8"), JSON.convertValue(jb.path("platforms"), List.class));
        assertEquals(size(b), jb.path("size").asLong());
        assertEquals(5, jb.path("blobs").path("total").asInt());

        String md = list(c, bundle, "--markdown").ok().out();
        assertTrue(md.startsWith("# airlock bundle " + bundle + "\n"), md);
        assertTrue(md.contains("| bundle digest | `" + digest + "` |\n"), md);
        assertTrue(md.contains("| signed by | `" + fpr + "` |\n"), md);
        assertTrue(md.contains("| `" + refB + "` | linux/amd64, linux/arm64/v8 | `" + b.manifest().digest() + "` | "
                + Units.bytes(size(b)) + " in 5 blobs |"), md);
        assertTrue(md.contains("| `" + refA + "` | linux/amd64 | `" + a.manifest().digest() + "` | " + Units.bytes(size(a)) + " in 3 blobs | 3 blobs, "
                + Units.bytes(size(a)) + " | 0 blobs, 0 B |\n"), md);

        // The exporter's report says the same of the images as list --markdown, and names the signer.
        String report = Files.readString(bundle.resolveSibling("daily-000001.airlock.report.md"));
        assertEquals(imagesTable(md), imagesTable(report));
        assertTrue(report.contains("| signed by | `" + fpr + "` |\n"), report);
        assertFalse(report.contains("## Changes since"), "the channel's first bundle has nothing to compare with:\n" + report);
        assertTrue(report.contains("sha256sum daily-000001.airlock.report.md"), report);
    }

    @Test
    void list_refusesATamperedBundle_withExit3_andPrintsNoContent(Registries r) throws Exception {
        ChainFixture c = twoImages(r);
        Path bundle = c.export();
        Image a = c.current.get(c.images.get(0));
        Digest layer = a.blobs().keySet().stream().filter(d -> a.blobs().get(d) instanceof Layer l && l.size() == 300_000)
                .findFirst().orElseThrow();
        Fixture.flipByte(bundle, "blobs/sha256/" + layer.hex(), 1234);
        for (String format : new String[] {"--markdown", "--json"}) {
            Airlock.Run run = list(c, bundle, format);
            assertEquals(3, run.code(), run.toString());
            if (format.equals("--json")) {
                assertEquals("DIGEST_MISMATCH", JSON.readTree(run.out()).at("/error/code").asText(), "only the failure: " + run);
            } else {
                assertEquals("", run.out(), "nothing is printed from a bundle that fails: " + run);
            }
            assertTrue(run.err().contains(layer.toString()), run.err());
        }
        Airlock.Run text = list(c, bundle);
        assertEquals(3, text.code(), text.toString());
        assertEquals("", text.out());

        Path other = c.export(); // a good bundle whose signature is then broken
        Fixture.flipByte(other, "airlock/bundle.json", 20);
        Airlock.Run unsigned = list(c, other);
        assertEquals(3, unsigned.code(), unsigned.toString());
        assertEquals("", unsigned.out());
    }

    @Test
    void report_isCoveredByTheSignature_checkedByList_andOffWithNoReport(Registries r) throws Exception {
        ChainFixture c = twoImages(r);
        JsonNode plan = JSON.readTree(Airlock.export(c.exportArgs("plan", "--json")).ok().out());
        Path bundle = c.export();
        assertEquals(plan.at("/bundle/size").asLong(), Files.size(bundle), "plan counts the report's entry in bundle.json");
        Path report = bundle.resolveSibling("daily-000001.airlock.report.md");
        assertTrue(Files.isRegularFile(report));

        // By hand: tar, gpg, sqv, sha256sum — the digest in the signed bundle.json is the file's sha256.
        Path unpacked = Files.createDirectories(tmp.resolve("unpacked"));
        Tools.run(List.of("tar", "-xf", bundle.toString(), "airlock/"), Map.of(), unpacked).ok();
        JsonNode signed = JSON.readTree(unpacked.resolve("airlock/bundle.json").toFile());
        assertEquals("daily-000001.airlock.report.md", signed.path("report").path("name").asText());
        String sum = Tools.run(List.of("sha256sum", report.getFileName().toString()), Map.of(), report.getParent()).ok().stdout();
        assertEquals(sum.substring(0, 64), signed.path("report").path("sha256").asText());
        Path gnupg = Files.createDirectories(tmp.resolve("gnupg"));
        Files.setPosixFilePermissions(gnupg, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        Map<String, String> env = Map.of("GNUPGHOME", gnupg.toString());
        Tools.run(List.of("gpg", "--batch", "--import", c.exporterKey[1].toString()), env, null).ok();
        Tools.Result gpg = Tools.run(List.of("gpg", "--batch", "--verify", "airlock/bundle.json.asc", "airlock/bundle.json"), env, unpacked);
        assertEquals(0, gpg.exitCode(), gpg.stderr());
        assertTrue(gpg.stderr().contains("Good signature"), gpg.stderr());
        assertTrue(Airlock.importer(List.of("verify", bundle.toString(), "--trust", c.exporterKey[1].toString())).ok().out()
                .contains("report   daily-000001.airlock.report.md (matches)"));

        // A changed report: list and verify refuse (exit 3), naming it; import too, before the registry.
        byte[] original = Files.readAllBytes(report);
        Files.writeString(report, "\n| `evil/image:1` | linux/amd64 | approved |\n", StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.APPEND);
        Airlock.Run changed = list(c, bundle);
        assertEquals(3, changed.code(), changed.toString());
        assertEquals("", changed.out());
        assertTrue(changed.err().contains("the report " + report + " does not match the sha256 that the signed bundle.json records"),
                changed.err());
        assertEquals(3, Airlock.importer(List.of("verify", bundle.toString(), "--trust", c.exporterKey[1].toString())).code());
        Airlock.Run imported = c.importBundle(bundle);
        assertEquals(3, imported.code(), imported.toString());
        assertEquals(404, Fixture.status(c.target, "GET", "/v2/mirror/app/a/tags/list"), "nothing reached the registry");

        // Missing: listed, and said so.
        Files.delete(report);
        assertTrue(list(c, bundle).ok().out().lines().anyMatch("report      daily-000001.airlock.report.md (missing)"::equals));
        Files.write(report, original);
        assertTrue(list(c, bundle).ok().out().contains("(matches)"));

        // --no-report: no file, no field, and list shows no report line.
        Path second = c.export("--no-report");
        assertFalse(Files.exists(second.resolveSibling("daily-000002.airlock.report.md")));
        assertTrue(bundleJson(second).path("report").isMissingNode(), bundleJson(second).toString());
        Airlock.Run quiet = list(c, second).ok();
        assertFalse(quiet.out().contains("report "), quiet.out());
        assertTrue(JSON.readTree(list(c, second, "--json").ok().out()).path("report").isNull());

        assumeTrue(Tools.has("sqv"), "sqv is not installed (apt-get install sqv): the last check, sqv on bundle.json, is skipped");
        Tools.Result sqv = Tools.run(List.of("sqv", "--keyring", c.exporterKey[1].toString(), "airlock/bundle.json.asc",
                "airlock/bundle.json"), Map.of(), unpacked);
        assertEquals(0, sqv.exitCode(), sqv.stderr());
    }

    @Test
    void diff_ofTwoConsecutiveBundles_namesAddedRemovedAndChanged_andTheReportSaysTheSame(Registries r) throws Exception {
        ChainFixture c = new ChainFixture(r.plain(), r.plain(), tmp).seedThree();
        Path first = c.export();
        String refA = c.images.get(0);
        String refB = c.images.get(1);
        String refC = c.images.get(2);
        String oldA = c.current.get(refA).manifest().digest().toString();
        String oldC = c.current.get(refC).manifest().digest().toString();
        Layer fresh = c.changeA(123_456);
        c.images.remove(refC);
        c.current.remove(refC);
        Image d = TestImages.image(true, "arm64", "v8", ChainFixture.BASE, Layer.random(7777, 50_000));
        c.put("new/d", "4", d);
        String refD = c.images.get(c.images.size() - 1);
        Path second = c.export();
        String newA = c.current.get(refA).manifest().digest().toString();

        Airlock.Run text = Airlock.importer(List.of("diff", first.toString(), second.toString(), "--trust", c.exporterKey[1].toString())).ok();
        List<String> lines = text.out().lines().toList();
        long newBytesA = size(c.current.get(refA)) - ChainFixture.BASE.size();
        long newBytesD = size(d) - ChainFixture.BASE.size();
        assertTrue(newBytesA > fresh.size(), "the new layer and the new config");
        assertTrue(lines.contains("added      " + refD + "  " + d.manifest().digest() + "  (2 blobs, " + Units.bytes(newBytesD) + " new)"),
                text.out());
        assertTrue(lines.contains("removed    " + refC + "  (was " + oldC + ")"), text.out());
        assertTrue(lines.contains("changed    " + refA + "  " + oldA + " -> " + newA + "  (2 blobs, " + Units.bytes(newBytesA) + " new)"),
                text.out());
        assertTrue(lines.contains("unchanged  1 image(s)"), text.out());
        JsonNode m2 = bundleJson(second);
        long carried = 0;
        int carriedBlobs = 0; // config and layer blobs, manifests apart (dev.airlock.bundle.BlobCount)
        for (JsonNode blob : m2.path("blobs")) {
            if (!dev.airlock.oci.MediaTypes.isManifest(blob.path("mediaType").asText())) {
                carried += blob.path("size").asLong();
                carriedBlobs++;
            }
        }
        assertTrue(lines.contains("bytes      new carries " + carriedBlobs + " blobs, " + Units.bytes(carried)
                + "; its images use 4 blobs, " + Units.bytes(newBytesA + newBytesD) + " that old did not use"), text.out());

        JsonNode j = JSON.readTree(Airlock.importer(List.of("diff", first.toString(), second.toString(), "--json",
                "--trust", c.exporterKey[1].toString())).ok().out());
        assertEquals("airlock-diff/v1", j.path("schema").asText());
        assertEquals(1, j.path("old").path("sequence").asLong());
        assertEquals(2, j.path("new").path("sequence").asLong());
        assertEquals(List.of("added", "removed", "changed", "unchanged"), j.path("images").findValuesAsText("change"), j.toString());
        assertEquals(refD, j.at("/images/0/source").asText());
        assertEquals(newBytesD, j.at("/images/0/newBytes").asLong());
        assertEquals(refC, j.at("/images/1/source").asText());
        assertEquals(oldC, j.at("/images/1/previousDigest").asText());
        JsonNode changed = j.path("images").get(2);
        assertEquals(refA, changed.path("source").asText());
        assertEquals(oldA, changed.path("previousDigest").asText());
        assertEquals(newA, changed.path("digest").asText());
        assertEquals(newBytesA, changed.path("newBytes").asLong());
        assertEquals(refB, j.at("/images/3/source").asText());
        assertEquals(carried, j.path("blobs").path("carriedBytes").asLong());
        assertEquals(newBytesA + newBytesD, j.path("blobs").path("newBytes").asLong());

        // The exporter's ledger knew the parent's images: the report lists the same changes.
        String report = Files.readString(second.resolveSibling("daily-000002.airlock.report.md"));
        assertTrue(report.contains("## Changes since bundle 1\n"), report);
        assertTrue(report.contains("| `" + refA + "` | changed | `" + oldA + "` | `" + newA + "` |\n"), report);
        assertTrue(report.contains("| `" + refC + "` | removed | `" + oldC + "` | — |\n"), report);
        assertTrue(report.contains("| `" + refD + "` | added | — | `" + d.manifest().digest() + "` |\n"), report);
        assertTrue(report.contains("\n1 image unchanged.\n"), report);

        // A receipt of what the offline side holds after the first bundle, against the second bundle.
        c.importBundle(first).ok();
        Path receipt = tmp.resolve("receipt.json");
        Airlock.importer(List.of("receipt", "--channel", "daily", "--key", c.importerKey[0].toString(), "--out", receipt.toString(),
                "--state", tmp.resolve("import-state").toString())).ok();
        Airlock.Run vsReceipt = Airlock.importer(List.of("diff", receipt.toString(), second.toString(),
                "--trust", c.importerKey[1].toString(), "--trust", c.exporterKey[1].toString())).ok();
        List<String> rl = vsReceipt.out().lines().toList();
        assertTrue(rl.get(0).startsWith("old        " + receipt + " (receipt, channel daily at sequence 1, "), vsReceipt.out());
        assertTrue(rl.contains("changed    " + refA + "  " + oldA + " -> " + newA + "  (2 blobs, " + Units.bytes(newBytesA) + " new)"),
                vsReceipt.out());
        assertTrue(rl.contains("removed    " + refC + "  (was " + oldC + ")"), vsReceipt.out());
        assertTrue(rl.stream().anyMatch(l -> l.startsWith("added      " + refD + "  ")), vsReceipt.out());
        assertTrue(rl.contains("bytes      new carries " + carriedBlobs + " blobs, " + Units.bytes(carried)
                + "; its images use 4 blobs, " + Units.bytes(newBytesA + newBytesD) + " that old did not hold"), vsReceipt.out());

        // A receipt whose signature does not check is refused like a bundle (exit 3), before anything is printed.
        Airlock.Run untrusted = Airlock.importer(List.of("diff", receipt.toString(), second.toString(),
                "--trust", c.exporterKey[1].toString()));
        assertEquals(3, untrusted.code(), untrusted.toString());
        assertEquals("", untrusted.out());
    }

    @Test
    void volumeSet_hasItsReportBesideTheList_andListReadsTheSetByAnyName(Registries r) throws Exception {
        ChainFixture c = twoImages(r);
        Airlock.Run run = Airlock.export(c.exportArgs("bundle", "--max-volume-size", "1M", "--json")).ok();
        JsonNode j = JSON.readTree(run.out());
        Path list = Path.of(j.at("/bundle/path").asText());
        assertTrue(list.getFileName().toString().endsWith(".volumes.json"), list.toString());
        Path report = list.resolveSibling("daily-000001.airlock.report.md");
        assertEquals(report.toString(), j.path("report").path("path").asText());
        assertTrue(Files.isRegularFile(report));
        assertTrue(j.at("/bundle/volumes").size() >= 2, j.toString());
        for (Path given : List.of(list, Path.of(j.at("/bundle/volumes").get(1).asText()))) {
            Airlock.Run l = list(c, given).ok();
            assertTrue(l.out().contains("report      daily-000001.airlock.report.md (matches)"), l.out());
            assertTrue(l.out().contains("  platforms linux/amd64, linux/arm64/v8"), l.out());
        }
        assertNotNull(j.path("report").path("sha256").asText(null));
    }
}
