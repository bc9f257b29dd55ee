package dev.airlock.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.copy.Repo;
import dev.airlock.digest.Digest;
import dev.airlock.error.AirlockException;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.RawManifest;
import dev.airlock.oci.Referrer;
import dev.airlock.testing.FaultProxy;
import dev.airlock.testing.RegistryExtension;
import dev.airlock.testing.RegistryExtension.Registries;
import dev.airlock.testing.TestImages;
import dev.airlock.testing.TestRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The referrers API where a registry has one (a fake: Debian has none) and where it has not (docker-registry 2.8). */
@ExtendWith(RegistryExtension.class)
class ReferrersIT {
    private static final Digest SUBJECT = Digest.sha256Of("subject".getBytes(StandardCharsets.UTF_8));

    @Test
    void referrers_ofDockerRegistry_isNoApi_askedOncePerHost(Registries registries) throws Exception {
        TestRegistry registry = registries.plain();
        TestImages.Image image = TestImages.image(true, "amd64", null, TestImages.Layer.random(2, 100));
        TestImages.push(registry.client(), registry.host(), "team/app", "1", image);
        try (FaultProxy proxy = FaultProxy.start(registry)) {
            RegistryClient client = registry.through(proxy).client();
            RegistrySource source = new RegistrySource(client);
            assertEquals(Optional.empty(), source.referrers(new Repo(proxy.host(), "team/app"), image.manifest().digest()));
            assertEquals(Optional.empty(), source.referrers(new Repo(proxy.host(), "team/app"), SUBJECT));
            assertEquals(Optional.empty(), source.referrers(new Repo(proxy.host(), "other/repo"), image.manifest().digest()));
            assertEquals(1, proxy.exchanges("GET", ".*/referrers/.*").size(), "one 404 settles it for the host:\n" + proxy.describe());
            assertEquals(Optional.empty(), registry.client().repository(registry.host(), "team/app").referrers(SUBJECT),
                    "another client asks again");
        }
    }

    @Test
    void referrers_ofARegistryWithTheApi_followsLinkPages_andMergesThem() throws Exception {
        try (FakeReferrersRegistry fake = FakeReferrersRegistry.start()) {
            String path = "/v2/team/app/referrers/" + SUBJECT;
            String a = entry("a", "application/vnd.dev.cosign.artifact.sig.v1+json", "{\"org.example.n\":\"1\"}");
            String b = entry("b", "application/spdx+json", null);
            String c = entry("c", null, null);
            fake.answer(path, MediaTypes.OCI_INDEX, FakeReferrersRegistry.index(a, b), "<" + path + "?page=2>; rel=\"next\"");
            fake.answer(path + "?page=2", MediaTypes.OCI_INDEX, FakeReferrersRegistry.index(b, c), null);
            RegistrySource source = new RegistrySource(client(fake));
            List<Referrer> got = source.referrers(new Repo(fake.host(), "team/app"), SUBJECT).orElseThrow();
            assertEquals(List.of(digest("a"), digest("b"), digest("c")), got.stream().map(Referrer::digest).toList(),
                    "both pages, each digest once");
            assertEquals("application/vnd.dev.cosign.artifact.sig.v1+json", got.get(0).artifactType());
            assertEquals(Map.of("org.example.n", "1"), got.get(0).annotations());
            assertEquals(List.of("GET " + path, "GET " + path + "?page=2"), fake.requests());
        }
    }

    @Test
    void referrers_answeredWithSomethingElseThanAnIndex_isNoApi() throws Exception {
        try (FakeReferrersRegistry fake = FakeReferrersRegistry.start()) {
            fake.answer("/v2/team/app/referrers/" + SUBJECT, "text/html", "<html>welcome</html>".getBytes(StandardCharsets.UTF_8), null);
            RegistryClient client = client(fake);
            assertEquals(Optional.empty(), client.repository(fake.host(), "team/app").referrers(SUBJECT));
            assertEquals(Optional.empty(), client.repository(fake.host(), "team/app").referrers(SUBJECT));
            assertEquals(1, fake.requests().size(), fake.requests().toString());
        }
    }

    @Test
    void attachReferrer_whereTheApiListsIt_writesNothing() throws Exception {
        try (FakeReferrersRegistry fake = FakeReferrersRegistry.start()) {
            byte[] layer = "{}".getBytes(StandardCharsets.UTF_8);
            RawManifest subject = TestImages.image(true, "amd64", null, TestImages.Layer.random(3, 10)).manifest();
            RawManifest referrer = ReferrerFixtures.referrer(subject, "sbom", layer);
            String path = "/v2/team/app/referrers/" + subject.digest();
            fake.answer(path, MediaTypes.OCI_INDEX, FakeReferrersRegistry.index("{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST
                    + "\",\"digest\":\"" + referrer.digest() + "\",\"size\":" + referrer.size() + "}"), null);
            new RegistrySink(client(fake)).attachReferrer(new Repo(fake.host(), "team/app"), subject.digest(), referrer);
            assertEquals(List.of("GET " + path), fake.requests(), "asked the API, wrote no index");
        }
    }

    private static RegistryClient client(FakeReferrersRegistry fake) {
        return new RegistryClient(RegistryOptions.defaults().withInsecure(Set.of(fake.host())).withRetries(2, Duration.ofMillis(10)));
    }

    private static Digest digest(String label) {
        return Digest.sha256Of(label.getBytes(StandardCharsets.UTF_8));
    }

    private static String entry(String label, String artifactType, String annotations) {
        return "{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"digest\":\"" + digest(label) + "\",\"size\":123"
                + (artifactType == null ? "" : ",\"artifactType\":\"" + artifactType + "\"")
                + (annotations == null ? "" : ",\"annotations\":" + annotations) + "}";
    }
}
