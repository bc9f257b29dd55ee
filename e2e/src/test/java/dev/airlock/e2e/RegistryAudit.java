package dev.airlock.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.digest.Digest;
import dev.airlock.oci.MediaTypes;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Checks a plain-HTTP registry the way a consumer meets it: every repository of the catalog, every
 * tag, the manifest it points at (an index's child manifests too), and by {@code HEAD} every config
 * and layer blob. A tag that resolves to an image with any of these missing is a violation: the
 * importer promises that no tag ever points at an incomplete image.
 *
 * <p>Used once after a run ({@link #snapshot()}), or as a background {@link Poller} during a run
 * that collects every violation seen at any moment. A registry that cannot be reached (stopped,
 * restarting) is no violation: that pass is skipped and counted as such.
 */
final class RegistryAudit {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ACCEPT = String.join(", ", MediaTypes.ACCEPTED_MANIFESTS);

    private final String host;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    RegistryAudit(String host) {
        this.host = host;
    }

    /** One look at the registry: what every tag resolves to, and which tags point at an incomplete image. */
    record Snapshot(Map<String, String> tags, List<String> violations) {
    }

    /** The registry did not answer; no conclusion can be drawn from this pass. */
    static final class Unreachable extends Exception {
        Unreachable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Walks every tag now. {@code tags} maps "repository:tag" to the digest of the manifest bytes it serves. */
    Snapshot snapshot() throws Unreachable {
        Map<String, String> tags = new TreeMap<>();
        List<String> violations = new ArrayList<>();
        JsonNode catalog = json(get("/v2/_catalog?n=1000", null));
        for (JsonNode r : catalog.path("repositories")) {
            String repo = r.asText();
            Response list = get("/v2/" + repo + "/tags/list", null);
            if (list.status() == 404) {
                continue; // a repository with blobs but no tag yet
            }
            for (JsonNode t : json(list).path("tags")) {
                String tag = t.asText();
                Response m = get("/v2/" + repo + "/manifests/" + tag, ACCEPT);
                if (m.status() == 404) {
                    continue; // listed while its link is being written: it does not resolve, so points at nothing yet
                }
                if (m.status() != 200) {
                    throw new Unreachable(host + " answered " + m.status() + " for " + repo + ":" + tag, null);
                }
                String digest = Digest.sha256Of(m.body()).toString();
                tags.put(repo + ":" + tag, digest);
                List<String> missing = new ArrayList<>();
                checkManifest(repo, m.body(), missing);
                if (!missing.isEmpty()) {
                    violations.add(repo + ":" + tag + " → " + digest + " is incomplete: " + String.join(", ", missing));
                }
            }
        }
        return new Snapshot(tags, violations);
    }

    /** Tags that point at an incomplete image right now. */
    List<String> incompleteTags() throws Unreachable {
        return snapshot().violations();
    }

    private void checkManifest(String repo, byte[] bytes, List<String> missing) throws Unreachable {
        JsonNode m = json(bytes);
        if (m.has("manifests")) {
            for (JsonNode child : m.path("manifests")) {
                String d = child.path("digest").asText();
                Response c = get("/v2/" + repo + "/manifests/" + d, ACCEPT);
                if (c.status() == 404) {
                    missing.add("child manifest " + d);
                    continue;
                }
                if (c.status() != 200) {
                    throw new Unreachable(host + " answered " + c.status() + " for manifest " + d, null);
                }
                if (!Digest.sha256Of(c.body()).toString().equals(d)) {
                    missing.add("child manifest " + d + " (served bytes hash differently)");
                    continue;
                }
                checkManifest(repo, c.body(), missing);
            }
            return;
        }
        List<JsonNode> blobs = new ArrayList<>();
        if (m.has("config")) {
            blobs.add(m.get("config"));
        }
        m.path("layers").forEach(blobs::add);
        for (JsonNode b : blobs) {
            String d = b.path("digest").asText();
            Response h = head("/v2/" + repo + "/blobs/" + d);
            if (h.status() == 404) {
                missing.add("blob " + d);
            } else if (h.status() != 200) {
                throw new Unreachable(host + " answered " + h.status() + " for HEAD blob " + d, null);
            } else if (h.length() != b.path("size").asLong()) {
                missing.add("blob " + d + " (" + h.length() + " bytes, not " + b.path("size").asLong() + ")");
            }
        }
    }

    private record Response(int status, byte[] body, long length) {
    }

    private Response get(String path, String accept) throws Unreachable {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + host + path)).timeout(Duration.ofSeconds(5)).GET();
        if (accept != null) {
            b.header("Accept", accept);
        }
        try {
            HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            return new Response(r.statusCode(), r.body(), r.body().length);
        } catch (IOException e) {
            throw new Unreachable(host + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unreachable("interrupted", e);
        }
    }

    private Response head(String path) throws Unreachable {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://" + host + path)).timeout(Duration.ofSeconds(5))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build();
        try {
            HttpResponse<Void> r = http.send(req, HttpResponse.BodyHandlers.discarding());
            return new Response(r.statusCode(), null, r.headers().firstValueAsLong("Content-Length").orElse(-1));
        } catch (IOException e) {
            throw new Unreachable(host + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unreachable("interrupted", e);
        }
    }

    private JsonNode json(Response r) throws Unreachable {
        if (r.status() != 200) {
            throw new Unreachable(host + " answered " + r.status(), null);
        }
        return json(r.body());
    }

    private static JsonNode json(byte[] bytes) {
        try {
            return JSON.readTree(bytes);
        } catch (IOException e) {
            throw new IllegalStateException("registry sent invalid JSON: " + e.getMessage(), e);
        }
    }

    /**
     * Stops {@code poller} (if any), looks once more, and fails unless no pass ever saw a tag on an
     * incomplete image, the poller made at least 3 passes, and the last look found {@code tagsAtEnd}
     * tags (when positive).
     */
    void assertClean(Poller poller, int tagsAtEnd) throws Exception {
        List<String> seen = poller == null ? List.of() : poller.stop();
        Snapshot last = snapshot();
        List<String> all = new ArrayList<>(seen);
        all.addAll(last.violations());
        org.junit.jupiter.api.Assertions.assertTrue(all.isEmpty(), "a tag pointed at an incomplete image ("
                + (poller == null ? "one look" : poller) + "): " + all.subList(0, Math.min(5, all.size())));
        if (poller != null) {
            org.junit.jupiter.api.Assertions.assertTrue(poller.passes() >= 3, "the audit made only " + poller);
        }
        if (tagsAtEnd > 0) {
            org.junit.jupiter.api.Assertions.assertEquals(tagsAtEnd, last.tags().size(), "tags in the last look: " + last.tags());
        }
    }

    /** Starts polling every {@code every} on a daemon thread until {@link Poller#stop()}. */
    Poller poll(Duration every) {
        Poller p = new Poller(every);
        p.thread.start();
        return p;
    }

    /** A background audit: every violation seen at any pass, and how many passes completed. */
    final class Poller {
        private final Thread thread;
        private final List<String> violations = new CopyOnWriteArrayList<>();
        private final AtomicInteger passes = new AtomicInteger();
        private final AtomicInteger unreachable = new AtomicInteger();
        private volatile boolean stopping;

        private Poller(Duration every) {
            thread = new Thread(() -> {
                while (!stopping) {
                    try {
                        for (String v : snapshot().violations()) {
                            if (!violations.contains(v)) {
                                violations.add(v);
                            }
                        }
                        passes.incrementAndGet();
                    } catch (Unreachable e) {
                        if (!stopping) {
                            unreachable.incrementAndGet();
                        }
                    } catch (RuntimeException e) {
                        violations.add("audit failed: " + e);
                    }
                    try {
                        Thread.sleep(every.toMillis());
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "registry-audit " + host);
            thread.setDaemon(true);
        }

        /** Completed passes so far (a pass that found the registry unreachable does not count). */
        int passes() {
            return passes.get();
        }

        /** Stops after the current pass (at most 10 s) and returns every violation seen. */
        List<String> stop() throws InterruptedException {
            stopping = true;
            thread.interrupt();
            thread.join(10_000);
            return List.copyOf(violations);
        }

        @Override
        public String toString() {
            return passes.get() + " audit passes (" + unreachable.get() + " with the registry unreachable)";
        }
    }
}
