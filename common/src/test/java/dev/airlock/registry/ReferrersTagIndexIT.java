package dev.airlock.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.copy.Repo;
import dev.airlock.digest.Digest;
import dev.airlock.error.AirlockException;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.RawManifest;
import dev.airlock.oci.Referrer;
import dev.airlock.testing.RegistryExtension;
import dev.airlock.testing.RegistryExtension.Registries;
import dev.airlock.testing.TestImages;
import dev.airlock.testing.TestRegistry;
import dev.airlock.testing.Tools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The referrers tag schema's index kept by {@link RegistrySink#attachReferrer} on Debian's
 * docker-registry 2.8, which has no referrers API (it answers 404) and does not answer
 * {@code OCI-Subject}: the index at {@code sha256-<hex>} is created, added to without losing what
 * others put there, left alone when it already lists ours, and not lost to concurrent writers.
 */
@ExtendWith(RegistryExtension.class)
class ReferrersTagIndexIT {
    private static final String REPO = "team/app";

    @Test
    void attachReferrer_withoutAnIndex_createsTheFallbackIndex(Registries registries) throws Exception {
        TestRegistry registry = registries.plain();
        RegistryClient.Repository repo = registry.client().repository(registry.host(), REPO);
        RawManifest subject = pushSubject(registry);
        RawManifest sbom = ReferrerFixtures.pushReferrer(repo, subject, "sbom");

        new RegistrySink(registry.client()).attachReferrer(new Repo(registry.host(), REPO), subject.digest(), sbom);

        RawManifest index = repo.getManifest("sha256-" + subject.digest().hex());
        assertEquals(MediaTypes.OCI_INDEX, index.mediaType());
        assertEquals(List.of(new Referrer(MediaTypes.OCI_MANIFEST, sbom.digest(), sbom.size(), ReferrerFixtures.SBOM_TYPE,
                Map.of("org.example.label", "sbom"))), index.referrers());
    }

    @Test
    void attachReferrer_toAnIndexAnotherToolWrote_keepsItsEntryAndFieldsByteForByte(Registries registries) throws Exception {
        TestRegistry registry = registries.plain();
        RegistryClient.Repository repo = registry.client().repository(registry.host(), REPO);
        RawManifest subject = pushSubject(registry);
        RawManifest theirs = ReferrerFixtures.pushReferrer(repo, subject, "their signature");
        String theirEntry = "{ \"mediaType\" : \"" + MediaTypes.OCI_MANIFEST + "\", \"digest\":\"" + theirs.digest() + "\",\"size\":"
                + theirs.size() + ", \"artifactType\":\"application/vnd.dev.cosign.artifact.sig.v1+json\",\n"
                + "   \"x-other-tool\": {\"kept\": [1, 2.50, true]} }";
        String handWritten = "{\"schemaVersion\": 2,\n \"mediaType\": \"" + MediaTypes.OCI_INDEX + "\",\n \"manifests\": [\n  "
                + theirEntry + "\n ],\n \"x-index-note\": \"left by another tool\"\n}\n";
        String tag = "sha256-" + subject.digest().hex();
        repo.putManifest(tag, RawManifest.of(handWritten.getBytes(StandardCharsets.UTF_8), null, "hand-written index"));
        RawManifest ours = ReferrerFixtures.pushReferrer(repo, subject, "ours");

        new RegistrySink(registry.client()).attachReferrer(new Repo(registry.host(), REPO), subject.digest(), ours);

        RawManifest index = repo.getManifest(tag);
        String text = new String(index.bytes(), StandardCharsets.UTF_8);
        assertTrue(text.contains(theirEntry), "their entry, byte for byte:\n" + text);
        assertTrue(text.contains("\"x-index-note\": \"left by another tool\""), text);
        assertEquals(List.of(theirs.digest(), ours.digest()), index.referrers().stream().map(Referrer::digest).toList());
    }

    @Test
    void attachReferrer_twice_changesNothing(Registries registries) throws Exception {
        TestRegistry registry = registries.plain();
        RegistryClient.Repository repo = registry.client().repository(registry.host(), REPO);
        RawManifest subject = pushSubject(registry);
        RawManifest sbom = ReferrerFixtures.pushReferrer(repo, subject, "sbom");
        RegistrySink sink = new RegistrySink(registry.client());
        String tag = "sha256-" + subject.digest().hex();

        sink.attachReferrer(new Repo(registry.host(), REPO), subject.digest(), sbom);
        RawManifest first = repo.getManifest(tag);
        sink.attachReferrer(new Repo(registry.host(), REPO), subject.digest(), sbom);
        assertArrayEquals(first.bytes(), repo.getManifest(tag).bytes());
        assertEquals(1, first.referrers().size());
    }

    @Test
    void attachReferrer_onATagHoldingAnImage_refusesToReplaceIt(Registries registries) throws Exception {
        TestRegistry registry = registries.plain();
        RegistryClient.Repository repo = registry.client().repository(registry.host(), REPO);
        RawManifest subject = pushSubject(registry);
        String tag = "sha256-" + subject.digest().hex();
        repo.putManifest(tag, subject); // someone tagged an image under the schema's name
        RawManifest sbom = ReferrerFixtures.pushReferrer(repo, subject, "sbom");

        AirlockException e = assertThrows(AirlockException.class,
                () -> new RegistrySink(registry.client()).attachReferrer(new Repo(registry.host(), REPO), subject.digest(), sbom));
        assertTrue(e.getMessage().contains(tag) && e.getMessage().contains("refusing to replace it"), e.getMessage());
        assertEquals(subject.digest(), repo.getManifest(tag).digest());
    }

    @Test
    @Timeout(120)
    void attachReferrer_twoThreadsTenReferrersEach_listsAllTwenty(Registries registries) throws Exception {
        TestRegistry registry = registries.plain();
        RegistryClient.Repository repo = registry.client().repository(registry.host(), REPO);
        RawManifest subject = pushSubject(registry);
        List<List<RawManifest>> batches = List.of(pushReferrers(repo, subject, "a", 10), pushReferrers(repo, subject, "b", 10));
        CyclicBarrier start = new CyclicBarrier(2);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<Object>> done = new ArrayList<>();
            for (List<RawManifest> batch : batches) {
                RegistrySink sink = new RegistrySink(registry.client()); // one sink each: the lock is the JVM's, not the sink's
                done.add(pool.submit((Callable<Object>) () -> {
                    start.await();
                    for (RawManifest m : batch) {
                        sink.attachReferrer(new Repo(registry.host(), REPO), subject.digest(), m);
                    }
                    return null;
                }));
            }
            for (Future<Object> f : done) {
                f.get(100, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(digests(batches), listed(repo, subject));
    }

    /**
     * Two processes on one host sharing a lock directory: this JVM and a child JVM
     * ({@link AttachReferrersMain}) each attach ten referrers of one subject at once.
     */
    @Test
    @Timeout(180)
    void attachReferrer_twoProcessesSharingALockDir_loseNone(Registries registries, @TempDir Path tmp) throws Exception {
        TestRegistry registry = registries.plain();
        RegistryClient.Repository repo = registry.client().repository(registry.host(), REPO);
        RawManifest subject = pushSubject(registry);
        List<RawManifest> ours = pushReferrers(repo, subject, "parent", 10);
        List<RawManifest> theirs = pushReferrers(repo, subject, "child", 10);
        Path locks = tmp.resolve("locks");
        Path go = tmp.resolve("go");
        Path ready = tmp.resolve("ready");
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), AttachReferrersMain.class.getName(), registry.host(), REPO,
                subject.digest().toString(), locks.toString(), ready.toString(), go.toString(),
                String.join(",", theirs.stream().map(m -> m.digest().toString()).toList()))
                .redirectErrorStream(true).redirectOutput(tmp.resolve("child.log").toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.exists(ready) && child.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(Files.exists(ready), "child did not start: " + Files.readString(tmp.resolve("child.log")));
            Files.createFile(go);
            RegistrySink sink = new RegistrySink(registry.client(), locks);
            for (RawManifest m : ours) {
                sink.attachReferrer(new Repo(registry.host(), REPO), subject.digest(), m);
            }
            assertTrue(child.waitFor(120, TimeUnit.SECONDS), "child still running");
            assertEquals(0, child.exitValue(), Files.readString(tmp.resolve("child.log")));
        } finally {
            child.destroyForcibly();
        }
        assertEquals(digests(List.of(ours, theirs)), listed(repo, subject));
        try (var files = Files.list(locks)) {
            assertEquals(1, files.count(), "one lock file for the one (registry, repository, subject)");
        }
    }

    private static RawManifest pushSubject(TestRegistry registry) {
        TestImages.Image image = TestImages.image(true, "amd64", null, TestImages.Layer.random(5, 1000));
        TestImages.push(registry.client(), registry.host(), REPO, "1.0", image);
        return image.manifest();
    }

    private static List<RawManifest> pushReferrers(RegistryClient.Repository repo, RawManifest subject, String prefix, int n) {
        List<RawManifest> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(ReferrerFixtures.pushReferrer(repo, subject, prefix + "-" + i));
        }
        return out;
    }

    private static Set<Digest> digests(List<List<RawManifest>> batches) {
        return batches.stream().flatMap(List::stream).map(RawManifest::digest).collect(Collectors.toSet());
    }

    private static Set<Digest> listed(RegistryClient.Repository repo, RawManifest subject) {
        return repo.getManifest("sha256-" + subject.digest().hex()).referrers().stream().map(Referrer::digest).collect(Collectors.toSet());
    }
}
