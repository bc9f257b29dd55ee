package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.testing.RegistryExtension;
import dev.airlock.testing.RegistryExtension.Registries;
import dev.airlock.testing.TestSshd;
import dev.airlock.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * --json on the commands that lacked it (issue 22, item 7): load and both receipts print one JSON
 * object; watch and serve print one JSON object per event line (JSON Lines). Each is run against
 * real loopback registries (and, for serve, OpenSSH's sftp) and its stdout parsed.
 */
@ExtendWith(RegistryExtension.class)
class JsonEventsIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void load_withJson_printsTheBundleVerified_theArchiveWritten_andEachImageInIt(Registries r) throws Exception {
        ChainFixture c = new ChainFixture(r.plain(), r.plain(), tmp).seedThree();
        Path bundle = c.export();
        Path archive = tmp.resolve("images.tar");
        Airlock.Run run = Airlock.importer(List.of("load", bundle.toString(), "--trust", c.exporterKey[1].toString(), "--docker-archive",
                archive.toString(), "--platform", "linux/amd64", "--json")).ok();
        JsonNode o = JSON.readTree(run.out());
        assertEquals("airlock-load/v1", o.path("schema").asText(), run.out());
        JsonVocabulary.fromReadme().check("load", run.out()); // every field in the table of docs/json-output.md
        assertEquals(digest(c, bundle), o.at("/bundle/digest").asText());
        assertEquals(bundle.toString(), o.at("/bundle/path").asText());
        assertEquals(1, o.at("/bundle/sequence").asInt());
        assertTrue(o.path("verified").asBoolean());
        assertEquals(1, o.path("signers").size());
        assertEquals(archive.toString(), o.at("/archive/path").asText());
        assertEquals(Files.size(archive), o.at("/archive/size").asLong());
        assertEquals(3, o.path("images").size(), run.out());
        for (JsonNode i : o.path("images")) {
            assertTrue(c.images.contains(i.path("source").asText()), i.toString());
            // the platform taken from a multi-arch image; null for a single-platform one, written as it is
            assertTrue(i.path("platform").isNull() || i.path("platform").asText().equals("linux/amd64"), i.toString());
            assertTrue(i.path("digest").asText().startsWith("sha256:") && i.path("config").asText().startsWith("sha256:"), i.toString());
            assertEquals(1, i.path("tags").size(), i.toString());
            assertEquals(2, i.path("layerCount").asInt(), i.toString());
        }
    }

    @Test
    void receipt_withJson_onBothSides_printsWhatTheReceiptRecords(Registries r) throws Exception {
        ChainFixture c = new ChainFixture(r.plain(), r.plain(), tmp).seedThree();
        Path bundle = c.export();
        c.importBundle(bundle).ok();
        Path file = tmp.resolve("back").resolve("daily.receipt.json");
        Airlock.Run written = Airlock.importer(List.of("receipt", "--channel", "daily", "--key", c.importerKey[0].toString(), "--out",
                file.toString(), "--state", c.dir.resolve("import-state").toString(), "--json")).ok();
        JsonNode w = JSON.readTree(written.out());
        JsonNode recorded = JSON.readTree(Files.readString(file));
        assertEquals("airlock-receipt/v1", w.path("schema").asText(), written.out());
        JsonVocabulary.fromReadme().check("receipt", written.out()); // every field in the table of docs/json-output.md
        assertEquals("written", w.path("action").asText());
        assertEquals(file.toString(), w.at("/receipt/path").asText());
        assertEquals(file + ".asc", w.at("/receipt/signature").asText());
        assertEquals("daily", w.at("/receipt/channel").asText());
        assertEquals(1, w.at("/receipt/sequence").asInt());
        assertEquals(digest(c, bundle), w.at("/receipt/digest").asText());
        assertEquals(recorded.path("created").asText(), w.at("/receipt/created").asText());
        assertEquals(1, w.path("signers").size());
        assertEquals(recorded.path("blobs").size(), w.at("/blobs/present").asInt());
        assertEquals(3, w.path("images").size());
        for (JsonNode i : w.path("images")) {
            assertTrue(c.images.contains(i.path("source").asText()), i.toString());
            assertTrue(i.path("target").asText().startsWith(c.target.host() + "/mirror/"), i.toString());
            assertEquals(c.targetDigest(i.path("source").asText()), i.path("digest").asText());
        }

        Airlock.Run applied = Airlock.export(List.of("receipt", file.toString(), "--trust", c.importerKey[1].toString(), "--state",
                c.dir.resolve("export-state").toString(), "--json")).ok();
        JsonNode a = JSON.readTree(applied.out());
        assertEquals("airlock-receipt/v1", a.path("schema").asText(), applied.out());
        JsonVocabulary.fromReadme().check("receipt", applied.out());
        assertEquals("applied", a.path("action").asText());
        assertEquals(w.path("receipt"), a.path("receipt"));
        assertEquals(w.path("images"), a.path("images"));
        assertEquals(w.path("blobs"), a.path("blobs"));
    }

    @Test
    void watchOnce_withJson_printsOneObjectPerEvent_pickedUpImportedRejectedWaiting_andTheSummary(Registries r) throws Exception {
        ChainFixture c = new ChainFixture(r.plain(), r.plain(), tmp).seedThree();
        Path first = c.export();
        c.changeA(30_000);
        c.export();
        c.changeA(40_000);
        Path third = c.export();
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        Files.copy(first, inbox.resolve(first.getFileName()));
        Files.copy(third, inbox.resolve(third.getFileName()));
        Files.write(inbox.resolve("junk.airlock.tar"), new byte[10_240]);
        Thread.sleep(300); // older than --settle

        List<String> args = new ArrayList<>(List.of("watch", inbox.toString(), "--once", "--json", "--trust", c.exporterKey[1].toString(),
                "--registry", c.target.host() + "/mirror", "--state", c.dir.resolve("import-state").toString(), "--poll-interval", "500ms",
                "--settle", "200ms"));
        args.addAll(c.target.cliFlags());
        Airlock.Run run = Airlock.importer(args);
        assertEquals(3, run.code(), run.toString());
        List<JsonNode> events = events(run.out(), "airlock-watch/v1");
        JsonNode picked = only(events, "picked-up", first.getFileName().toString());
        assertTrue(picked.path("message").asText().startsWith("picked up " + first.getFileName() + ": "), picked.toString());
        JsonNode imported = only(events, "imported", first.getFileName().toString());
        assertEquals("daily", imported.path("channel").asText());
        assertEquals("done/" + first.getFileName(), imported.path("to").asText(), imported.toString());
        JsonNode rejected = only(events, "rejected", "junk.airlock.tar");
        assertEquals(3, rejected.path("exitCode").asInt(), rejected.toString());
        assertEquals("rejected/junk.airlock.tar", rejected.path("to").asText(), rejected.toString());
        // a waiting channel is said when the scan finds it and again in --once's summary, as in the text lines
        JsonNode waiting = events.stream().filter(e -> e.path("event").asText().equals("waiting")).findFirst()
                .orElseThrow(() -> new AssertionError("no waiting event: " + events));
        assertEquals(third.getFileName().toString(), waiting.path("bundle").asText(), waiting.toString());
        assertEquals("daily", waiting.path("channel").asText(), waiting.toString());
        JsonNode once = events.get(events.size() - 1);
        assertEquals("once", once.path("event").asText(), once.toString());
        assertEquals(1, once.path("importedCount").asInt());
        assertEquals(0, once.path("duplicateCount").asInt());
        assertEquals(1, once.path("rejectedCount").asInt());
        assertEquals(0, once.path("retryCount").asInt());
        assertEquals(1, once.path("waitingCount").asInt());
        assertEquals(3, once.path("exitCode").asInt());
    }

    @Test
    void serve_withJson_printsTheServersAndTheWatchersEvents_oneObjectPerLine(Registries r) throws Exception {
        Assumptions.assumeTrue(Tools.has("sftp") && Tools.has("ssh-keygen"), "needs OpenSSH's sftp and ssh-keygen (apt-get install openssh-client)");
        Path launcher = WatchIT.launcher();
        Path key = tmp.resolve("push_ed25519");
        TestSshd.keygen("ed25519", "", key);
        Path authorizedKeys = Files.writeString(tmp.resolve("authorized_keys"), Files.readString(tmp.resolve("push_ed25519.pub")));
        ChainFixture c = new ChainFixture(r.plain(), r.plain(), tmp).seedThree();
        Path bundle = c.export();
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        List<String> cmd = new ArrayList<>(List.of(launcher.toString(), "serve", "--json", "--listen", "127.0.0.1:" + port, "--host-key",
                tmp.resolve("host_key").toString(), "--authorized-keys", authorizedKeys.toString(), "--inbox", inbox.toString(),
                "--min-free", "1M", "--trust", c.exporterKey[1].toString(), "--registry", c.target.host() + "/mirror", "--state",
                tmp.resolve("import-state").toString(), "--poll-interval", "500ms", "--settle", "200ms", "--progress=none"));
        cmd.addAll(c.target.cliFlags());
        Path out = tmp.resolve("serve.out");
        Path err = tmp.resolve("serve.err");
        Process serve = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            JsonNode knownHosts = await(serve, out, "known-hosts");
            String line = knownHosts.path("message").asText();
            Path kh = Files.writeString(tmp.resolve("known_hosts"), line.substring(line.indexOf("sending side: ") + "sending side: ".length()) + "\n");
            Path batch = Files.writeString(tmp.resolve("batch"), "put " + bundle + "\n");
            Tools.Result put = Tools.run(List.of("sftp", "-b", batch.toString(), "-P", String.valueOf(port), "-F", "/dev/null", "-o",
                    "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=" + kh, "-o", "IdentitiesOnly=yes",
                    "-o", "IdentityAgent=none", "-i", key.toString(), "airlock@127.0.0.1"), Map.of(), null);
            assertEquals(0, put.exitCode(), put.stderr());
            JsonNode imported = await(serve, out, "imported");
            assertEquals(bundle.getFileName().toString(), imported.path("bundle").asText(), imported.toString());
            assertEquals("watcher", imported.path("source").asText());

            serve.destroy(); // SIGTERM
            assertTrue(serve.waitFor(30, java.util.concurrent.TimeUnit.SECONDS), "serve must stop on SIGTERM\n" + Files.readString(out));
            assertEquals(0, serve.exitValue(), Files.readString(err));
            List<JsonNode> events = events(Files.readString(out), "airlock-serve/v1");
            JsonNode received = events.stream().filter(e -> e.path("event").asText().equals("received")).findFirst()
                    .orElseThrow(() -> new AssertionError("no received event: " + events));
            assertEquals("server", received.path("source").asText());
            assertEquals(bundle.getFileName().toString(), received.path("file").asText(), received.toString());
            assertTrue(events.stream().anyMatch(e -> e.path("event").asText().equals("session-opened")), events.toString());
            assertTrue(events.stream().anyMatch(e -> e.path("event").asText().equals("stopped")), events.toString());
        } finally {
            serve.destroyForcibly();
        }
    }

    /** Every line of stdout, each one JSON object of {@code schema} with an ISO-8601 time, an event and the text line as message. */
    private static List<JsonNode> events(String stdout, String schema) throws Exception {
        List<JsonNode> events = new ArrayList<>();
        for (String line : stdout.lines().toList()) {
            JsonNode e = JSON.readTree(line);
            assertEquals(schema, e.path("schema").asText(), line);
            Instant.parse(e.path("time").asText());
            assertTrue(!e.path("event").asText().isEmpty() && !e.path("message").asText().isEmpty(), line);
            events.add(e);
        }
        assertTrue(!events.isEmpty(), "no events");
        return events;
    }

    private static JsonNode only(List<JsonNode> events, String event, String bundle) {
        List<JsonNode> hits = events.stream().filter(e -> e.path("event").asText().equals(event) && e.path("bundle").asText().equals(bundle))
                .toList();
        assertEquals(1, hits.size(), event + " " + bundle + " in " + events);
        return hits.get(0);
    }

    private static JsonNode await(Process p, Path out, String event) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            for (String line : Files.readString(out).lines().toList()) {
                JsonNode e;
                try {
                    e = JSON.readTree(line);
                } catch (com.fasterxml.jackson.core.JsonProcessingException stillBeingWritten) {
                    continue; // the last line, half written: read again next time
                }
                if (e.path("event").asText().equals(event)) {
                    return e;
                }
            }
            if (!p.isAlive()) {
                throw new AssertionError("serve ended (exit " + p.exitValue() + ") before a " + event + " event:\n" + Files.readString(out));
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no " + event + " event within 60 s:\n" + Files.readString(out));
    }

    private static String digest(ChainFixture c, Path bundle) {
        String out = Airlock.importer(List.of("verify", bundle.toString(), "--trust", c.exporterKey[1].toString())).ok().out();
        return out.lines().filter(l -> l.startsWith("digest ")).findFirst().orElseThrow().substring("digest".length()).trim();
    }
}
