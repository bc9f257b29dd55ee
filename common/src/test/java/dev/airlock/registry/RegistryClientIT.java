package dev.airlock.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.io.BlobContent;
import dev.airlock.io.FileRegion;
import dev.airlock.digest.Digest;
import dev.airlock.error.AirlockException;
import dev.airlock.oci.RawManifest;
import dev.airlock.testing.RegistryExtension;
import dev.airlock.testing.RegistryExtension.Registries;
import dev.airlock.testing.TestImages;
import dev.airlock.testing.TestRegistry;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The registry client against the real CNCF registry: TLS, basic auth, uploads, mounts. */
@ExtendWith(RegistryExtension.class)
class RegistryClientIT {
    static final byte[] BLOB = TestImagesBytes.random(7, 300_000);

    static BlobContent content(byte[] b) {
        return offset -> new ByteArrayInputStream(b, (int) offset, b.length - (int) offset);
    }

    @Test
    void tlsWithCaFile_andBasicAuth_pushAndPullByteExact(Registries registries) throws Exception {
        TestRegistry tls = registries.tls();
        RegistryClient.Repository repo = tls.client().repository(tls.host(), "a/b");
        Digest d = Digest.sha256Of(BLOB);
        assertTrue(repo.pushBlob(d, BLOB.length, content(BLOB), 0));
        assertFalse(repo.pushBlob(d, BLOB.length, content(BLOB), 0), "second push is skipped by HEAD");
        assertArrayEquals(BLOB, fetch(repo, d, BLOB.length));
        TestImages.Image odd = TestImages.oddlyFormatted(TestImages.Layer.random(3, 1000));
        TestImages.push(tls.client(), tls.host(), "a/b", "odd", odd);
        RawManifest back = repo.getManifest("odd");
        assertArrayEquals(odd.manifest().bytes(), back.bytes(), "manifest bytes survive unchanged");
        assertEquals(Optional.of(odd.manifest().digest()), repo.headManifest("odd"));
    }

    @Test
    void wrongPassword_isAuthRefused(Registries registries) throws Exception {
        TestRegistry tls = registries.tls();
        RegistryClient bad = new RegistryClient(RegistryOptions.defaults().withCaFile(tls.caFile())
                .withCredentials(h -> Optional.of(new Credentials(TestRegistry.USER, "wrong"))).withRetries(2, Duration.ofMillis(10)));
        AirlockException e = assertThrows(AirlockException.class, () -> bad.repository(tls.host(), "a/b").hasBlob(Digest.sha256Of(BLOB)));
        assertEquals(AirlockException.Kind.AUTH_REFUSED, e.kind());
        assertTrue(e.getMessage().contains("check the credentials"), e.getMessage());
        RegistryClient none = new RegistryClient(RegistryOptions.defaults().withCaFile(tls.caFile()).withRetries(2, Duration.ofMillis(10)));
        AirlockException e2 = assertThrows(AirlockException.class, () -> none.repository(tls.host(), "a/b").hasBlob(Digest.sha256Of(BLOB)));
        assertTrue(e2.getMessage().contains("requires a login"), e2.getMessage());
    }

    @Test
    void untrustedCertificate_failsWithHint(Registries registries) throws Exception {
        TestRegistry tls = registries.tls();
        RegistryClient noCa = new RegistryClient(RegistryOptions.defaults().withRetries(2, Duration.ofMillis(10)));
        AirlockException e = assertThrows(AirlockException.class, () -> noCa.repository(tls.host(), "a/b").hasBlob(Digest.sha256Of(BLOB)));
        assertTrue(e.getMessage().contains("--ca-file"), e.getMessage());
    }

    @Test
    void chunkedUpload_andCrossRepositoryMount(Registries registries) throws Exception {
        TestRegistry plain = registries.plain();
        RegistryClient client = new RegistryClient(RegistryOptions.defaults().withInsecure(Set.of(plain.host())));
        Digest d = Digest.sha256Of(BLOB);
        RegistryClient.Repository a = client.repository(plain.host(), "team/a");
        a.uploadBlob(d, BLOB.length, content(BLOB), 64 * 1024);
        assertArrayEquals(BLOB, fetch(a, d, BLOB.length));
        RegistryClient.Repository b = client.repository(plain.host(), "team/b");
        assertFalse(b.hasBlob(d));
        assertTrue(b.mountBlob(d, "team/a"));
        assertTrue(b.hasBlob(d));
        assertFalse(client.repository(plain.host(), "team/c").mountBlob(Digest.sha256Of(new byte[] {1}), "team/a"),
                "mounting an absent blob reports false");
    }

    /**
     * A registry stopped while it committed an upload (NetworkFaultIT restarts one mid-push) can be
     * left with the repository's link to the blob empty: distribution then answers every HEAD of that
     * blob with HTTP 500, and a push that asks first failed on every rerun. The blob is uploaded
     * instead, which writes the link anew: the repository is whole again.
     */
    @Test
    void blobHeadAnsweredWith500ByABrokenRepositoryLink_isUploadedAgain_andTheLinkHealed(Registries registries) throws Exception {
        TestRegistry plain = registries.plain();
        RegistryClient client = new RegistryClient(RegistryOptions.defaults().withInsecure(Set.of(plain.host()))
                .withRetries(2, Duration.ofMillis(10)));
        byte[] blob = TestImagesBytes.random(11, 50_000);
        Digest d = Digest.sha256Of(blob);
        RegistryClient.Repository repo = client.repository(plain.host(), "healing/link");
        assertTrue(repo.pushBlob(d, blob.length, content(blob), 0));
        java.nio.file.Path link = plain.dir().resolve("data/docker/registry/v2/repositories/healing/link/_layers/sha256")
                .resolve(d.hex()).resolve("link");
        java.nio.file.Files.write(link, new byte[0]);
        java.net.http.HttpResponse<Void> head = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://" + plain.host() + "/v2/healing/link/blobs/" + d)).method("HEAD",
                java.net.http.HttpRequest.BodyPublishers.noBody()).build(), java.net.http.HttpResponse.BodyHandlers.discarding());
        assertEquals(500, head.statusCode(), "the registry's answer to a HEAD through an empty link (the case this stands for)");

        assertTrue(repo.pushBlob(d, blob.length, content(blob), 0), "uploaded again");

        assertTrue(repo.hasBlob(d));
        assertArrayEquals(blob, fetch(repo, d, blob.length));
    }

    @Test
    void uploadOfWrongContent_isRefusedAndNotCommitted(Registries registries) throws Exception {
        TestRegistry plain = registries.plain();
        RegistryClient client = new RegistryClient(RegistryOptions.defaults().withInsecure(Set.of(plain.host())));
        RegistryClient.Repository a = client.repository(plain.host(), "team/a");
        Digest claimed = Digest.sha256Of("something else".getBytes());
        AirlockException e = assertThrows(AirlockException.class, () -> a.uploadBlob(claimed, BLOB.length,
                offset -> new dev.airlock.digest.VerifyingInputStream(new ByteArrayInputStream(BLOB), claimed, BLOB.length, "blob"), 0));
        assertEquals(AirlockException.Kind.DIGEST_MISMATCH, e.kind(), e.getMessage());
        assertFalse(a.hasBlob(claimed));
        assertFalse(a.hasBlob(Digest.sha256Of(BLOB)));
    }

    /**
     * Upload bodies read from a file go through pooled direct buffers that are reused once the
     * HTTP client has consumed them: many parallel uploads of multi-buffer blobs from one file,
     * over plain HTTP and TLS, twice (the second round runs on reused buffers), must each land
     * byte for byte; and a region whose bytes do not match its digest is still never committed.
     */
    @Test
    @org.junit.jupiter.api.Timeout(90) // a buffer reused too early can also stall the upload
    void parallelUploadsFromOneFile_reusePooledBuffers_withoutMixingBytes(Registries registries) throws Exception {
        java.nio.file.Path file = java.nio.file.Files.createTempFile("airlock-regions", ".bin");
        try {
            java.util.Random random = new java.util.Random(11);
            java.util.List<byte[]> blobs = new java.util.ArrayList<>();
            java.util.List<Long> starts = new java.util.ArrayList<>();
            long pos = 0;
            try (java.nio.channels.FileChannel out = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
                for (int i = 0; i < 16; i++) {
                    byte[] b = new byte[i % 4 == 0 ? 1 + random.nextInt(2000) : (1 << 20) + random.nextInt(3 << 20)];
                    random.nextBytes(b);
                    blobs.add(b);
                    starts.add(pos);
                    out.write(java.nio.ByteBuffer.wrap(b), pos);
                    pos += b.length + 7; // not aligned to anything
                }
            }
            TestRegistry plain = registries.plain();
            TestRegistry tls = registries.tls();
            RegistryClient plainClient = new RegistryClient(RegistryOptions.defaults().withInsecure(Set.of(plain.host())));
            try (java.nio.channels.FileChannel in = java.nio.channels.FileChannel.open(file)) {
                for (int round = 0; round < 2; round++) {
                    for (TestRegistry r : java.util.List.of(plain, tls)) {
                        RegistryClient client = r == plain ? plainClient : r.client();
                        RegistryClient.Repository repo = client.repository(r.host(), "round" + round + "/many");
                        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(6);
                        try {
                            java.util.List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
                            for (int i = 0; i < blobs.size(); i++) {
                                byte[] b = blobs.get(i);
                                Digest d = Digest.sha256Of(b);
                                FileRegion region = new FileRegion(in, starts.get(i), b.length, d, "blob " + i);
                                long chunk = i % 3 == 0 ? 700_000 : 0; // some chunked, most monolithic
                                done.add(pool.submit(() -> repo.uploadBlob(d, b.length, region, chunk)));
                            }
                            for (java.util.concurrent.Future<?> f : done) {
                                f.get();
                            }
                        } finally {
                            pool.shutdownNow();
                        }
                        for (byte[] b : blobs) {
                            assertArrayEquals(b, fetch(repo, Digest.sha256Of(b), b.length), "blob lands byte for byte");
                        }
                    }
                }
                // A region whose bytes are not what its digest says: refused, never committed.
                Digest claimed = Digest.sha256Of(blobs.get(2));
                RegistryClient.Repository repo = plainClient.repository(plain.host(), "bad/one");
                FileRegion wrong = new FileRegion(in, starts.get(1), blobs.get(2).length, claimed, "blob");
                AirlockException e = assertThrows(AirlockException.class, () -> repo.uploadBlob(claimed, blobs.get(2).length, wrong, 0));
                assertEquals(AirlockException.Kind.DIGEST_MISMATCH, e.kind(), e.getMessage());
                assertFalse(repo.hasBlob(claimed));
            }
        } finally {
            java.nio.file.Files.deleteIfExists(file);
        }
    }

    static byte[] fetch(RegistryClient.Repository repo, Digest d, int size) {
        byte[] got = new byte[size];
        repo.fetchBlob(d, size, (buf, offset) -> buf.get(got, (int) offset, buf.remaining()));
        return got;
    }

    /** Small helper so the class needs no Layer streams. */
    static final class TestImagesBytes {
        static byte[] random(long seed, int n) {
            byte[] b = new byte[n];
            new java.util.Random(seed).nextBytes(b);
            return b;
        }
    }
}
