package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.testing.RegistryExtension;
import dev.airlock.testing.RegistryExtension.Registries;
import dev.airlock.testing.TestImages;
import dev.airlock.testing.TestImages.Image;
import dev.airlock.testing.TestImages.Layer;
import dev.airlock.testing.TestRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The audit the fault tests rely on finds what it must: a tag whose image lost a blob or a child manifest. */
@ExtendWith(RegistryExtension.class)
class RegistryAuditIT {
    @Test
    void audit_reportsTheTagWhoseImageLacksABlobOrAChildManifest_andThePollerCatchesIt(Registries registries) throws Exception {
        TestRegistry r = registries.plain();
        Layer layer = Layer.random(1, 20_000);
        Image single = TestImages.image(true, "amd64", null, layer);
        Image child = TestImages.image(true, "arm64", "v8", Layer.random(2, 10_000));
        Image index = TestImages.index(true, List.of(TestImages.image(true, "amd64", null, Layer.random(3, 10_000)), child),
                List.of(new String[] {"amd64"}, new String[] {"arm64", "v8"}));
        TestImages.push(r.client(), r.host(), "app/one", "1", single);
        TestImages.push(r.client(), r.host(), "app/multi", "2", index);

        RegistryAudit audit = new RegistryAudit(r.host());
        RegistryAudit.Snapshot whole = audit.snapshot();
        assertEquals(List.of(), whole.violations());
        assertEquals(Map.of("app/one:1", single.manifest().digest().toString(), "app/multi:2", index.manifest().digest().toString()),
                whole.tags());

        RegistryAudit.Poller poller = new RegistryAudit(r.host()).poll(Duration.ofMillis(50));
        while (poller.passes() < 1) {
            Thread.sleep(20);
        }
        assertEquals(202, Fixture.status(r, "DELETE", "/v2/app/one/blobs/" + layer.digest()));
        assertEquals(202, Fixture.status(r, "DELETE", "/v2/app/multi/manifests/" + child.manifest().digest()));
        int seen = poller.passes();
        while (poller.passes() < seen + 2) {
            Thread.sleep(20);
        }
        List<String> caught = poller.stop();

        List<String> now = new RegistryAudit(r.host()).incompleteTags();
        assertEquals(2, now.size(), now.toString());
        assertTrue(now.stream().anyMatch(v -> v.startsWith("app/one:1 ") && v.contains("blob " + layer.digest())), now.toString());
        assertTrue(now.stream().anyMatch(v -> v.startsWith("app/multi:2 ") && v.contains("child manifest " + child.manifest().digest())),
                now.toString());
        assertEquals(now.size(), caught.size(), "the poller saw both while it ran: " + caught);
    }
}
