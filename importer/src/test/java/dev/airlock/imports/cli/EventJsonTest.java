package dev.airlock.imports.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** watch/serve --json: each of the watcher's and the server's line formats read into its event and fields. */
class EventJsonTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant T = Instant.parse("2026-12-07T09:31:19Z");

    private static JsonNode event(String line) throws Exception {
        String json = EventJson.line(EventJson.WATCH, T, "watcher", line);
        assertFalse(json.contains("\n"), "one line: " + json);
        JsonNode o = JSON.readTree(json);
        assertEquals("airlock-watch/v1", o.path("schema").asText());
        assertEquals("2026-12-07T09:31:19Z", o.path("time").asText());
        assertEquals(line, o.path("message").asText(), "the text line, whole");
        return o;
    }

    @Test
    void eachWatcherLine_isItsEvent_withTheBundleChannelExitCodeAndDestinationItNames() throws Exception {
        JsonNode p = event("picked up daily-000002.airlock.tar: channel daily, sequence 2 (delta after 1)");
        assertEquals("picked-up", p.path("event").asText());
        assertEquals("daily-000002.airlock.tar", p.path("bundle").asText());

        JsonNode i = event("imported daily-000002.airlock.tar: channel daily, sequence 2, sha256:ab, 3 image(s), 2 blob(s) pushed (1.0 MiB),"
                + " 3 tag(s) written -> done/daily-000002.airlock.tar");
        assertEquals("imported", i.path("event").asText());
        assertEquals("daily", i.path("channel").asText());
        assertEquals("done/daily-000002.airlock.tar", i.path("to").asText());

        JsonNode d = event("duplicate a.tar: channel c1, sequence 1, sha256:ab was already applied to reg:5000/m -> done/a.tar.1");
        assertEquals("duplicate", d.path("event").asText());
        assertEquals("a.tar", d.path("bundle").asText());
        assertEquals("done/a.tar.1", d.path("to").asText());

        JsonNode r = event("rejected junk.tar: exit 3: junk.tar is not a bundle: no bundle.json -> rejected/junk.tar (reason in rejected/junk.tar.reason)");
        assertEquals("rejected", r.path("event").asText());
        assertEquals(3, r.path("exitCode").asInt());
        assertEquals("rejected/junk.tar", r.path("to").asText());

        JsonNode retry = event("retry in 10s: b.tar: exit 5: registry down (not the bundle's fault; it stays in the inbox, and its channel waits)");
        assertEquals("retry", retry.path("event").asText());
        assertEquals("b.tar", retry.path("bundle").asText());
        assertEquals(5, retry.path("exitCode").asInt());

        JsonNode left = event("left b.tar in place: exit 1: disk full (not the bundle's fault; the next run tries it again)");
        assertEquals("left", left.path("event").asText());
        assertEquals("b.tar", left.path("bundle").asText());

        JsonNode w = event("still waiting: channel daily: daily-000003.airlock.tar (sequence 3) follows sequence 2, which has not been applied"
                + " (last applied: 1; missing 2), since 2026-12-07T09:00:00Z");
        assertEquals("waiting", w.path("event").asText());
        assertEquals("daily", w.path("channel").asText());
        assertEquals("daily-000003.airlock.tar", w.path("bundle").asText());

        assertEquals("note", event("something new the table does not know").path("event").asText());
    }

    @Test
    void serverLines_areTheirEvents() throws Exception {
        JsonNode r = JSON.readTree(EventJson.line(EventJson.SERVE, T, "server", "received a.tar (10 bytes) from airlock@127.0.0.1:4000 key SHA256:x"));
        assertEquals("airlock-serve/v1", r.path("schema").asText());
        assertEquals("server", r.path("source").asText());
        assertEquals("received", r.path("event").asText());
        assertEquals("a.tar", r.path("file").asText());
    }
}
