package dev.airlock.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.crypto.BundleSigner;
import dev.airlock.crypto.OpenPgpKeys;
import dev.airlock.crypto.TrustPolicy;
import dev.airlock.digest.Digest;
import dev.airlock.error.AirlockException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reader accepts exactly what bundle.json declares and refuses every hostile tar shape. */
class UntrustedBundleTest {
    @TempDir
    static Path tmp;

    static OpenPgpKeys.Generated key;
    static TrustPolicy trust;

    static final byte[] LAYOUT = "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8);
    static final byte[] INDEX = "{\"schemaVersion\":2,\"manifests\":[]}".getBytes(StandardCharsets.UTF_8);
    static final byte[] BLOB_A = "layer A content".getBytes(StandardCharsets.UTF_8);
    static final byte[] BLOB_B = "layer B, somewhat longer content".getBytes(StandardCharsets.UTF_8);

    @BeforeAll
    static void keys() throws IOException {
        key = OpenPgpKeys.generate("Test <t@airlock.test>", null);
        Path cert = tmp.resolve("cert.asc");
        Files.write(cert, key.certArmored());
        trust = new TrustPolicy(OpenPgpKeys.readCertificates(cert), 1);
    }

    /** One tar entry to write: a name, content and type flag. */
    record Entry(String name, byte[] content, byte type, String link) {
        static Entry file(String name, byte[] content) {
            return new Entry(name, content, TarConstants.LF_NORMAL, null);
        }
    }

    static BundleManifest manifest() {
        return new BundleManifest(BundleManifest.FORMAT, "test", 1, null, "2026-01-01T00:00:00Z", "test",
                new BundleManifest.Layout(ref(LAYOUT), ref(INDEX)), List.of(),
                List.of(blob(BLOB_A), blob(BLOB_B)), List.of());
    }

    static BundleManifest.FileRef ref(byte[] b) {
        return new BundleManifest.FileRef(Digest.sha256Of(b).toString(), b.length);
    }

    static BundleManifest.Blob blob(byte[] b) {
        return new BundleManifest.Blob(Digest.sha256Of(b).toString(), b.length, "application/octet-stream");
    }

    static String path(byte[] b) {
        return BundleNames.blobPath(Digest.sha256Of(b));
    }

    /** The entries of a valid bundle, which each test then bends. */
    static List<Entry> valid() throws IOException {
        byte[] json = manifest().toJson();
        Path keyFile = tmp.resolve("key.asc");
        Files.write(keyFile, key.secretArmored());
        byte[] sig = new BundleSigner(OpenPgpKeys.readSecretKey(keyFile), null).sign(json);
        List<Entry> e = new ArrayList<>();
        e.add(Entry.file(BundleNames.MANIFEST, json));
        e.add(Entry.file(BundleNames.SIGNATURE, sig));
        e.add(Entry.file(BundleNames.OCI_LAYOUT, LAYOUT));
        e.add(Entry.file(BundleNames.INDEX, INDEX));
        e.add(Entry.file(path(BLOB_A), BLOB_A));
        e.add(Entry.file(path(BLOB_B), BLOB_B));
        return e;
    }

    static Path write(String name, List<Entry> entries) throws IOException {
        Path file = tmp.resolve(name + ".tar");
        try (OutputStream out = Files.newOutputStream(file); TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Entry e : entries) {
                TarArchiveEntry t = new TarArchiveEntry(e.name(), e.type());
                if (e.link() != null) {
                    t.setLinkName(e.link());
                } else if (e.type() == TarConstants.LF_NORMAL) {
                    t.setSize(e.content().length);
                }
                tar.putArchiveEntry(t);
                if (e.type() == TarConstants.LF_NORMAL) {
                    tar.write(e.content());
                }
                tar.closeArchiveEntry();
            }
        }
        return file;
    }

    static AirlockException refused(String name, Consumer<List<Entry>> bend) throws IOException {
        return refused(AirlockException.Kind.MALFORMED_BUNDLE, name, bend);
    }

    static AirlockException refused(AirlockException.Kind kind, String name, Consumer<List<Entry>> bend) throws IOException {
        List<Entry> entries = valid();
        bend.accept(entries);
        Path file = write(name, entries);
        AirlockException e = assertThrows(AirlockException.class, () -> {
            try (UntrustedBundle b = UntrustedBundle.open(file)) {
                VerifiedBundle v = b.verify(trust);
                for (BundleManifest.Blob blob : v.manifest().blobs()) {
                    v.check(blob);
                }
            }
        });
        assertEquals(kind, e.kind(), e.getMessage());
        return e;
    }

    @Test
    void validBundle_verifiesAndStreamsEveryBlob() throws IOException {
        Path file = write("valid", valid());
        try (UntrustedBundle b = UntrustedBundle.open(file)) {
            VerifiedBundle v = b.verify(trust);
            assertEquals(Digest.sha256Of(manifest().toJson()), v.digest());
            assertEquals(List.of(key.fingerprint()), v.signers());
            for (BundleManifest.Blob blob : v.manifest().blobs()) {
                v.check(blob);
            }
            assertEquals(new String(INDEX, StandardCharsets.UTF_8), new String(v.readLayoutFile(BundleNames.INDEX), StandardCharsets.UTF_8));
        }
    }

    private static final dev.airlock.copy.Repo BUNDLE = new dev.airlock.copy.Repo("bundle", "");

    private static dev.airlock.oci.Descriptor descriptor(byte[] blob) {
        return new dev.airlock.oci.Descriptor("application/vnd.oci.image.layer.v1.tar", Digest.sha256Of(blob), blob.length);
    }

    @Test
    void writerOutput_isReadBack() throws IOException {
        BundleManifest m = manifest();
        byte[] json = m.toJson();
        Path keyFile = tmp.resolve("key2.asc");
        Files.write(keyFile, key.secretArmored());
        Path target = tmp.resolve("written.tar");
        try (BundleWriter w = BundleWriter.create(target, json, new BundleSigner(OpenPgpKeys.readSecretKey(keyFile), null).sign(json),
                LAYOUT, INDEX, m)) {
            for (byte[] blob : List.of(BLOB_A, BLOB_B)) {
                w.putBlob(BUNDLE, descriptor(blob), sink -> sink.write(java.nio.ByteBuffer.wrap(blob), 0), n -> { });
            }
            w.commit((marker, members) -> { });
        }
        assertTrue(Files.notExists(dev.airlock.io.AtomicFiles.partialName(target)));
        byte[] sig = new BundleSigner(OpenPgpKeys.readSecretKey(keyFile), null).sign(json);
        assertEquals(BundleWriter.expectedSize(json.length, sig.length, LAYOUT.length, INDEX.length, m), Files.size(target));
        try (UntrustedBundle b = UntrustedBundle.open(target)) {
            VerifiedBundle v = b.verify(trust);
            v.manifest().blobs().forEach(v::check);
        }
    }

    @Test
    void writer_leavesNoFileWhenABlobFails() {
        BundleManifest m = manifest();
        Path target = tmp.resolve("failed.tar");
        AirlockException e = assertThrows(AirlockException.class, () -> {
            try (BundleWriter w = BundleWriter.create(target, m.toJson(), new byte[0], LAYOUT, INDEX, m)) {
                w.putBlob(BUNDLE, descriptor(BLOB_A), sink -> {
                    throw new IOException("source failed");
                }, n -> { });
                w.commit((marker, members) -> { });
            }
        });
        assertEquals(AirlockException.Kind.LOCAL, e.kind(), e.getMessage());
        assertTrue(Files.notExists(target));
        assertTrue(Files.notExists(dev.airlock.io.AtomicFiles.partialName(target)));
        // A source whose bytes do not match: a digest mismatch, and nothing left either.
        AirlockException bad = assertThrows(AirlockException.class, () -> {
            try (BundleWriter w = BundleWriter.create(target, m.toJson(), new byte[0], LAYOUT, INDEX, m)) {
                w.putBlob(BUNDLE, descriptor(BLOB_A), sink -> {
                    dev.airlock.digest.BlobVerifier v = new dev.airlock.digest.BlobVerifier(Digest.sha256Of(BLOB_A), BLOB_A.length, "a");
                    v.update(BLOB_B, 0, Math.min(BLOB_B.length, BLOB_A.length));
                    v.finish();
                }, n -> { });
            }
        });
        assertEquals(AirlockException.Kind.DIGEST_MISMATCH, bad.kind(), bad.getMessage());
        assertTrue(Files.notExists(dev.airlock.io.AtomicFiles.partialName(target)));
        assertTrue(Files.notExists(dev.airlock.io.AtomicFiles.partialName(target)));
    }

    @Test
    void refusesSymlinkEntry() throws IOException {
        AirlockException e = refused("symlink", l -> l.add(4, new Entry("blobs/sha256/evil", null, TarConstants.LF_SYMLINK, "/etc/passwd")));
        assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
    }

    @Test
    void refusesHardLinkEntry() throws IOException {
        AirlockException e = refused("hardlink", l -> l.set(5, new Entry(path(BLOB_B), null, TarConstants.LF_LINK, path(BLOB_A))));
        assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
    }

    @Test
    void refusesDeviceEntry() throws IOException {
        AirlockException e = refused("device", l -> l.add(new Entry("dev", null, TarConstants.LF_CHR, null)));
        assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
    }

    @Test
    void refusesDotDotPath() throws IOException {
        AirlockException e = refused("dotdot", l -> l.add(Entry.file("blobs/../../etc/cron.d/x", BLOB_A)));
        assertTrue(e.getMessage().contains("escapes"), e.getMessage());
    }

    @Test
    void refusesAbsolutePath() throws IOException {
        AirlockException e = refused("absolute", l -> l.add(Entry.file("/tmp/x", BLOB_A)));
        assertTrue(e.getMessage().contains("absolute"), e.getMessage());
    }

    @Test
    void refusesDuplicateEntry() throws IOException {
        AirlockException e = refused("duplicate", l -> l.add(Entry.file(path(BLOB_A), BLOB_A)));
        assertTrue(e.getMessage().contains("twice"), e.getMessage());
    }

    @Test
    void refusesUnlistedEntry() throws IOException {
        AirlockException e = refused("unlisted", l -> l.add(Entry.file("blobs/sha256/" + "ab".repeat(32), BLOB_A)));
        assertTrue(e.getMessage().contains("not listed"), e.getMessage());
    }

    @Test
    void refusesMissingEntry() throws IOException {
        AirlockException e = refused("missing", l -> l.remove(5));
        assertTrue(e.getMessage().contains("missing"), e.getMessage());
    }

    @Test
    void refusesEntriesOutOfOrder() throws IOException {
        AirlockException e = refused("order", l -> l.add(4, l.remove(5)));
        assertTrue(e.getMessage().contains("lists"), e.getMessage());
    }

    @Test
    void refusesSizeOtherThanDeclared() throws IOException {
        AirlockException e = refused("size", l -> l.set(4, Entry.file(path(BLOB_A), "layer A content, longer".getBytes(StandardCharsets.UTF_8))));
        assertTrue(e.getMessage().contains("declares"), e.getMessage());
    }

    @Test
    void refusesBlobWithChangedContent() throws IOException {
        byte[] changed = BLOB_A.clone();
        changed[0] ^= 1;
        AirlockException e = refused(AirlockException.Kind.DIGEST_MISMATCH, "content", l -> l.set(4, Entry.file(path(BLOB_A), changed)));
        assertTrue(e.getMessage().contains("hashes to"), e.getMessage());
    }

    @Test
    void refusesSignatureNotFirst() throws IOException {
        AirlockException e = refused("sigorder", l -> l.add(0, l.remove(1)));
        assertTrue(e.getMessage().contains("must start with"), e.getMessage());
    }

    @Test
    void refusesSignedManifestWithATagThatWouldEscapeTheRegistryUrl() throws IOException {
        BundleManifest m = manifest();
        BundleManifest hostile = new BundleManifest(m.format(), m.channel(), m.sequence(), null, m.created(), m.tool(), m.layout(),
                List.of(new BundleManifest.Image("r.example/a:x", "r.example", "a", "../../v2/other/manifests/latest",
                        Digest.sha256Of(BLOB_A).toString(), "application/vnd.oci.image.manifest.v1+json")),
                m.blobs(), m.requires());
        AirlockException e = assertThrows(AirlockException.class, () -> BundleManifest.parse(hostile.toJson()));
        assertEquals(AirlockException.Kind.MALFORMED_BUNDLE, e.kind());
        assertTrue(e.getMessage().contains("invalid tag"), e.getMessage());
    }

    @Test
    void refusesSignedManifestWithInvalidNamesOrMediaTypes_asMalformed() {
        BundleManifest m = manifest();
        String layer = Digest.sha256Of(BLOB_A).toString();
        String oci = "application/vnd.oci.image.manifest.v1+json";
        List<BundleManifest.Image> badImages = List.of(
                new BundleManifest.Image("r.example/A:x", "r.example", "Upper/Case", "x", layer, oci),
                new BundleManifest.Image("r.example/a:x", "r.example", "a/../../etc", "x", layer, oci),
                new BundleManifest.Image("r.example/a:x", "r.example", "a//b", "x", layer, oci),
                new BundleManifest.Image("r.example/a:x", "evil.example/path", "a", "x", layer, oci),
                new BundleManifest.Image("r.example/a:x", "r.example", "a", "x", layer, "text/html"));
        for (BundleManifest.Image bad : badImages) {
            BundleManifest hostile = new BundleManifest(m.format(), m.channel(), m.sequence(), null, m.created(), m.tool(), m.layout(),
                    List.of(bad), m.blobs(), m.requires());
            AirlockException e = assertThrows(AirlockException.class, () -> BundleManifest.parse(hostile.toJson()), bad.toString());
            assertEquals(AirlockException.Kind.MALFORMED_BUNDLE, e.kind(), e.getMessage());
            assertTrue(e.getMessage().contains("bundle.json") && e.getMessage().contains(bad.source()), e.getMessage());
        }
        List<BundleManifest.Blob> badBlobs = new ArrayList<>(m.blobs());
        badBlobs.set(0, new BundleManifest.Blob(badBlobs.get(0).digest(), badBlobs.get(0).size(), "text/plain; charset=\"x\""));
        BundleManifest hostile = new BundleManifest(m.format(), m.channel(), m.sequence(), null, m.created(), m.tool(), m.layout(),
                m.images(), badBlobs, m.requires());
        AirlockException e = assertThrows(AirlockException.class, () -> BundleManifest.parse(hostile.toJson()));
        assertEquals(AirlockException.Kind.MALFORMED_BUNDLE, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("media type"), e.getMessage());
    }

    @Test
    void refusesATarWithMoreEntriesThanAnyBundle_beforeHoldingTheirHeaders() throws IOException {
        List<Entry> entries = valid();
        for (int i = 0; i < 60; i++) {
            entries.add(Entry.file("junk/" + i, new byte[0]));
        }
        Path file = write("many", entries);
        AirlockException e = assertThrows(AirlockException.class, () -> UntrustedBundle.open(file, 10).close());
        assertEquals(AirlockException.Kind.MALFORMED_BUNDLE, e.kind());
        assertTrue(e.getMessage().contains("more than 10 entries"), e.getMessage());
        UntrustedBundle.open(write("few", valid()), 10).close();
    }

    @Test
    void refusesTruncatedFile() throws IOException {
        Path file = write("trunc", valid());
        byte[] all = Files.readAllBytes(file);
        Path cut = tmp.resolve("cut.tar");
        Files.write(cut, java.util.Arrays.copyOf(all, 3000));
        AirlockException e = assertThrows(AirlockException.class, () -> {
            try (UntrustedBundle b = UntrustedBundle.open(cut)) {
                b.verify(trust).manifest().blobs();
            }
        });
        assertEquals(AirlockException.Kind.MALFORMED_BUNDLE, e.kind(), e.getMessage());
    }

    @Test
    void refusesNonTar() throws IOException {
        Path junk = tmp.resolve("junk.tar");
        Files.writeString(junk, "this is not a tar archive at all, just words".repeat(20));
        AirlockException e = assertThrows(AirlockException.class, () -> UntrustedBundle.open(junk).close());
        assertEquals(AirlockException.Kind.MALFORMED_BUNDLE, e.kind());
    }
}
