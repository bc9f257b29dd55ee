package dev.airlock.imports.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.bundle.BundleManifest;
import dev.airlock.crypto.BundleSigner;
import dev.airlock.crypto.OpenPgpKeys;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.RawManifest;
import dev.airlock.testing.AttachedImages;
import dev.airlock.testing.AttachedImages.Made;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sparse index ({@code --platform-index sparse}) in signed bundles made by hand (no registry):
 * the importer's walk accepts the children bundle.json declares left out, and refuses a bundle
 * with any other child missing, or one that declares left out what is no child of the index.
 */
class SparseIndexWalkTest {
    @TempDir
    static Path tmp;
    static Path cert;
    static BundleSigner signer;
    static final Made AMD = AttachedImages.image("amd");
    static final Made ARM = AttachedImages.image("arm");
    static final Made INDEX = new Made(RawManifest.of(("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":["
            + entry(AMD, "amd64") + "," + entry(ARM, "arm64") + "]}").getBytes(StandardCharsets.UTF_8), null, "test"), List.of());

    private static String entry(Made m, String arch) {
        return "{\"mediaType\":\"" + m.manifest().mediaType() + "\",\"digest\":\"" + m.digest() + "\",\"size\":" + m.manifest().size()
                + ",\"platform\":{\"os\":\"linux\",\"architecture\":\"" + arch + "\"}}";
    }

    @BeforeAll
    static void key() throws Exception {
        OpenPgpKeys.Generated key = OpenPgpKeys.generate("Exporter <e@airlock.test>", null);
        cert = Files.write(tmp.resolve("cert.asc"), key.certArmored());
        signer = new BundleSigner(OpenPgpKeys.readSecretKey(Files.write(tmp.resolve("key.asc"), key.secretArmored())), null);
    }

    /** A bundle of the index with only AMD carried, declaring {@code leftOut} left out. */
    private static Path bundle(String name, List<String> leftOut) throws Exception {
        BundleManifest.Image image = new BundleManifest.Image("registry.test/multi:1", "registry.test", "multi", "1", INDEX.digest().toString(),
                MediaTypes.OCI_INDEX, List.of(), new BundleManifest.Platforms(BundleManifest.Platforms.SPARSE, INDEX.digest().toString(),
                        List.of("linux/amd64"), List.of("linux/amd64", "linux/arm64"), leftOut));
        List<Made> made = List.of(INDEX, AMD);
        BundleManifest m = AttachedImages.manifest("daily", 1, List.of(image), made);
        m = new BundleManifest(BundleManifest.FORMAT_ATTACHED, m.channel(), m.sequence(), m.parent(), m.created(), m.tool(), m.layout(),
                m.images(), m.blobs(), m.requires());
        return AttachedImages.write(Files.createDirectories(tmp.resolve(name)), m, made, signer);
    }

    private static String[] run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--trust", cert.toString(), "--progress=none"));
        int code = ImportMain.run(all.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
        return new String[] {String.valueOf(code), out.toString(), err.toString()};
    }

    @Test
    void list_sparseIndex_withItsLeftOutChildDeclared_isAccepted_andSaysSo() throws Exception {
        String[] r = run("list", bundle("declared", List.of(ARM.digest().toString())).toString());
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("index sparse: " + INDEX.digest() + " unchanged, 1 of 2 platforms (linux/amd64) carried"), r[1]);
        assertTrue(r[1].contains("linux/arm64 (not carried)"), r[1]);
    }

    @Test
    void list_sparseIndex_withAChildMissingThatIsNotDeclared_isRefused_exit3() throws Exception {
        String[] r = run("list", bundle("undeclared", List.of()).toString());
        assertEquals("3", r[0], r[1] + r[2]);
        assertTrue(r[2].contains(ARM.digest().toString()), r[2]);
    }

    @Test
    void import_sparseIndex_declaringLeftOutWhatIsNoChild_isRefused_exit3_beforeAnyPush() throws Exception {
        String stranger = AttachedImages.image("stranger").digest().toString();
        String[] r = run("import", bundle("stranger", List.of(ARM.digest().toString(), stranger)).toString(),
                "--registry", "127.0.0.1:9/mirror", "--insecure-registry", "127.0.0.1:9", "--state", tmp.resolve("state").toString());
        assertEquals("3", r[0], r[1] + r[2]);
        assertTrue(r[2].contains("declares " + stranger + " left out, but it is no child of its index"), r[2]);
    }
}
