package dev.airlock.copy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.digest.Digest;
import dev.airlock.error.AirlockException;
import dev.airlock.io.BlobContent;
import dev.airlock.io.BlobSink;
import dev.airlock.io.TransferListener;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.RawManifest;
import dev.airlock.testing.ForbiddenSink;
import dev.airlock.testing.ForbiddenSource;
import dev.airlock.testing.MemorySink;
import dev.airlock.testing.MemorySink.Call;
import dev.airlock.testing.MemorySink.Mode;
import dev.airlock.testing.MemorySink.Op;
import dev.airlock.testing.MemorySource;
import dev.airlock.testing.TestImages;
import dev.airlock.testing.TestImages.Image;
import dev.airlock.testing.TestImages.Layer;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The copy engine, once, with sources and sinks in memory: the order it writes in (blobs, then
 * child manifests, then indexes, then tags after every image), what it copies (each blob once, then
 * mounted; never a blob that is elsewhere; largest first), how much at once, and how it ends on the
 * first failure (at once, with that failure, nothing after the blobs written, nothing left running).
 * Every test runs on its own thread with a time limit: a runner that waits on a task it dropped
 * fails the test instead of hanging the build.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CopyEngineTest {
    private static final Repo SRC_A = new Repo("src.example", "app/multi");
    private static final Repo SRC_B = new Repo("src.example", "app/single");
    private static final Repo DST_A = new Repo("dst.example", "mirror/multi");
    private static final Repo DST_B = new Repo("dst.example", "mirror/single");

    private final Layer shared = Layer.random(1, 300_000);
    private final Layer amdOnly = Layer.random(2, 700_000);
    private final Layer armOnly = Layer.random(3, 500_000);
    private final Layer singleOnly = Layer.random(4, 90_000);
    private final Image amd = TestImages.image(true, "amd64", null, amdOnly, shared);
    private final Image arm = TestImages.image(true, "arm64", "v8", armOnly, shared);
    private final Image multi = TestImages.index(true, List.of(amd, arm), List.of(new String[] {"amd64"}, new String[] {"arm64", "v8"}));
    private final Image single = TestImages.image(false, "amd64", null, shared, singleOnly);

    private MemorySource twoImages() {
        return new MemorySource().add(SRC_A, "1.0", multi).add(SRC_B, "2.0", single);
    }

    private static CopyPlan.Image planned(ImageSource source, Repo from, Repo to, String tag) {
        return new CopyPlan.Image(from, to, CopyEngine.walk(source, from, tag), tag);
    }

    private CopyPlan twoImagePlan(MemorySource source) {
        return new CopyPlan(List.of(planned(source, SRC_A, DST_A, "1.0"), planned(source, SRC_B, DST_B, "2.0")), Set.of(), List.of());
    }

    /** Sequence number of the last call that put {@code digest} in place in {@code repo} (a completed put or a mount). */
    private static long placedAt(List<Call> calls, Repo repo, Digest digest) {
        return calls.stream().filter(c -> (c.op() == Op.BLOB_END || c.op() == Op.MOUNT) && c.repo().equals(repo) && c.digest().equals(digest))
                .mapToLong(Call::seq).max().orElseThrow(() -> new AssertionError(digest + " never placed in " + repo + ": " + calls));
    }

    private static long manifestAt(List<Call> calls, Repo repo, Digest digest) {
        return calls.stream().filter(c -> c.op() == Op.MANIFEST && c.repo().equals(repo) && c.digest().equals(digest))
                .mapToLong(Call::seq).findFirst().orElseThrow(() -> new AssertionError("manifest " + digest + " never put in " + repo));
    }

    @ParameterizedTest(name = "parallelism {0}, {1}")
    @CsvSource({"1, PUSH", "1, UPLOAD", "4, PUSH", "4, UPLOAD"})
    void run_writesEveryBlobBeforeItsManifests_childrenBeforeIndex_andTagsAfterAllImages(int parallelism, Mode mode) {
        MemorySource source = twoImages();
        MemorySink sink = new MemorySink(mode);

        CopyReport report = new CopyEngine(parallelism, TransferListener.NONE).run(twoImagePlan(source), source, sink, "copying");

        List<Call> calls = sink.calls();
        assertEquals(List.of(), sink.violations());
        // Every blob of an image is in its target before any of that image's manifests.
        for (Object[] image : new Object[][] {{multi, DST_A}, {single, DST_B}}) {
            Image img = (Image) image[0];
            Repo target = (Repo) image[1];
            long firstManifest = img.allManifests().stream().mapToLong(m -> manifestAt(calls, target, m.digest())).min().orElseThrow();
            for (Digest blob : blobsOf(img)) {
                assertTrue(placedAt(calls, target, blob) < firstManifest, blob + " placed after a manifest of its image: " + calls);
            }
        }
        // Children before the index that names them.
        long index = manifestAt(calls, DST_A, multi.manifest().digest());
        assertTrue(manifestAt(calls, DST_A, amd.manifest().digest()) < index, calls.toString());
        assertTrue(manifestAt(calls, DST_A, arm.manifest().digest()) < index, calls.toString());
        // Tags only after every blob and manifest of every image.
        long lastWrite = calls.stream().filter(c -> c.op() != Op.TAG).mapToLong(Call::seq).max().orElseThrow();
        long firstTag = calls.stream().filter(c -> c.op() == Op.TAG).mapToLong(Call::seq).min().orElseThrow();
        assertTrue(firstTag > lastWrite, "a tag before the last blob or manifest: " + calls);
        assertEquals(2, sink.calls(Op.TAG).size());

        // And what landed is the images, byte for byte.
        assertEquals(Map.of("1.0", multi.manifest().digest()), sink.tags(DST_A));
        assertEquals(Map.of("2.0", single.manifest().digest()), sink.tags(DST_B));
        for (Digest blob : blobsOf(multi)) {
            assertArrayEquals(source.bytes(blob), sink.blobs(DST_A).get(blob), blob.toString());
        }
        for (Digest blob : blobsOf(single)) {
            assertArrayEquals(source.bytes(blob), sink.blobs(DST_B).get(blob), blob.toString());
        }
        // 7 distinct blobs written once each, the shared layer mounted into the second target.
        assertEquals(new CopyReport(7, blobBytes(source, multi, single), 1, 0, 4, 2), report);
    }

    @ParameterizedTest(name = "parallelism {0}")
    @ValueSource(ints = {1, 4})
    void run_putsAttachmentsAfterTheirSubject_findableByTagAndAsReferrer_beforeTheImagesTag(int parallelism) {
        Image sig = TestImages.artifact(null, null, "application/vnd.dev.cosign.simplesigning.v1+json",
                "payload".getBytes(java.nio.charset.StandardCharsets.UTF_8), Map.of());
        Image sbom = TestImages.artifact("application/spdx+json", amd.manifest(), "application/spdx+json",
                "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8), Map.of());
        Image sbomSig = TestImages.artifact("application/vnd.dev.cosign.artifact.sig.v1+json", sbom.manifest(),
                "application/vnd.dev.cosign.simplesigning.v1+json", "s".getBytes(java.nio.charset.StandardCharsets.UTF_8), Map.of());
        MemorySource source = twoImages().add(SRC_A, null, sig).add(SRC_A, null, sbom).add(SRC_A, null, sbomSig);
        String sigTag = "sha256-" + multi.manifest().digest().hex() + ".sig";
        dev.airlock.oci.AttachmentKind kind = new dev.airlock.oci.AttachmentKind(dev.airlock.oci.AttachmentKind.Type.SIGNATURE, null);
        List<Attached> attached = List.of(
                new Attached(multi.manifest().digest(), CopyEngine.walk(source, SRC_A, sig.manifest().digest().toString()), sigTag, false, kind),
                new Attached(amd.manifest().digest(), CopyEngine.walk(source, SRC_A, sbom.manifest().digest().toString()), null, true, kind),
                new Attached(sbom.manifest().digest(), CopyEngine.walk(source, SRC_A, sbomSig.manifest().digest().toString()), null, true,
                        kind));
        CopyPlan plan = new CopyPlan(List.of(new CopyPlan.Image(SRC_A, DST_A, CopyEngine.walk(source, SRC_A, "1.0"), "1.0", attached),
                planned(source, SRC_B, DST_B, "2.0")), Set.of(), List.of());
        MemorySink sink = new MemorySink(Mode.PUSH);

        new CopyEngine(parallelism, TransferListener.NONE).run(plan, source, sink, "copying");

        List<Call> calls = sink.calls();
        assertEquals(List.of(), sink.violations(), "the sink refuses a referrer or tag before what it names is in place");
        assertTrue(manifestAt(calls, DST_A, sbom.manifest().digest()) > manifestAt(calls, DST_A, amd.manifest().digest()), calls.toString());
        assertTrue(manifestAt(calls, DST_A, sbomSig.manifest().digest()) > manifestAt(calls, DST_A, sbom.manifest().digest()), calls.toString());
        List<Call> referrers = sink.calls(Op.REFERRER);
        assertEquals(List.of(sbom.manifest().digest(), sbomSig.manifest().digest()), referrers.stream().map(Call::digest).toList());
        assertEquals(sig.manifest().digest(), sink.tags(DST_A).get(sigTag), "the cosign tag keeps its name");
        long imageTag = calls.stream().filter(c -> c.op() == Op.TAG && "1.0".equals(c.tag())).mapToLong(Call::seq).min().orElseThrow();
        long sigTagged = calls.stream().filter(c -> c.op() == Op.TAG && sigTag.equals(c.tag())).mapToLong(Call::seq).min().orElseThrow();
        long lastReferrer = referrers.stream().mapToLong(Call::seq).max().orElseThrow();
        assertTrue(sigTagged < imageTag && lastReferrer < imageTag, "the image's tag before its attachments: " + calls);
        for (Digest blob : List.of(Digest.sha256Of("payload".getBytes(java.nio.charset.StandardCharsets.UTF_8)))) {
            assertArrayEquals(source.bytes(blob), sink.blobs(DST_A).get(blob));
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Mode.class)
    void run_copiesASharedBlobOnce_andMountsItIntoTheOtherTarget(Mode mode) {
        MemorySource source = twoImages();
        MemorySink sink = new MemorySink(mode);

        new CopyEngine(4, TransferListener.NONE).run(twoImagePlan(source), source, sink, "copying");

        // shared is in both children of the index and in the single image: read once, written once, mounted once.
        assertEquals(1, source.reads(shared.digest()));
        List<Call> puts = sink.calls(Op.BLOB_START).stream().filter(c -> c.digest().equals(shared.digest())).toList();
        assertEquals(1, puts.size(), puts.toString());
        List<Call> mounts = sink.calls(Op.MOUNT).stream().filter(c -> c.digest().equals(shared.digest())).toList();
        assertEquals(1, mounts.size(), mounts.toString());
        assertTrue(!mounts.get(0).repo().equals(puts.get(0).repo()), "mounted into the other target: " + mounts + " " + puts);
        assertTrue(mounts.get(0).seq() > sink.calls(Op.BLOB_END).stream().filter(c -> c.digest().equals(shared.digest()))
                .findFirst().orElseThrow().seq(), "mounted only once written");
        assertArrayEquals(source.bytes(shared.digest()), sink.blobs(DST_B).get(shared.digest()));
        // Every other blob: one read, one put.
        for (Digest d : List.of(amdOnly.digest(), armOnly.digest(), singleOnly.digest())) {
            assertEquals(1, source.reads(d), d.toString());
            assertEquals(1, sink.calls(Op.BLOB_START).stream().filter(c -> c.digest().equals(d)).count(), d.toString());
        }
    }

    @Test
    void run_whenTheSinkCannotMount_copiesTheSharedBlobIntoEachTarget() {
        MemorySource source = twoImages();
        MemorySink sink = new MemorySink(Mode.PUSH).withoutMounts();

        CopyReport report = new CopyEngine(4, TransferListener.NONE).run(twoImagePlan(source), source, sink, "copying");

        assertEquals(2, source.reads(shared.digest()));
        assertEquals(Set.of(DST_A, DST_B), sink.calls(Op.BLOB_END).stream().filter(c -> c.digest().equals(shared.digest()))
                .map(Call::repo).collect(Collectors.toSet()));
        assertEquals(0, report.blobsMounted());
        assertEquals(List.of(), sink.violations());
        assertEquals(Map.of("2.0", single.manifest().digest()), sink.tags(DST_B));
    }

    @Test
    void run_neverReadsNorWritesABlobThatIsElsewhere() {
        MemorySource source = twoImages();
        // The far side has the shared layer by other means (an earlier bundle); this source does not.
        source.drop(shared.digest());
        MemorySink sink = new MemorySink(Mode.PUSH).holding(DST_A, shared.digest(), sharedBytes()).holding(DST_B, shared.digest(), sharedBytes());
        CopyPlan plan = new CopyPlan(twoImagePlan(twoImages()).images(), Set.of(shared.digest()), List.of());

        CopyReport report = new CopyEngine(4, TransferListener.NONE).run(plan, source, sink, "copying");

        assertEquals(0, source.reads(shared.digest()));
        assertEquals(List.of(), sink.calls().stream().filter(c -> c.digest() != null && c.digest().equals(shared.digest())).toList());
        assertEquals(List.of(), sink.violations());
        assertEquals(6, report.blobsWritten());
        assertEquals(Map.of("1.0", multi.manifest().digest()), sink.tags(DST_A));
    }

    @Test
    void run_withEveryBlobElsewhere_neverTouchesTheSource() {
        MemorySource images = twoImages();
        CopyPlan.Image image = planned(images, SRC_B, DST_B, "2.0");
        MemorySink sink = new MemorySink(Mode.UPLOAD);
        for (Digest d : blobsOf(single)) {
            sink.holding(DST_B, d, images.bytes(d));
        }
        ForbiddenSource source = new ForbiddenSource();

        new CopyEngine(4, TransferListener.NONE).run(new CopyPlan(List.of(image), Set.copyOf(blobsOf(single)), List.of()), source, sink, "copying");

        assertEquals(List.of(), source.calls());
        assertEquals(List.of(), sink.calls(Op.BLOB_START));
        assertEquals(List.of(), sink.calls(Op.HAS_BLOB));
        assertEquals(Map.of("2.0", single.manifest().digest()), sink.tags(DST_B));
    }

    @Test
    void run_planThatNamesABlobWithTwoSizes_isMalformed_beforeTouchingTheSink() {
        Layer layer = Layer.random(7, 1000);
        Layer sameDigestOtherSize = new Layer(7, 1001, layer.digest());
        MemorySource source = new MemorySource().add(SRC_A, "1", TestImages.image(true, "amd64", null, layer))
                .add(SRC_B, "1", TestImages.image(true, "arm64", null, sameDigestOtherSize));
        CopyPlan plan = new CopyPlan(List.of(planned(source, SRC_A, DST_A, "1"), planned(source, SRC_B, DST_B, "1")), Set.of(), List.of());
        ForbiddenSink sink = new ForbiddenSink();

        AirlockException e = assertThrows(AirlockException.class,
                () -> new CopyEngine(4, TransferListener.NONE).run(plan, source, sink, "copying"));

        assertEquals(AirlockException.Kind.MALFORMED_BUNDLE, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains(layer.digest().toString()), e.getMessage());
        assertEquals(List.of(), sink.calls());
    }

    @Test
    void run_startsTheLargestBlobFirst() {
        MemorySource source = twoImages();
        MemorySink sink = new MemorySink(Mode.PUSH);

        new CopyEngine(1, TransferListener.NONE).run(twoImagePlan(source), source, sink, "copying");

        List<Long> sizes = sink.calls(Op.BLOB_START).stream().map(c -> (long) source.bytes(c.digest()).length).toList();
        List<Long> descending = sizes.stream().sorted(Comparator.reverseOrder()).toList();
        assertEquals(7, sizes.size());
        assertEquals(descending, sizes, "blobs in the order they started: " + sink.calls(Op.BLOB_START));
    }

    @Test
    void run_again_writesNothing_andMovesNoTag() {
        MemorySource source = twoImages();
        MemorySink sink = new MemorySink(Mode.PUSH);
        CopyEngine engine = new CopyEngine(4, TransferListener.NONE);
        engine.run(twoImagePlan(source), source, sink, "copying");
        int before = sink.calls(Op.BLOB_START).size();

        CopyReport again = engine.run(twoImagePlan(source), source, sink, "copying");

        assertEquals(before, sink.calls(Op.BLOB_START).size());
        assertEquals(List.of(0L, 0L, 0L, 0L, 0L), List.of((long) again.blobsWritten(), again.bytesWritten(), (long) again.blobsMounted(),
                (long) again.manifestsWritten(), (long) again.tagsMoved()), again.toString());
        assertTrue(again.blobsPresent() >= 7, again.toString());
    }

    /** One image of {@code layers} layers, sizes distinct, the largest last. */
    private static Image manyLayers(int layers) {
        Layer[] ls = new Layer[layers];
        for (int i = 0; i < layers; i++) {
            ls[i] = Layer.random(100 + i, 10_000 + 100L * i);
        }
        return TestImages.image(true, "amd64", null, ls);
    }

    @ParameterizedTest(name = "parallelism {0}")
    @ValueSource(ints = {2, 3, 5})
    void run_neverHasMoreThanParallelismBlobTransfersAtOnce(int parallelism) {
        Image image = manyLayers(24);
        MemorySource source = new MemorySource().add(SRC_A, "1", image);
        MemorySink sink = new MemorySink(Mode.UPLOAD);
        // Each transfer waits for the others to be in flight too, then lingers, so that any the engine
        // allowed beyond the parallelism would start while these are still running.
        sink.onCall(c -> {
            if (c.op() == Op.BLOB_START) {
                long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300);
                while (sink.inFlight() < parallelism && System.nanoTime() < deadline) {
                    sleep(1);
                }
                sleep(15);
            }
        });

        new CopyEngine(parallelism, TransferListener.NONE).run(new CopyPlan(List.of(planned(source, SRC_A, DST_A, "1")), Set.of(),
                List.of()), source, sink, "copying");

        assertEquals(25, sink.calls(Op.BLOB_END).size());
        assertEquals(parallelism, sink.maxInFlight(), "blob transfers at once, at most (and, here, exactly) the parallelism");
    }

    /** A source whose reader for one blob blocks until it is interrupted (at most 30 s, then says it never was). */
    private static final class StallingSource implements ImageSource {
        final MemorySource delegate;
        final Digest stalled;
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch exited = new CountDownLatch(1);
        final AtomicBoolean interrupted = new AtomicBoolean();

        StallingSource(MemorySource delegate, Digest stalled) {
            this.delegate = delegate;
            this.stalled = stalled;
        }

        @Override
        public RawManifest manifest(Repo repo, String reference) {
            return delegate.manifest(repo, reference);
        }

        @Override
        public BlobReader blob(Repo repo, Descriptor blob) {
            if (!blob.digest().equals(stalled)) {
                return delegate.blob(repo, blob);
            }
            return new BlobReader() {
                @Override
                public void writeTo(BlobSink sink) throws InterruptedIOException {
                    started.countDown();
                    try {
                        new CountDownLatch(1).await(30, TimeUnit.SECONDS);
                        throw AirlockException.internal("the stalled read was never interrupted", null);
                    } catch (InterruptedException e) {
                        interrupted.set(true);
                        throw new InterruptedIOException("stalled read interrupted");
                    } finally {
                        exited.countDown();
                    }
                }

                @Override
                public BlobContent content() {
                    throw new UnsupportedOperationException();
                }
            };
        }
    }

    @ParameterizedTest(name = "parallelism {0}")
    @ValueSource(ints = {1, 4, 16})
    void run_firstFailureWithManyQueued_endsAtOnceWithThatFailure_writesNoManifestNorTag_leavesNothingRunning(int parallelism)
            throws Exception {
        Image image = manyLayers(40);
        MemorySource memory = new MemorySource().add(SRC_A, "1", image);
        List<Digest> bySize = blobsOf(image).stream().sorted(Comparator.comparingInt((Digest d) -> memory.bytes(d).length).reversed()).toList();
        // At parallelism 1 blobs go one after the other: no stalled read can be in flight with the failing one.
        Digest stalledBlob = parallelism > 1 ? bySize.get(0) : null;
        Digest failingBlob = parallelism > 1 ? bySize.get(1) : bySize.get(4);
        StallingSource source = new StallingSource(memory, stalledBlob);
        MemorySink sink = new MemorySink(Mode.PUSH);
        AirlockException injected = new AirlockException(AirlockException.Kind.LOCAL, "injected: no space left writing " + failingBlob);
        sink.onCall(c -> {
            if (c.op() != Op.BLOB_START) {
                return;
            }
            if (c.digest().equals(failingBlob)) {
                if (stalledBlob != null) {
                    await(source.started, "the stalled read to start");
                }
                throw injected;
            }
            sleep(150); // the other blobs take a while, so some are still queued when the failure comes (even on a loaded machine)
        });
        CopyPlan plan = new CopyPlan(List.of(planned(memory, SRC_A, DST_A, "1")), Set.of(), List.of());

        long t0 = System.nanoTime();
        AirlockException e = assertThrows(AirlockException.class,
                () -> new CopyEngine(parallelism, TransferListener.NONE).run(plan, source, sink, "copying"));
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

        assertEquals(AirlockException.Kind.LOCAL, e.kind(), e.toString());
        assertTrue(e.getMessage().contains("injected: no space left writing " + failingBlob), e.getMessage());
        assertTrue(millis < 3000, "the run took " + millis + " ms to end after the failure");
        if (stalledBlob != null) {
            assertTrue(source.interrupted.get(), "the stalled read in flight was interrupted");
            assertEquals(0, source.exited.getCount(), "the stalled read had ended when the run returned");
        }
        List<Call> calls = sink.calls();
        assertEquals(List.of(), calls.stream().filter(c -> c.op() == Op.MANIFEST || c.op() == Op.HAS_MANIFEST || c.op() == Op.TAG)
                .toList(), "no manifest and no tag after a failed blob");
        long started = calls.stream().filter(c -> c.op() == Op.BLOB_START).count();
        assertTrue(started < 41, "queued blobs were cancelled, yet " + started + " of 41 started");
        if (parallelism == 1) {
            assertEquals(5, started, "nothing starts after the failing blob: " + calls);
        }
        // Nothing still running: no transfer in flight, no call comes later, no worker thread left.
        assertEquals(0, sink.inFlight());
        sleep(300);
        assertEquals(calls.size(), sink.calls().size(), "calls after the run ended: " + sink.calls().subList(calls.size(), sink.calls().size()));
        assertNoThreadNamed("airlock-blob");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Mode.class)
    void run_blobThatDoesNotMatchItsDigest_isDigestMismatch_neverCompletesInTheSink_andNoManifestIsWritten(Mode mode) {
        MemorySource source = twoImages().corrupt(armOnly.digest(), (int) armOnly.size() - 1);
        MemorySink sink = new MemorySink(mode);

        AirlockException e = assertThrows(AirlockException.class,
                () -> new CopyEngine(4, TransferListener.NONE).run(twoImagePlan(source), source, sink, "copying"));

        assertEquals(AirlockException.Kind.DIGEST_MISMATCH, e.kind(), e.toString());
        assertTrue(e.getMessage().contains(armOnly.digest().toString()), e.getMessage());
        assertTrue(sink.mostReceived(armOnly.digest()) < armOnly.size(), "the bad blob's last bytes were never handed over");
        assertTrue(!sink.anyManifest() && !sink.anyTag(), "nothing after the blobs");
        assertEquals(List.of(), sink.calls(Op.MANIFEST));
    }

    private static void assertNoThreadNamed(String name) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        List<Thread> alive;
        do {
            alive = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(name) && t.isAlive()).toList();
            if (alive.isEmpty()) {
                return;
            }
            sleep(20);
        } while (System.nanoTime() < deadline);
        Map<String, String> stacks = new HashMap<>();
        for (Thread t : alive) {
            stacks.put(t.toString(), java.util.Arrays.toString(t.getStackTrace()));
        }
        throw new AssertionError(alive.size() + " " + name + " thread(s) still alive after the run: " + stacks);
    }

    private byte[] sharedBytes() {
        try {
            return shared.bytes();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Config and layer digests of an image and all its children. */
    private static List<Digest> blobsOf(Image image) {
        List<Digest> out = new ArrayList<>(image.blobs().keySet());
        for (Image c : image.children()) {
            blobsOf(c).stream().filter(d -> !out.contains(d)).forEach(out::add);
        }
        return out;
    }

    private static long blobBytes(MemorySource source, Image... images) {
        java.util.Set<Digest> all = new java.util.LinkedHashSet<>();
        for (Image i : images) {
            all.addAll(blobsOf(i));
        }
        return all.stream().mapToLong(d -> source.bytes(d).length).sum();
    }

    private static void await(CountDownLatch latch, String what) {
        try {
            if (!latch.await(5, TimeUnit.SECONDS)) {
                throw new AssertionError("timed out waiting for " + what);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted waiting for " + what);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
