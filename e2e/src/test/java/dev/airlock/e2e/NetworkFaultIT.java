package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.airlock.digest.Digest;
import dev.airlock.testing.FaultProxy;
import dev.airlock.testing.FaultProxy.Exchange;
import dev.airlock.testing.RegistryExtension;
import dev.airlock.testing.RegistryExtension.Registries;
import dev.airlock.testing.TestImages;
import dev.airlock.testing.TestImages.Image;
import dev.airlock.testing.TestImages.Layer;
import dev.airlock.testing.TestRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Network faults between airlock and real registries, injected by a {@link FaultProxy} in front of
 * the target registry (import) or the source registry (export): 503 outages, connection resets
 * and stalls part-way through a blob body, a registry that is down or restarted mid-push, a 500 on
 * one manifest PUT. Each at {@code --parallel} 1, 4 and 16, with more blobs than 16.
 *
 * <p>A registry restart mid-push is run twice: with --retries 3 (backoff shorter than the restart) the
 * run may end with exit 5 or complete; with --retries 6 it must ride through.
 *
 * <p>What every scenario must show: the run ends, with the documented exit code, within a bound
 * derived from {@code --idle-timeout} and {@code --retries} (a run that outlives {@link #HUNG} fails
 * the test as hung); a failure is one line on stderr naming where; a rerun without the fault
 * completes with every image byte-identical to the source; and at no moment during the faulty run
 * or the rerun does a tag of the target point at an image with a missing manifest or blob
 * ({@link RegistryAudit}, polling every 50 ms).
 */
@ExtendWith(RegistryExtension.class)
class NetworkFaultIT {
    /** A run still going after this is hung: the test fails instead of waiting. */
    private static final Duration HUNG = Duration.ofSeconds(30);
    private static final Duration IDLE = Duration.ofSeconds(2);
    private static final int RETRIES = 3;
    /** Room on a busy 2-core machine between the time the options allow and the time a run may take. */
    private static final Duration SLACK = Duration.ofSeconds(8);
    /** A stall that outlasts --idle-timeout 2s, then ends. */
    private static final Duration STALL = Duration.ofSeconds(8);
    private static final int KIB = 1024;

    // Ten blobs of 256 KiB to 2 MiB, eight small ones and five configs: 23 blobs, more than --parallel 16.
    private static final List<Layer> BIG = List.of(
            Layer.random(100, 256 * KIB), Layer.random(101, 384 * KIB), Layer.random(102, 512 * KIB),
            Layer.random(103, 640 * KIB), Layer.random(104, 768 * KIB), Layer.random(105, 1024 * KIB),
            Layer.random(106, 1280 * KIB), Layer.random(107, 1536 * KIB), Layer.random(108, 1792 * KIB),
            Layer.random(109, 2048 * KIB));
    private static final List<Layer> SMALL = List.of(
            Layer.random(200, 4 * KIB), Layer.random(201, 6 * KIB), Layer.random(202, 8 * KIB), Layer.random(203, 10 * KIB),
            Layer.random(204, 12 * KIB), Layer.random(205, 16 * KIB), Layer.random(206, 24 * KIB), Layer.random(207, 32 * KIB));
    /** The largest blob: the one the targeted faults hit (with --parallel 1 it is also the first to move). */
    private static final Digest LARGEST = BIG.get(9).digest();
    private static final String BLOB_GET = "/v2/.+/blobs/sha256:[0-9a-f]{64}";
    private static final String BLOB_PUT = "/v2/.+/blobs/uploads/.*";

    private static Map<String, Image> images;
    /** "repository:tag" → manifest digest, as at the source. */
    private static Map<String, String> expected;
    private static TestRegistry source;
    private static Path[] keys;
    private static Path bundle;

    @TempDir
    static Path shared;
    @TempDir
    Path tmp;

    private FaultProxy proxy;
    private RegistryAudit.Poller poller;
    private String scenario;

    @BeforeAll
    static void seedSourceAndExportOnce(Registries registries) throws Exception {
        source = registries.plain();
        images = new LinkedHashMap<>();
        images.put("app/alpha:1", TestImages.image(true, "amd64", null, BIG.get(0), BIG.get(9), SMALL.get(0)));
        images.put("app/beta:2", TestImages.image(false, "amd64", null, BIG.get(1), BIG.get(8), SMALL.get(1), SMALL.get(2)));
        images.put("lib/gamma:3", TestImages.index(true, List.of(
                TestImages.image(true, "amd64", null, BIG.get(2), BIG.get(7), SMALL.get(3)),
                TestImages.image(true, "arm64", "v8", BIG.get(3), BIG.get(6), SMALL.get(4))),
                List.of(new String[] {"amd64"}, new String[] {"arm64", "v8"})));
        images.put("tools/delta:4", TestImages.image(true, "amd64", null, BIG.get(4), BIG.get(5), SMALL.get(5), SMALL.get(6),
                SMALL.get(7)));
        expected = new TreeMap<>();
        try (var client = source.client()) {
            for (Map.Entry<String, Image> e : images.entrySet()) {
                String[] repoTag = e.getKey().split(":");
                TestImages.push(client, source.host(), repoTag[0], repoTag[1], e.getValue());
                expected.put(e.getKey(), e.getValue().manifest().digest().toString());
            }
        }
        long blobs = images.values().stream().flatMap(NetworkFaultIT::blobsOf).distinct().count();
        assertTrue(blobs > 16, "the set must hold more blobs than the largest --parallel: " + blobs);

        keys = Fixture.keygen(shared, "exporter");
        Path out = shared.resolve("out");
        Airlock.export(exportArgs(source.host(), out, shared.resolve("export-state"), 4)).ok();
        bundle = out.resolve("faults-000001.airlock.tar");
        assertTrue(Files.isRegularFile(bundle));
    }

    private static Stream<Digest> blobsOf(Image i) {
        return Stream.concat(i.blobs().keySet().stream(), i.children().stream().flatMap(NetworkFaultIT::blobsOf));
    }

    @BeforeEach
    void name(TestInfo info) {
        scenario = info.getTestMethod().map(java.lang.reflect.Method::getName).orElse("?") + " " + info.getDisplayName();
    }

    @AfterEach
    void closeProxyAndAudit() throws Exception {
        if (poller != null) {
            poller.stop();
        }
        if (proxy != null) {
            proxy.close();
        }
    }

    // ---------------------------------------------------------------- import side: proxy before the target

    @ParameterizedTest(name = "--parallel {0}")
    @ValueSource(ints = {1, 4, 16})
    void import_503WithRetryAfter_forTheFirstTwoRequests_withinTheRetryBudget_completes(int parallel, Registries registries)
            throws Exception {
        TestRegistry target = targetBehindProxy(registries);
        FaultProxy.Rule outage = proxy.on("*", ".*").times(2).respond(503, "Retry-After: 1");

        Timed run = bounded("airlock-import import", () -> Airlock.importer(importArgs(proxy.host(), parallel)));

        assertEquals(0, run.result().code(), run + "\n" + proxy.describe());
        assertEquals(2, outage.applied(), "both 503s were served");
        assertLandedAndNeverIncomplete(target);
    }

    @ParameterizedTest(name = "--parallel {0}")
    @ValueSource(ints = {1, 4, 16})
    void import_503OutageLongerThanTheRetryBudget_exits5_thenRerunCompletes(int parallel, Registries registries) throws Exception {
        TestRegistry target = targetBehindProxy(registries);
        proxy.on("*", ".*").respond(503, "Retry-After: 1");

        Timed run = bounded("airlock-import import", () -> Airlock.importer(importArgs(proxy.host(), parallel)));

        // Each request waits Retry-After (1 s) between its tries; the first one to run out ends the run.
        assertFailedOnce(run, 5, "airlock-import", Duration.ofSeconds(RETRIES - 1).plus(SLACK), proxy.host());
        proxy.clearRules();
        rerunImportAndAssertLanded(target, parallel);
    }

    @ParameterizedTest(name = "--parallel {0}")
    @ValueSource(ints = {1, 4, 16})
    void import_connectionResetMidBlobPut_isRetriedInANewUploadSession_completes(int parallel, Registries registries)
            throws Exception {
        TestRegistry target = targetBehindProxy(registries);
        FaultProxy.Rule reset = proxy.on("PUT", uploadOf(LARGEST)).times(1).resetRequestBodyAfter(256 * KIB);

        Timed run = bounded("airlock-import import", () -> Airlock.importer(importArgs(proxy.host(), parallel)));

        List<Exchange> puts = proxy.exchanges("PUT", uploadOf(LARGEST));
        assertEquals(1, reset.applied());
        assertTrue(puts.get(0).outcome().startsWith("reset after"), "the upload of the largest blob was reset\n" + proxy.describe());
        assertEquals(0, run.result().code(), "one reset upload must be retried, not end the run: " + run + "\n" + proxy.describe());
        assertTrue(puts.size() >= 2, "the reset upload was retried\n" + proxy.describe());
        assertNotEquals(puts.get(0).path(), puts.get(puts.size() - 1).path(),
                "the retry must use a new upload session, not the one the registry already wrote to\n" + proxy.describe());
        assertLandedAndNeverIncomplete(target);
        // Not checked: that the abandoned session is cancelled. docker-registry 2.8 refuses DELETE (and GET) on a
        // session whose stored length no longer matches the offset in its signed _state (BLOB_UPLOAD_INVALID),
        // which is exactly the state a reset mid-body leaves; it purges such sessions itself after a week.
    }

    @ParameterizedTest(name = "--parallel {0}")
    @ValueSource(ints = {1, 4, 16})
    void import_uploadStalledLongerThanTheIdleTimeout_thenResuming_isAbandonedAndRetried_completes(int parallel,
            Registries registries) throws Exception {
        TestRegistry target = targetBehindProxy(registries);
        FaultProxy.Rule stall = proxy.on("PUT", uploadOf(LARGEST)).times(1).stallRequestBodyAfter(256 * KIB, STALL);

        Timed run = bounded("airlock-import import", () -> Airlock.importer(importArgs(proxy.host(), parallel)));

        List<Exchange> puts = proxy.exchanges("PUT", uploadOf(LARGEST));
        assertEquals(1, stall.applied());
        assertTrue(puts.get(0).outcome().startsWith("stalled after"), "the upload of the largest blob was stalled\n" + proxy.describe());
        assertEquals(0, run.result().code(), run + "\n" + proxy.describe());
        assertTrue(puts.size() >= 2, "an upload that moved no byte for --idle-timeout " + IDLE.toSeconds() + "s must be given up"
                + " and retried, not waited out (the stall lasted " + STALL.toSeconds() + " s; the run took " + run.seconds() + " s)\n"
                + proxy.describe());
        assertNotEquals(puts.get(0).path(), puts.get(puts.size() - 1).path(), "the retry must use a new upload session");
        assertLandedAndNeverIncomplete(target);
    }

    @ParameterizedTest(name = "--parallel {0}")
    @ValueSource(ints = {1, 4, 16})
    void import_uploadStalledForever_exits5WithinIdleTimeoutTimesRetries_thenRerunCompletes(int parallel, Registries registries)
            throws Exception {
        TestRegistry target = targetBehindProxy(registries);
        FaultProxy.Rule stall = proxy.on("PUT", BLOB_PUT).stallRequestBodyAfter(64 * KIB, FaultProxy.FOREVER);

        Timed run = bounded("airlock-import import", () -> Airlock.importer(importArgs(proxy.host(), parallel)));

        assertTrue(stall.applied() > 0 && proxy.exchanges("PUT", BLOB_PUT).stream().anyMatch(e -> e.outcome().startsWith("stalled")),
                "uploads were stalled\n" + proxy.describe());
        assertFailedOnce(run, 5, "airlock-import", stalledForeverBound(), proxy.host());
        proxy.clearRules();
        rerunImportAndAssertLanded(target, parallel);
    }

    @ParameterizedTest(name = "--parallel {0}")
    @ValueSource(ints = {1, 4, 16})
    void import_targetRegistryNotRunning_withMoreBlobsThanParallel_exits5Quickly_thenRerunCompletes(int parallel,
            Registries registries) throws Exception {
        TestRegistry target = registries.plain();
        assumeRestartable(target);
        poller = new RegistryAudit(target.host()).poll(Duration.ofMillis(50));
        target.stop();

        Timed run = bounded("airlock-import import", () -> Airlock.importer(importArgs(target.host(), parallel)));

        // Connection refused is answered at once: only the backoff between tries (250 ms, doubling) takes time.
        assertFailedOnce(run, 5, "airlock-import", SLACK, target.host());
        target.start();
        Airlock.Run rerun = bounded("airlock-import import (rerun)", () -> Airlock.importer(importArgs(target.host(), parallel)))
                .result();
        assertEquals(0, rerun.code(), rerun.toString());
        assertLandedAndNeverIncomplete(target);
    }

    @ParameterizedTest(name = "--parallel {0}")
    @ValueSource(ints = {1, 4, 16})
    void import_500OnTheSecondManifestPut_isRetried_completes(int parallel, Registries registries) throws Exception {
        TestRegistry target = targetBehindProxy(registries);
        FaultProxy.Rule error = proxy.on("PUT", "/v2/.+/manifests/.+").skip(1).times(1).respond(500);

        Timed run = bounded("airlock-import import", () -> Airlock.importer(importArgs(proxy.host(), parallel)));

        assertEquals(1, error.applied(), "a manifest PUT got the 500\n" + proxy.describe());
        assertEquals(0, run.result().code(), run + "\n" + proxy.describe());
        assertLandedAndNeverIncomplete(target);
    }

    @ParameterizedTest(name = "--parallel {0}")
    @ValueSource(ints = {1, 4, 16})
    void import_targetRegistryRestartedMidPush_endsWithExit5OrCompletes_thenRerunCompletes(int parallel, Registries registries)
            throws Exception {
        TestRegistry target = targetBehindProxy(registries);
        assumeRestartable(target);
        Restart restart = restartWhenTheLargestBlobIsHalfwayUp(target);

        // --retries 3 backs off at most 0.75 s in all: shorter than the 1 s the registry is away.
        Timed run = bounded("airlock-import import", () -> Airlock.importer(importArgs(proxy.host(), parallel)));

        restart.assertHappened();
        if (run.result().code() != 0) {
            assertFailedOnce(run, 5, "airlock-import", Duration.ofSeconds(20), proxy.host());
        }
        rerunImportAndAssertLanded(target, parallel);
    }

    @ParameterizedTest(name = "--parallel {0}")
    @ValueSource(ints = {1, 4, 16})
    void import_targetRegistryRestartedMidPush_withinTheRetryBudget_isRiddenThrough_inANewUploadSession(int parallel,
            Registries registries) throws Exception {
        TestRegistry target = targetBehindProxy(registries);
        assumeRestartable(target);
        Restart restart = restartWhenTheLargestBlobIsHalfwayUp(target);

        // --retries 6 backs off at least 3.9 s in all (125 ms doubling, jitter halves at most): the registry is back well before.
        List<String> args = new ArrayList<>(importArgs(proxy.host(), parallel));
        args.set(args.indexOf("--retries") + 1, "6");
        Timed run = bounded("airlock-import import", () -> Airlock.importer(args));

        restart.assertHappened();
        assertEquals(0, run.result().code(), "a restart shorter than the retry budget must not end the run: " + run + "\n"
                + proxy.describe());
        List<Exchange> puts = proxy.exchanges("PUT", uploadOf(LARGEST));
        assertNotEquals(puts.get(0).path(), puts.get(puts.size() - 1).path(),
                "the upload cut by the restart is retried in a new session\n" + proxy.describe());
        assertLandedAndNeverIncomplete(target);
    }

    /** Stops the registry once 256 KiB of the largest blob's upload went through, and starts it again a second later. */
    private Restart restartWhenTheLargestBlobIsHalfwayUp(TestRegistry target) {
        Restart r = new Restart(new CountDownLatch(1), new AtomicReference<>(), null);
        FaultProxy.Rule cue = proxy.on("PUT", uploadOf(LARGEST)).times(1).onRequestBodyBytes(256 * KIB, () -> {
            try {
                target.stop();
                Thread.sleep(1000);
                target.start();
            } catch (Throwable t) {
                r.failure().set(t);
            } finally {
                r.done().countDown();
            }
        });
        return new Restart(r.done(), r.failure(), cue);
    }

    private record Restart(CountDownLatch done, AtomicReference<Throwable> failure, FaultProxy.Rule cue) {
        void assertHappened() throws InterruptedException {
            assertTrue(done.await(30, TimeUnit.SECONDS), "the registry came back");
            assertEquals(null, failure.get(), "restarting the registry failed");
            assertEquals(1, cue.applied(), "the registry was restarted while the largest blob was being pushed");
        }
    }

    // ---------------------------------------------------------------- export side: proxy before the source

    @ParameterizedTest(name = "--parallel {0}")
    @ValueSource(ints = {1, 4, 16})
    void export_connectionResetMidBlobGet_isResumedWithRange_completes(int parallel, Registries registries) throws Exception {
        proxy = FaultProxy.start(source);
        FaultProxy.Rule reset = proxy.on("GET", "/v2/.+/blobs/" + LARGEST).times(1).resetResponseBodyAfter(256 * KIB);
        Path out = tmp.resolve("out");

        Timed run = bounded("airlock-export bundle", () -> Airlock.export(exportArgs(proxy.host(), out, tmp.resolve("xs"), parallel)));

        assertEquals(1, reset.applied());
        assertTrue(proxy.exchanges("GET", "/v2/.+/blobs/" + LARGEST).get(0).outcome().startsWith("reset after"),
                "the download of the largest blob was reset\n" + proxy.describe());
        assertEquals(0, run.result().code(), run + "\n" + proxy.describe());
        assertResumedWithRange(LARGEST);
        assertBundleCompleteAndLandsByteIdentical(out, registries);
    }

    @ParameterizedTest(name = "--parallel {0}")
    @ValueSource(ints = {1, 4, 16})
    void export_downloadStalledLongerThanTheIdleTimeout_thenResuming_isAbandonedAndResumed_completes(int parallel,
            Registries registries) throws Exception {
        proxy = FaultProxy.start(source);
        FaultProxy.Rule stall = proxy.on("GET", "/v2/.+/blobs/" + LARGEST).times(1).stallResponseBodyAfter(256 * KIB, STALL);
        Path out = tmp.resolve("out");

        Timed run = bounded("airlock-export bundle", () -> Airlock.export(exportArgs(proxy.host(), out, tmp.resolve("xs"), parallel)));

        assertEquals(1, stall.applied());
        assertTrue(proxy.exchanges("GET", "/v2/.+/blobs/" + LARGEST).get(0).outcome().startsWith("stalled after"),
                "the download of the largest blob was stalled\n" + proxy.describe());
        assertEquals(0, run.result().code(), run + "\n" + proxy.describe());
        assertTrue(proxy.exchanges("GET", "/v2/.+/blobs/" + LARGEST).size() >= 2, "a download that moved no byte for"
                + " --idle-timeout " + IDLE.toSeconds() + "s must be given up and resumed, not waited out (the stall lasted "
                + STALL.toSeconds() + " s; the run took " + run.seconds() + " s)\n" + proxy.describe());
        assertResumedWithRange(LARGEST);
        assertBundleCompleteAndLandsByteIdentical(out, registries);
    }

    @ParameterizedTest(name = "--parallel {0}")
    @ValueSource(ints = {1, 4, 16})
    void export_downloadStalledForever_exits5WithinIdleTimeoutTimesRetries_leavesNothingInOut_thenRerunCompletes(int parallel,
            Registries registries) throws Exception {
        proxy = FaultProxy.start(source);
        // The first blob download stops mid-body, and from then on every blob download stops at its first byte
        // (so a resumed download cannot creep forward a little on each try).
        FaultProxy.Rule first = proxy.on("GET", BLOB_GET).times(1).stallResponseBodyAfter(256 * KIB, FaultProxy.FOREVER);
        proxy.on("GET", BLOB_GET).stallResponseBodyAfter(0, FaultProxy.FOREVER);
        Path out = tmp.resolve("out");

        Timed run = bounded("airlock-export bundle", () -> Airlock.export(exportArgs(proxy.host(), out, tmp.resolve("xs"), parallel)));

        assertEquals(1, first.applied(), proxy.describe());
        assertTrue(proxy.exchanges("GET", BLOB_GET).stream().anyMatch(e -> e.outcome().startsWith("stalled after")),
                "downloads were stalled\n" + proxy.describe());
        assertFailedOnce(run, 5, "airlock-export", stalledForeverBound(), proxy.host());
        assertEquals(List.of(), listing(out), "a failed export leaves neither a .partial nor a bundle in --out");
        proxy.clearRules();
        Airlock.Run rerun = bounded("airlock-export bundle (rerun)",
                () -> Airlock.export(exportArgs(proxy.host(), out, tmp.resolve("xs"), parallel))).result();
        assertEquals(0, rerun.code(), rerun.toString());
        assertBundleCompleteAndLandsByteIdentical(out, registries);
    }

    // ---------------------------------------------------------------- helpers

    private static List<String> exportArgs(String sourceHost, Path out, Path state, int parallel) {
        List<String> args = new ArrayList<>(List.of("bundle", "--channel", "faults", "--key", keys[0].toString(),
                "--out", out.toString(), "--state", state.toString(), "--insecure-registry", sourceHost,
                "--parallel", String.valueOf(parallel), "--idle-timeout", IDLE.toSeconds() + "s", "--retries", String.valueOf(RETRIES)));
        for (String image : images.keySet()) {
            args.addAll(List.of("--image", sourceHost + "/" + image));
        }
        return args;
    }

    private List<String> importArgs(String targetHost, int parallel) {
        return importArgs(bundle, targetHost, tmp.resolve("import-state"), parallel);
    }

    private static List<String> importArgs(Path file, String targetHost, Path state, int parallel) {
        return List.of("import", file.toString(), "--trust", keys[1].toString(), "--registry", targetHost,
                "--insecure-registry", targetHost, "--state", state.toString(), "--parallel", String.valueOf(parallel),
                "--idle-timeout", IDLE.toSeconds() + "s", "--retries", String.valueOf(RETRIES));
    }

    /** A fresh target with the proxy in front of it and the audit watching it (directly, not through the proxy). */
    private TestRegistry targetBehindProxy(Registries registries) throws Exception {
        TestRegistry target = registries.plain();
        proxy = FaultProxy.start(target);
        poller = new RegistryAudit(target.host()).poll(Duration.ofMillis(50));
        return target;
    }

    private static void assumeRestartable(TestRegistry target) {
        Assumptions.assumeTrue(target.restartable(), "this scenario stops and starts the registry process; it needs Debian's"
                + " docker-registry (apt-get install docker-registry), not the registry:2 container fallback");
    }

    /** The request target of a blob upload's final PUT (monolithic or closing a chunked one). */
    private static String uploadOf(Digest d) {
        return BLOB_PUT.substring(0, BLOB_PUT.length() - 2) + "[^?]*\\?.*digest=sha256(:|%3A)" + d.hex() + ".*";
    }

    /** --idle-timeout on each of --retries tries, the backoff between them (250 ms doubling, at most), and slack. */
    private static Duration stalledForeverBound() {
        return IDLE.multipliedBy(RETRIES).plusMillis(250L * ((1L << (RETRIES - 1)) - 1)).plus(SLACK);
    }

    private void rerunImportAndAssertLanded(TestRegistry target, int parallel) throws Exception {
        Airlock.Run rerun = bounded("airlock-import import (rerun)", () -> Airlock.importer(importArgs(proxy.host(), parallel)))
                .result();
        assertEquals(0, rerun.code(), "the rerun without the fault must complete: " + rerun + "\n" + proxy.describe());
        assertLandedAndNeverIncomplete(target);
    }

    /**
     * Stops the audit that watched the faulty run and the rerun (none of its passes may have seen a
     * tag on an incomplete image), then checks that every tag is there, complete and byte-identical.
     */
    private void assertLandedAndNeverIncomplete(TestRegistry target) throws Exception {
        RegistryAudit.Poller p = poller;
        poller = null;
        List<String> seen = p.stop();
        System.out.println("[NetworkFaultIT] " + scenario + " | " + p);
        assertEquals(List.of(), seen, "a tag pointed at an incomplete image during the runs (" + p + ")");
        assertTrue(p.passes() > 0, "the audit never completed a pass while the runs went on");
        assertByteIdentical(target);
    }

    private static void assertByteIdentical(TestRegistry target) throws Exception {
        RegistryAudit.Snapshot now = new RegistryAudit(target.host()).snapshot();
        assertEquals(List.of(), now.violations(), "tags on incomplete images");
        assertEquals(expected, now.tags(), "every image landed with the manifest digest it has at the source, and nothing else");
    }

    private void assertResumedWithRange(Digest d) {
        List<Exchange> gets = proxy.exchanges("GET", "/v2/.+/blobs/" + d);
        assertTrue(gets.size() >= 2, "the broken download was tried again\n" + proxy.describe());
        String range = gets.get(1).header("Range");
        assertTrue(range != null && range.matches("bytes=[1-9][0-9]*-"),
                "the second try resumes with Range from the byte reached, not from 0: Range " + range + "\n" + proxy.describe());
    }

    /** The rerun's bundle verifies, and imported (without a proxy) gives every image byte-identical. */
    private void assertBundleCompleteAndLandsByteIdentical(Path out, Registries registries) throws Exception {
        Path written = out.resolve("faults-000001.airlock.tar");
        String name = written.getFileName().toString();
        assertEquals(List.of(name.substring(0, name.length() - ".tar".length()) + ".report.md", name), listing(out),
                "exactly the finished bundle and its report are in --out");
        Airlock.Run verify = Airlock.importer(List.of("verify", written.toString(), "--trust", keys[1].toString()));
        assertEquals(0, verify.code(), verify.toString());
        TestRegistry target = registries.plain();
        Airlock.Run imported = bounded("airlock-import import", () -> Airlock.importer(
                importArgs(written, target.host(), tmp.resolve("import-state"), 4))).result();
        assertEquals(0, imported.code(), imported.toString());
        assertByteIdentical(target);
    }

    private static List<String> listing(Path dir) throws Exception {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /**
     * The failed run: the documented exit code, within {@code bound}, and one line on stderr (plus,
     * for exit 1, the hint to rerun with --verbose) that names each of {@code names}.
     */
    private static void assertFailedOnce(Timed run, int code, String program, Duration bound, String... names) {
        Airlock.Run r = run.result();
        assertEquals(code, r.code(), r.toString());
        assertTrue(run.took().compareTo(bound) <= 0, "the run took " + run.seconds() + " s, more than the " + bound.toSeconds()
                + " s that --idle-timeout " + IDLE.toSeconds() + "s and --retries " + RETRIES + " allow: " + r);
        List<String> lines = r.err().lines().filter(l -> !l.isBlank())
                .filter(l -> !l.equals(program + ": run again with --verbose for the stack trace")).toList();
        assertEquals(1, lines.size(), "one line on stderr says what failed:\n" + r.err());
        assertTrue(lines.get(0).startsWith(program + ": "), lines.get(0));
        for (String n : names) {
            assertTrue(lines.get(0).contains(n), "the message names " + n + ": " + lines.get(0));
        }
        assertFalse(lines.get(0).contains("internal error"), lines.get(0));
    }

    /** A finished CLI run and how long it took. */
    private record Timed(Airlock.Run result, Duration took) {
        String seconds() {
            return String.format("%.1f", took.toMillis() / 1000.0);
        }

        @Override
        public String toString() {
            return result + "\n(took " + seconds() + " s)";
        }
    }

    /**
     * Runs one CLI invocation on its own thread; if it has not returned after {@link #HUNG}, the
     * test fails as hung (with where the run's thread was waiting) and the thread is interrupted.
     */
    private Timed bounded(String what, Callable<Airlock.Run> call) throws Exception {
        FutureTask<Airlock.Run> task = new FutureTask<>(call);
        Thread t = new Thread(task, "under-test " + what);
        t.setDaemon(true);
        long start = System.nanoTime();
        t.start();
        try {
            Airlock.Run r = task.get(HUNG.toMillis(), TimeUnit.MILLISECONDS);
            Timed timed = new Timed(r, Duration.ofNanos(System.nanoTime() - start));
            // What each run did, for whoever reads the test output (the assertions decide pass or fail).
            System.out.println("[NetworkFaultIT] " + scenario + " | " + what + ": exit " + r.code() + " after " + timed.seconds() + " s"
                    + (r.err().isBlank() ? "" : ": " + r.err().lines().findFirst().orElse("")));
            return timed;
        } catch (TimeoutException e) {
            StringBuilder where = new StringBuilder("\n  " + t.getName() + ":");
            Arrays.stream(t.getStackTrace()).limit(10).forEach(f -> where.append("\n    at ").append(f));
            // Where its workers wait says why (a queued transfer never run, a read that never returns, ...).
            Thread.getAllStackTraces().entrySet().stream()
                    .filter(x -> x.getKey().getName().startsWith("airlock-") && x.getKey() != t).limit(4)
                    .forEach(x -> {
                        where.append("\n  ").append(x.getKey().getName()).append(':');
                        Arrays.stream(x.getValue()).limit(8).forEach(f -> where.append("\n    at ").append(f));
                    });
            t.interrupt();
            System.out.println("[NetworkFaultIT] " + scenario + " | " + what + ": HUNG (no exit within " + HUNG.toSeconds() + " s)");
            return fail(what + " hung: no exit within " + HUNG.toSeconds() + " s (it must end within --idle-timeout "
                    + IDLE.toSeconds() + "s × --retries " + RETRIES + " plus backoff). Where it waited:" + where);
        } catch (ExecutionException e) {
            throw new AssertionError(what + " threw instead of returning an exit code", e.getCause());
        }
    }
}
