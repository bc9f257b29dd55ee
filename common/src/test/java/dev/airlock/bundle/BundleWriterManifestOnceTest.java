package dev.airlock.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.airlock.copy.Repo;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.RawManifest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass H: images that share one manifest (two tags of one image; a docker archive's
 * RepoTags) have it put by several manifest tasks at once, each after asking hasManifest, which
 * says no to all until one is done. The second write of the same bytes at the same place was
 * refused by the write check ("bytes of a blob at offset 0 while 269 was next: written out of
 * order"), failing the export as an internal error, 1 run in 6 of 1,500 images sharing one. A
 * manifest is written once; a second put of it, at once or after, does nothing.
 */
class BundleWriterManifestOnceTest {
    @TempDir
    Path tmp;

    @Test
    void putManifest_theSameManifestTwice_writesItOnce_andTheBundleIsWhole() throws Exception {
        byte[] bytes = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":{\"mediaType\":"
                + "\"application/vnd.oci.image.config.v1+json\",\"size\":2,\"digest\":\"sha256:" + "4".repeat(64) + "\"},\"layers\":[]}")
                .getBytes(StandardCharsets.UTF_8);
        RawManifest m = RawManifest.of(bytes, null, "test");
        BundleManifest bm = new BundleManifest(BundleManifest.FORMAT, "test", 1, null, "2026-01-01T00:00:00Z", "test",
                new BundleManifest.Layout(UntrustedBundleTest.ref(UntrustedBundleTest.LAYOUT), UntrustedBundleTest.ref(UntrustedBundleTest.INDEX)),
                List.of(), List.of(new BundleManifest.Blob(m.digest().toString(), bytes.length, MediaTypes.OCI_MANIFEST)), List.of());
        byte[] json = bm.toJson();
        Repo repo = new Repo("bundle", "");
        try (BundleWriter w = BundleWriter.create(tmp.resolve("b.tar"), json, new byte[0], UntrustedBundleTest.LAYOUT,
                UntrustedBundleTest.INDEX, bm)) {
            CyclicBarrier both = new CyclicBarrier(2);
            AtomicReference<Throwable> failed = new AtomicReference<>();
            Runnable put = () -> {
                try {
                    both.await();
                    w.putManifest(repo, m);
                } catch (Throwable t) {
                    failed.compareAndSet(null, t);
                }
            };
            Thread a = new Thread(put);
            Thread b = new Thread(put);
            a.start();
            b.start();
            a.join();
            b.join();
            assertNull(failed.get(), () -> String.valueOf(failed.get()));
            w.putManifest(repo, m); // and once more, after
            w.commit((marker, members) -> { });
        }
        assertEquals(BundleWriter.expectedSize(json.length, 0, UntrustedBundleTest.LAYOUT.length, UntrustedBundleTest.INDEX.length, bm),
                java.nio.file.Files.size(tmp.resolve("b.tar")));
    }
}
