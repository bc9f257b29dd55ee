package dev.airlock.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.airlock.digest.Digest;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Faults and flows no real registry here produces on demand — a token service, a redirect to
 * another host, 503/429 with Retry-After, a connection cut mid-blob — played by a tiny fake.
 */
class RegistryHttpFaultsTest {
    static final byte[] BLOB = new byte[200_000];
    static final Digest DIGEST;

    static {
        new java.util.Random(5).nextBytes(BLOB);
        DIGEST = Digest.sha256Of(BLOB);
    }

    private final List<HttpServer> servers = new CopyOnWriteArrayList<>();

    private HttpServer server(HttpHandler handler) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        s.createContext("/", handler);
        s.setExecutor(java.util.concurrent.Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fake-registry");
            t.setDaemon(true);
            return t;
        }));
        s.start();
        servers.add(s);
        return s;
    }

    @AfterEach
    void stop() {
        servers.forEach(s -> s.stop(0));
    }

    private static String host(HttpServer s) {
        return "127.0.0.1:" + s.getAddress().getPort();
    }

    private static RegistryClient client(String host, CredentialStore creds) {
        return new RegistryClient(RegistryOptions.defaults().withInsecure(Set.of(host)).withCredentials(creds)
                .withRetries(4, Duration.ofMillis(20)));
    }

    private static void respond(HttpExchange x, int status, byte[] body) throws IOException {
        x.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream o = x.getResponseBody()) {
                o.write(body);
            }
        }
        x.close();
    }

    @Test
    void bearerToken_isFetchedWithBasicCredentialsAndScope_thenCached() throws Exception {
        AtomicInteger tokenCalls = new AtomicInteger();
        List<String> tokenQueries = new CopyOnWriteArrayList<>();
        HttpServer[] self = new HttpServer[1];
        self[0] = server(x -> {
            String path = x.getRequestURI().getPath();
            if (path.equals("/token")) {
                tokenCalls.incrementAndGet();
                tokenQueries.add(x.getRequestURI().getRawQuery() + " auth=" + x.getRequestHeaders().getFirst("Authorization"));
                respond(x, 200, "{\"token\":\"T1\"}".getBytes(StandardCharsets.UTF_8));
            } else if ("Bearer T1".equals(x.getRequestHeaders().getFirst("Authorization"))) {
                x.getResponseHeaders().add("Docker-Content-Digest", DIGEST.toString());
                respond(x, 200, new byte[0]);
            } else {
                x.getResponseHeaders().add("WWW-Authenticate",
                        "Bearer realm=\"http://" + host(self[0]) + "/token\",service=\"fake\"");
                respond(x, 401, new byte[0]);
            }
        });
        String host = host(self[0]);
        RegistryClient.Repository repo = client(host, h -> Optional.of(new Credentials("u", "p"))).repository(host, "a/b");
        assertTrue(repo.hasBlob(DIGEST));
        assertTrue(repo.hasBlob(DIGEST));
        assertEquals(1, tokenCalls.get(), "the token is cached per scope");
        assertTrue(tokenQueries.get(0).contains("service=fake"), tokenQueries.get(0));
        assertTrue(tokenQueries.get(0).contains("scope=repository%3Aa%2Fb%3Apull"), tokenQueries.get(0));
        assertTrue(tokenQueries.get(0).contains("auth=Basic "), tokenQueries.get(0));
    }

    @Test
    void redirectToAnotherHost_dropsAuthorization() throws Exception {
        List<String> seenAtStorage = new CopyOnWriteArrayList<>();
        HttpServer storage = server(x -> {
            seenAtStorage.add(String.valueOf(x.getRequestHeaders().getFirst("Authorization")));
            respond(x, 200, BLOB);
        });
        HttpServer registry = server(x -> {
            if (x.getRequestHeaders().getFirst("Authorization") == null) {
                x.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"r\"");
                respond(x, 401, new byte[0]);
                return;
            }
            x.getResponseHeaders().add("Location", "http://localhost:" + storage.getAddress().getPort() + "/blob?sig=1");
            respond(x, 307, new byte[0]);
        });
        String host = host(registry);
        RegistryClient.Repository repo = client(host, h -> Optional.of(new Credentials("u", "secret"))).repository(host, "a/b");
        byte[] got = new byte[BLOB.length];
        repo.fetchBlob(DIGEST, BLOB.length, (buf, offset) -> buf.get(got, (int) offset, buf.remaining()));
        assertArrayEquals(BLOB, got);
        assertEquals(List.of("null"), seenAtStorage, "Authorization must not follow a redirect to another host");
    }

    @Test
    void retriesOn503And429_honouringRetryAfter() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        HttpServer s = server(x -> {
            int n = calls.incrementAndGet();
            if (n == 1) {
                x.getResponseHeaders().add("Retry-After", "1");
                respond(x, 503, new byte[0]);
            } else if (n == 2) {
                respond(x, 429, new byte[0]);
            } else {
                respond(x, 200, new byte[0]);
            }
        });
        long start = System.nanoTime();
        assertTrue(client(host(s), CredentialStore.NONE).repository(host(s), "a/b").hasBlob(DIGEST));
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertEquals(3, calls.get());
        assertTrue(ms >= 1000, "waited " + ms + " ms; Retry-After asked for 1 s");
    }

    /** A server that cuts the first response after {@code cut} bytes and honours Range afterwards. */
    private HttpServer cuttingServer(int cut, List<String> ranges, byte[] content) throws IOException {
        AtomicInteger calls = new AtomicInteger();
        return server(x -> {
            String range = x.getRequestHeaders().getFirst("Range");
            ranges.add(String.valueOf(range));
            if (calls.incrementAndGet() == 1) {
                x.sendResponseHeaders(200, content.length);
                OutputStream o = x.getResponseBody();
                o.write(content, 0, cut);
                o.flush();
                x.close();
                return;
            }
            int from = range == null ? 0 : Integer.parseInt(range.substring("bytes=".length(), range.length() - 1));
            x.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (content.length - 1) + "/" + content.length);
            x.sendResponseHeaders(range == null ? 200 : 206, content.length - from);
            try (OutputStream o = x.getResponseBody()) {
                o.write(content, from, content.length - from);
            }
            x.close();
        });
    }

    @Test
    void fetchBlob_resumesABrokenDownloadWithRange_andHashesEachByteOnce() throws Exception {
        List<String> ranges = new CopyOnWriteArrayList<>();
        HttpServer s = cuttingServer(90_000, ranges, BLOB);
        byte[] got = new byte[BLOB.length];
        client(host(s), CredentialStore.NONE).repository(host(s), "a/b").fetchBlob(DIGEST, BLOB.length,
                (buf, offset) -> buf.get(got, (int) offset, buf.remaining()));
        assertArrayEquals(BLOB, got);
        assertEquals(2, ranges.size(), ranges.toString());
        assertTrue(ranges.get(1).startsWith("bytes=") && !ranges.get(1).equals("bytes=0-"), ranges.toString());
    }

    @Test
    void fetchBlob_refusesContentThatDoesNotMatchItsDigest() throws Exception {
        byte[] bad = BLOB.clone();
        bad[bad.length - 1] ^= 1;
        HttpServer s = server(x -> respond(x, 200, bad));
        dev.airlock.error.AirlockException e = org.junit.jupiter.api.Assertions.assertThrows(dev.airlock.error.AirlockException.class,
                () -> client(host(s), CredentialStore.NONE).repository(host(s), "a/b").fetchBlob(DIGEST, BLOB.length, (buf, offset) -> {
                    buf.position(buf.limit());
                }));
        assertEquals(dev.airlock.error.AirlockException.Kind.DIGEST_MISMATCH, e.kind());
        assertTrue(e.getMessage().contains("hashes to") && e.getMessage().contains(DIGEST.toString()), e.getMessage());
    }

    private static final Duration IDLE = Duration.ofMillis(400);

    private static RegistryClient impatientClient(String host, int attempts) {
        return new RegistryClient(RegistryOptions.defaults().withInsecure(Set.of(host)).withRetries(attempts, Duration.ofMillis(20))
                .withIdleTimeout(IDLE));
    }

    /** Quick retries but the default idle timeout: for tests whose point is not a stall, so a loaded machine adds no retry. */
    private static RegistryClient quickRetryClient(String host, int attempts) {
        return new RegistryClient(RegistryOptions.defaults().withInsecure(Set.of(host)).withRetries(attempts, Duration.ofMillis(20)));
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void fetchBlob_stalledMidBody_isAbandonedAfterTheIdleTimeout_andResumedWithRange() throws Exception {
        List<String> ranges = new CopyOnWriteArrayList<>();
        AtomicInteger calls = new AtomicInteger();
        HttpServer s = server(x -> {
            String range = x.getRequestHeaders().getFirst("Range");
            ranges.add(String.valueOf(range));
            if (calls.incrementAndGet() == 1) {
                x.sendResponseHeaders(200, BLOB.length);
                OutputStream o = x.getResponseBody();
                o.write(BLOB, 0, 70_000);
                o.flush();
                sleepQuietly(20_000); // stalls far longer than the idle timeout
                x.close();
                return;
            }
            int from = Integer.parseInt(range.substring("bytes=".length(), range.length() - 1));
            x.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (BLOB.length - 1) + "/" + BLOB.length);
            x.sendResponseHeaders(206, BLOB.length - from);
            try (OutputStream o = x.getResponseBody()) {
                o.write(BLOB, from, BLOB.length - from);
            }
            x.close();
        });
        byte[] got = new byte[BLOB.length];
        long start = System.nanoTime();
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(15), () ->
                impatientClient(host(s), 3).repository(host(s), "a/b").fetchBlob(DIGEST, BLOB.length,
                        (buf, offset) -> buf.get(got, (int) offset, buf.remaining())), "hung on a stalled download");
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertArrayEquals(BLOB, got);
        assertEquals(2, ranges.size(), ranges.toString());
        assertTrue(ranges.get(1).startsWith("bytes=") && !ranges.get(1).equals("bytes=0-"), ranges.toString());
        assertTrue(ms < 5_000, "took " + ms + " ms with a " + IDLE.toMillis() + " ms idle timeout");
    }

    @Test
    void aServerThatAcceptsButNeverAnswers_isATransientFailure_boundedByIdleTimeoutAndRetries() throws Exception {
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            List<java.net.Socket> held = new CopyOnWriteArrayList<>();
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        held.add(silent.accept()); // read nothing, answer nothing
                    }
                } catch (IOException ended) {
                    // closed by the test
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            String host = "127.0.0.1:" + silent.getLocalPort();
            long start = System.nanoTime();
            dev.airlock.error.AirlockException e = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(15),
                    () -> org.junit.jupiter.api.Assertions.assertThrows(dev.airlock.error.AirlockException.class,
                            () -> impatientClient(host, 2).repository(host, "a/b").hasBlob(DIGEST)), "hung on a silent server");
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertEquals(dev.airlock.error.AirlockException.Kind.TRANSIENT, e.kind(), e.getMessage());
            assertTrue(e.getMessage().contains("idle-timeout"), e.getMessage());
            assertTrue(ms < 5_000, "took " + ms + " ms");
            assertEquals(2, held.size(), "one connection per try");
            for (java.net.Socket sock : held) {
                sock.close();
            }
        }
    }

    /** A registry's upload endpoints; PUT number {@code failing} fails as {@code failure} says. */
    private HttpServer uploadServer(List<String> log, java.util.function.IntPredicate stallPut, java.util.function.IntPredicate failPut)
            throws IOException {
        AtomicInteger sessions = new AtomicInteger();
        AtomicInteger puts = new AtomicInteger();
        return server(x -> {
            String method = x.getRequestMethod();
            String path = x.getRequestURI().getPath();
            log.add(method + " " + path);
            if (method.equals("HEAD")) {
                respond(x, 404, new byte[0]);
            } else if (method.equals("POST")) {
                x.getResponseHeaders().add("Location", "/v2/a/b/blobs/uploads/session-" + sessions.incrementAndGet());
                respond(x, 202, new byte[0]);
            } else if (method.equals("DELETE")) {
                respond(x, 204, new byte[0]);
            } else if (method.equals("PUT")) {
                int n = puts.incrementAndGet();
                if (stallPut.test(n)) {
                    sleepQuietly(20_000); // never reads the body
                    x.close();
                    return;
                }
                byte[] body = x.getRequestBody().readAllBytes();
                if (failPut.test(n)) {
                    respond(x, 500, new byte[0]);
                    return;
                }
                boolean ok = java.util.Arrays.equals(body, BLOB);
                respond(x, ok ? 201 : 400, new byte[0]);
            } else {
                respond(x, 405, new byte[0]);
            }
        });
    }

    @Test
    void failedUpload_isRetriedInANewSession_andTheOldOneCancelled() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        HttpServer s = uploadServer(log, n -> false, n -> n == 1);
        quickRetryClient(host(s), 3).repository(host(s), "a/b").uploadBlob(DIGEST, BLOB.length, offset ->
                new java.io.ByteArrayInputStream(BLOB, (int) offset, BLOB.length - (int) offset), 0);
        assertEquals(List.of("POST /v2/a/b/blobs/uploads/", "PUT /v2/a/b/blobs/uploads/session-1", "DELETE /v2/a/b/blobs/uploads/session-1",
                "POST /v2/a/b/blobs/uploads/", "PUT /v2/a/b/blobs/uploads/session-2"), log);
    }

    @Test
    void aBundleFileThatEndsEarlyDuringTheUpload_isALocalFailure_notRetriedAsTheRegistrys(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        HttpServer s = uploadServer(log, n -> false, n -> false);
        java.nio.file.Path file = dir.resolve("bundle.tar");
        java.nio.file.Files.write(file, java.util.Arrays.copyOf(BLOB, 50_000)); // cut short after it was checked
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file)) {
            dev.airlock.io.FileRegion region = new dev.airlock.io.FileRegion(ch, 0, BLOB.length, DIGEST, "bundle.tar: blobs/sha256/x");
            dev.airlock.error.AirlockException e = org.junit.jupiter.api.Assertions.assertThrows(dev.airlock.error.AirlockException.class,
                    () -> impatientClient(host(s), 4).repository(host(s), "a/b").uploadBlob(DIGEST, BLOB.length, region, 0));
            assertEquals(dev.airlock.error.AirlockException.Kind.LOCAL, e.kind(), e.getMessage());
            assertTrue(e.getMessage().contains("bundle.tar") && e.getMessage().contains("ends early"), e.getMessage());
        }
        assertEquals(1, log.stream().filter(l -> l.startsWith("POST")).count(), "one upload session, no retry: " + log);
    }

    @Test
    void stalledUpload_isAbandonedAfterTheIdleTimeout_andRetriedInANewSession() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        byte[] big = new byte[8 << 20]; // more than the socket buffers take without the server reading
        HttpServer s = uploadServer(log, n -> n == 1, n -> false);
        long start = System.nanoTime();
        dev.airlock.error.AirlockException e = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(15),
                () -> org.junit.jupiter.api.Assertions.assertThrows(dev.airlock.error.AirlockException.class,
                        () -> impatientClient(host(s), 2).repository(host(s), "a/b").uploadBlob(Digest.sha256Of(big), big.length,
                                offset -> new java.io.ByteArrayInputStream(big, (int) offset, big.length - (int) offset), 0)),
                "hung on a stalled upload");
        long ms = (System.nanoTime() - start) / 1_000_000;
        // The second session's PUT reads the body: it is not BLOB, so the fake answers 400 and the
        // retries run out; what matters is that the stall ended and a new session was used.
        assertEquals(dev.airlock.error.AirlockException.Kind.TRANSIENT, e.kind(), e.getMessage());
        assertTrue(log.contains("PUT /v2/a/b/blobs/uploads/session-2"), log.toString());
        assertTrue(log.contains("DELETE /v2/a/b/blobs/uploads/session-1"), log.toString());
        assertTrue(ms < 8_000, "took " + ms + " ms");
    }

    @Test
    void manifestWhoseBytesDoNotMatchTheRequestedDigest_isRefused() throws Exception {
        byte[] manifest = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"x\",\"digest\":\"sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"size\":1},\"layers\":[]}"
                .getBytes(StandardCharsets.UTF_8);
        HttpServer s = server(x -> {
            x.getResponseHeaders().add("Content-Type", "application/vnd.oci.image.manifest.v1+json");
            respond(x, 200, manifest);
        });
        RegistryClient.Repository repo = client(host(s), CredentialStore.NONE).repository(host(s), "a/b");
        dev.airlock.error.AirlockException e = org.junit.jupiter.api.Assertions.assertThrows(dev.airlock.error.AirlockException.class,
                () -> repo.getManifest(DIGEST.toString()));
        assertEquals(dev.airlock.error.AirlockException.Kind.DIGEST_MISMATCH, e.kind());
    }
}
