package dev.airlock.imports.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** inspect's streamed summary says what the tree it replaced said (red-team pass G: the tree had no bound). */
class UnverifiedSummaryTest {
    @Test
    void of_readsTheFieldsInspectShows_inAnyOrder_skippingOthers() throws Exception {
        byte[] raw = ("{\"images\":[{\"source\":\"r/a:1\",\"digest\":\"sha256:aa\",\"mediaType\":\"m\",\"x\":{\"y\":[1]}},{}],"
                + "\"format\":\"airlock-bundle/1\",\"channel\":\"c\",\"sequence\":5,\"parent\":{\"sequence\":4,\"digest\":\"sha256:bb\"},"
                + "\"created\":\"2026-01-01T00:00:00Z\",\"blobs\":[{\"digest\":\"d\",\"size\":10},{\"size\":\"7\"},{\"size\":{}}],"
                + "\"requires\":[{\"a\":1},\"b\"],\"other\":{\"deep\":[[[]]]}}").getBytes(StandardCharsets.UTF_8);
        UnverifiedSummary s = UnverifiedSummary.of(raw);
        assertEquals(List.of("airlock-bundle/1", "c", "5", "2026-01-01T00:00:00Z", "4 sha256:bb"),
                List.of(s.format, s.channel, s.sequence, s.created, s.parent));
        assertEquals(List.of(3L, 17L, 2L), List.of(s.blobs, s.blobBytes, s.requires));
        List<String> images = new ArrayList<>();
        UnverifiedSummary.images(raw, images::add);
        assertEquals(List.of("r/a:1  sha256:aa  m", "    "), images);
    }

    @Test
    void of_aFullBundle_hasAnEmptyParent() throws Exception {
        UnverifiedSummary s = UnverifiedSummary.of("{\"parent\":null}".getBytes(StandardCharsets.UTF_8));
        assertEquals("", s.parent);
    }
}
