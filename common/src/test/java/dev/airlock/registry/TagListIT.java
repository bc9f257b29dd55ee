package dev.airlock.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.error.AirlockException;
import dev.airlock.testing.RegistryExtension;
import dev.airlock.testing.RegistryExtension.Registries;
import dev.airlock.testing.TestImages;
import dev.airlock.testing.TestRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Every tag of a repository, page after page as the registry's Link header names them. */
@ExtendWith(RegistryExtension.class)
class TagListIT {
    /**
     * Debian's docker-registry 2.8 ignores {@code n} and {@code last} on the tag list (paging came
     * with distribution 3.0): it answers every tag in one page, in no set order, without a Link.
     */
    @Test
    void listTags_ofDockerRegistry_getsEveryTag(Registries registries) throws Exception {
        TestRegistry registry = registries.plain();
        TestImages.Image image = TestImages.image(true, "amd64", null, TestImages.Layer.random(1, 100));
        Set<String> pushed = new java.util.TreeSet<>();
        for (int i = 0; i < 7; i++) {
            pushed.add("v" + i);
            TestImages.push(registry.client(), registry.host(), "team/app", "v" + i, image);
        }
        RegistryClient.Repository repo = registry.client().repository(registry.host(), "team/app");
        assertEquals(pushed, new java.util.TreeSet<>(repo.listTags(2)));
        assertEquals(7, repo.listTags().size());
    }

    /**
     * Paging as distribution 3.x does it (the fake stands in for it: Debian's 2.8 does not page):
     * {@code n} asked, a relative {@code Link: </v2/NAME/tags/list?last=L&n=N>; rel="next"} on every
     * page but the last; every page is asked once and the tags come in the registry's order.
     */
    @Test
    void listTags_followsRelativeLinkPages_ofAPagingRegistry() throws Exception {
        try (FakeReferrersRegistry fake = FakeReferrersRegistry.start()) {
            RegistryClient client = new RegistryClient(RegistryOptions.defaults().withInsecure(Set.of(fake.host()))
                    .withRetries(2, Duration.ofMillis(10)));
            fake.answer("/v2/team/app/tags/list?n=2", "application/json", tags("v0", "v1"),
                    "</v2/team/app/tags/list?last=v1&n=2>; rel=\"next\"");
            fake.answer("/v2/team/app/tags/list?last=v1&n=2", "application/json", tags("v2", "v3"),
                    "</v2/team/app/tags/list?last=v3&n=2>; rel=\"next\"");
            fake.answer("/v2/team/app/tags/list?last=v3&n=2", "application/json", tags("v4"), null);
            assertEquals(List.of("v0", "v1", "v2", "v3", "v4"), client.repository(fake.host(), "team/app").listTags(2));
            assertEquals(List.of("GET /v2/team/app/tags/list?n=2", "GET /v2/team/app/tags/list?last=v1&n=2",
                    "GET /v2/team/app/tags/list?last=v3&n=2"), fake.requests());
        }
    }

    private static byte[] tags(String... tags) {
        return ("{\"name\":\"team/app\",\"tags\":[\"" + String.join("\",\"", tags) + "\"]}").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void listTags_ofMissingRepository_isEmpty(Registries registries) throws Exception {
        TestRegistry registry = registries.plain();
        assertEquals(List.of(), registry.client().repository(registry.host(), "no/such").listTags());
    }

    @Test
    void listTags_refusesALinkToAnotherHost_andAPageOver4MiB() throws Exception {
        try (FakeReferrersRegistry fake = FakeReferrersRegistry.start()) {
            RegistryClient client = new RegistryClient(RegistryOptions.defaults().withInsecure(Set.of(fake.host()))
                    .withRetries(2, Duration.ofMillis(10)));
            fake.answer("/v2/a/tags/list?n=1000", "application/json", "{\"name\":\"a\",\"tags\":[\"1\"]}".getBytes(StandardCharsets.UTF_8),
                    "<http://198.51.100.7:5000/v2/a/tags/list?n=1000&last=1>; rel=\"next\"");
            AirlockException e = assertThrows(AirlockException.class, () -> client.repository(fake.host(), "a").listTags());
            assertEquals(AirlockException.Kind.MALFORMED_BUNDLE, e.kind());
            assertTrue(e.getMessage().contains("another host (198.51.100.7:5000)"), e.getMessage());
            assertEquals(1, fake.requests().size(), "nothing was asked of the other host: " + fake.requests());

            byte[] huge = new byte[5 << 20];
            java.util.Arrays.fill(huge, (byte) ' ');
            fake.answer("/v2/b/tags/list?n=1000", "application/json", huge, null);
            AirlockException big = assertThrows(AirlockException.class, () -> client.repository(fake.host(), "b").listTags());
            assertTrue(big.getMessage().contains("over the 4 MiB limit"), big.getMessage());
        }
    }

    @Test
    void listTags_overTheBoundOf100000Tags_isRefusedNamingTheBound() throws Exception {
        try (FakeReferrersRegistry fake = FakeReferrersRegistry.start()) {
            RegistryClient client = new RegistryClient(RegistryOptions.defaults().withInsecure(Set.of(fake.host()))
                    .withRetries(2, Duration.ofMillis(10)));
            String[] many = new String[TagList.MAX_TAGS + 1];
            for (int i = 0; i < many.length; i++) {
                many[i] = Integer.toString(i, 36);
            }
            fake.answer("/v2/a/tags/list?n=1000", "application/json", tags(many), null);
            AirlockException e = assertThrows(AirlockException.class, () -> client.repository(fake.host(), "a").listTags());
            assertTrue(e.getMessage().contains("more than 100000 tags (the bound on one tag listing)"), e.getMessage());
        }
    }

    @Test
    void listTags_followsAbsoluteSameHostLinks_andRefusesALoop() throws Exception {
        try (FakeReferrersRegistry fake = FakeReferrersRegistry.start()) {
            RegistryClient client = new RegistryClient(RegistryOptions.defaults().withInsecure(Set.of(fake.host()))
                    .withRetries(2, Duration.ofMillis(10)));
            fake.answer("/v2/a/tags/list?n=1000", "application/json", "{\"tags\":[\"1\",\"2\"]}".getBytes(StandardCharsets.UTF_8),
                    "<http://" + fake.host() + "/v2/a/tags/list?n=1000&last=2>; rel=\"next\"");
            fake.answer("/v2/a/tags/list?n=1000&last=2", "application/json", "{\"tags\":[\"3\"]}".getBytes(StandardCharsets.UTF_8),
                    "</v2/a/tags/list?n=1000>; rel=\"next\"");
            AirlockException e = assertThrows(AirlockException.class, () -> client.repository(fake.host(), "a").listTags());
            assertTrue(e.getMessage().contains("Link header loops"), e.getMessage());
            assertEquals(List.of("GET /v2/a/tags/list?n=1000", "GET /v2/a/tags/list?n=1000&last=2"), fake.requests());
        }
    }
}
