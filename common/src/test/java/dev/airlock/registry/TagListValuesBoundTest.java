package dev.airlock.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.error.AirlockException;
import dev.airlock.oci.RawManifest;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Red-team pass I: pass H bounded a manifest from an upstream registry in JSON values before its
 * tree is built (RawManifest, BoundedJsonTree); a tag list page from the same registry, read to the
 * same 4 MiB, was still read into a Jackson tree first and counted after: 4 MiB of
 * {@code {"tags":[{},{},…]}} is 1.4 million nodes, over 100 MiB of the exporter's 192 MiB heap per
 * page (discovery lists tags of 8-16 repositories at once). The page is refused as the bound on
 * tags says, without that tree. The hostile registry is a JDK HttpServer
 * ({@link FakeReferrersRegistry}): no real registry answers such a list on demand.
 */
class TagListValuesBoundTest {
    @Test
    void aTagListPageOfMillionsOfEmptyObjects_isRefused_withoutATreeOfThem() throws Exception {
        StringBuilder s = new StringBuilder("{\"tags\":[{}");
        while (s.length() < RawManifest.MAX_SIZE - 10) {
            s.append(",{}");
        }
        byte[] body = s.append("]}").toString().getBytes(StandardCharsets.US_ASCII);
        try (FakeReferrersRegistry fake = FakeReferrersRegistry.start()) {
            fake.answer("/v2/team/app/tags/list?n=" + RegistryClient.TAGS_PER_PAGE, "application/json", body, null);
            RegistryClient client = new RegistryClient(RegistryOptions.defaults().withInsecure(Set.of(fake.host()))
                    .withRetries(2, Duration.ofMillis(10)));
            RegistryClient.Repository repo = client.repository(fake.host(), "team/app");
            com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long before = threads.getCurrentThreadAllocatedBytes();
            AirlockException e = assertThrows(AirlockException.class, repo::listTags);
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertEquals(AirlockException.Kind.MALFORMED_BUNDLE, e.kind(), e.getMessage());
            assertTrue(allocated < 48L << 20, "reading the page allocated " + (allocated >> 20) + " MiB (" + e.getMessage() + ")");
        }
    }
}
