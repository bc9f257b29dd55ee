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
        assertTrue(e.getMessage().contains("hashes to"), e.getMessage());
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
