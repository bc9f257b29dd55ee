package dev.airlock.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.digest.Digest;
import dev.airlock.testing.RegistryExtension.Registries;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The fault proxy does what the fault tests rely on, checked against a real registry with plain
 * sockets: one exchange per connection, canned answers for the chosen requests only, a reset after
 * exactly K body bytes, a stall that holds and then resumes (or holds until close), and a hook cued
 * by upload progress.
 */
@ExtendWith(RegistryExtension.class)
class FaultProxyTest {
    private static final int SIZE = 1 << 20;
    private static final byte[] BLOB = new byte[SIZE];
    private static final Digest DIGEST;

    static {
        new Random(8).nextBytes(BLOB);
        DIGEST = Digest.sha256Of(BLOB);
    }

    private static final String BLOB_PATH = "/v2/t/blob/blobs/" + DIGEST;

    /** One raw exchange's result: what arrived before the connection ended, and how it ended. */
    private record Reply(int status, Map<String, String> headers, byte[] body, IOException error) {
    }

    private static TestRegistry registryWithBlob(Registries registries) throws Exception {
        TestRegistry r = registries.plain();
        Reply post = exchange(r.host(), "POST", "/v2/t/blob/blobs/uploads/", new byte[0], 0);
        assertEquals(202, post.status());
        String location = post.headers().get("location").replaceFirst("^http://[^/]+", "");
        Reply put = exchange(r.host(), "PUT", location + "&digest=" + DIGEST, BLOB, 0);
        assertEquals(201, put.status(), new String(put.body(), StandardCharsets.UTF_8));
        return r;
    }

    @Test
    void forwardsUntouched_oneExchangePerConnection_loggingEachRequest(Registries registries) throws Exception {
        TestRegistry r = registryWithBlob(registries);
        try (FaultProxy proxy = FaultProxy.start(r)) {
            Reply a = exchange(proxy.host(), "GET", BLOB_PATH, null, 0);
            assertEquals(200, a.status());
            assertNull(a.error());
            assertArrayEquals(BLOB, a.body());
            assertEquals("close", a.headers().get("connection"), "the response tells the client not to reuse the connection");
            Reply head = exchange(proxy.host(), "HEAD", BLOB_PATH, null, 0);
            assertEquals(200, head.status());
            assertEquals(2, proxy.exchanges().size(), proxy.describe());
            assertEquals("HEAD", proxy.exchanges().get(1).method());
            assertEquals(BLOB_PATH, proxy.exchanges().get(1).target());
            assertEquals("done", proxy.exchanges().get(0).outcome());
            assertEquals(1, proxy.exchanges("GET", "/v2/t/.*").size());
        }
    }

    @Test
    void respond_answersTheChosenRequestsItself_skipAndTimesPickWhich(Registries registries) throws Exception {
        TestRegistry r = registries.plain();
        try (FaultProxy proxy = FaultProxy.start(r)) {
            FaultProxy.Rule outage = proxy.on("GET", "/v2/").times(2).respond(503, "Retry-After: 1");
            FaultProxy.Rule second = proxy.on("*", "/v2/_catalog.*").skip(1).times(1).respond(500);
            Reply first = exchange(proxy.host(), "GET", "/v2/", null, 0);
            assertEquals(503, first.status());
            assertEquals("1", first.headers().get("retry-after"));
            assertEquals(503, exchange(proxy.host(), "GET", "/v2/", null, 0).status());
            assertEquals(200, exchange(proxy.host(), "GET", "/v2/", null, 0).status());
            assertEquals(200, exchange(proxy.host(), "GET", "/v2/_catalog", null, 0).status());
            assertEquals(500, exchange(proxy.host(), "GET", "/v2/_catalog", null, 0).status());
            assertEquals(200, exchange(proxy.host(), "GET", "/v2/_catalog", null, 0).status());
            assertEquals(2, outage.applied());
            assertEquals(3, outage.matched());
            assertEquals(1, second.applied());
            proxy.clearRules();
            assertEquals(200, exchange(proxy.host(), "GET", "/v2/", null, 0).status());
        }
    }

    @Test
    void resetResponseBodyAfterK_deliversExactlyKBytes_thenAReset(Registries registries) throws Exception {
        TestRegistry r = registryWithBlob(registries);
        try (FaultProxy proxy = FaultProxy.start(r)) {
            proxy.on("GET", BLOB_PATH).times(1).resetResponseBodyAfter(100_000);
            Reply cut = exchange(proxy.host(), "GET", BLOB_PATH, null, 0);
            assertEquals(200, cut.status());
            assertEquals(100_000, cut.body().length);
            assertNotNull(cut.error(), "the connection ends with a reset, not an orderly close");
            assertTrue(proxy.exchanges().get(0).outcome().startsWith("reset after 100000"), proxy.describe());
            assertArrayEquals(BLOB, exchange(proxy.host(), "GET", BLOB_PATH, null, 0).body(), "times(1): the next GET is whole");
        }
    }

    @Test
    void stallResponseBodyAfterK_movesNothingForTheDuration_thenTheRest(Registries registries) throws Exception {
        TestRegistry r = registryWithBlob(registries);
        try (FaultProxy proxy = FaultProxy.start(r)) {
            proxy.on("GET", BLOB_PATH).stallResponseBodyAfter(200_000, Duration.ofMillis(1500));
            long start = System.nanoTime();
            // With a 500 ms read timeout the stalled read times out; the stall is then waited out with a longer one.
            Reply stalled = exchange(proxy.host(), "GET", BLOB_PATH, null, 500);
            assertTrue(stalled.error() instanceof SocketTimeoutException, "no byte moved during the stall: " + stalled.error());
            assertEquals(200_000, stalled.body().length);
            Reply whole = exchange(proxy.host(), "GET", BLOB_PATH, null, 5000);
            assertNull(whole.error());
            assertArrayEquals(BLOB, whole.body());
            assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(1500));
            assertTrue(proxy.exchanges().get(1).outcome().endsWith("then resumed"), proxy.describe());
        }
    }

    @Test
    void stallForever_holdsTheConnectionOpenUntilTheProxyCloses(Registries registries) throws Exception {
        TestRegistry r = registryWithBlob(registries);
        FaultProxy proxy = FaultProxy.start(r);
        try (Socket s = new Socket()) {
            proxy.on("GET", BLOB_PATH).stallResponseBodyAfter(0, FaultProxy.FOREVER);
            s.connect(new InetSocketAddress("127.0.0.1", port(proxy.host())));
            s.setSoTimeout(700);
            writeHead(s.getOutputStream(), "GET", BLOB_PATH, proxy.host(), -1);
            InputStream in = s.getInputStream();
            readHead(in);
            assertThrows(SocketTimeoutException.class, in::read, "the body does not start");
            proxy.close();
            s.setSoTimeout(2000);
            try {
                assertEquals(-1, in.read(), "closing the proxy ends the stalled connection");
            } catch (IOException reset) {
                // a reset ends it too
            }
        } finally {
            proxy.close();
        }
    }

    @Test
    void requestBodyFaults_resetCutsTheUpload_stallDelaysIt_hookRunsOnce(Registries registries) throws Exception {
        TestRegistry r = registries.plain();
        try (FaultProxy proxy = FaultProxy.start(r)) {
            String uploads = "/v2/t/up/blobs/uploads/.*digest=.*";
            proxy.on("PUT", uploads).times(1).resetRequestBodyAfter(64 * 1024);
            Reply cut = exchange(proxy.host(), "PUT", startUpload(proxy) + "&digest=" + DIGEST, BLOB, 5000);
            assertNotNull(cut.error(), "the client sees its upload cut");
            assertEquals(404, exchange(r.host(), "HEAD", "/v2/t/up/blobs/" + DIGEST, null, 0).status(), "no blob was committed");
            assertTrue(proxy.exchanges("PUT", uploads).get(0).outcome().startsWith("reset after 65536 request"), proxy.describe());

            proxy.clearRules();
            CountDownLatch cued = new CountDownLatch(1);
            proxy.on("PUT", uploads).times(1).onRequestBodyBytes(512 * 1024, cued::countDown);
            proxy.on("PUT", uploads).stallRequestBodyAfter(128 * 1024, Duration.ofMillis(1000));
            long start = System.nanoTime();
            Reply hooked = exchange(proxy.host(), "PUT", startUpload(proxy) + "&digest=" + DIGEST, BLOB, 5000);
            assertEquals(201, hooked.status());
            assertTrue(cued.await(5, TimeUnit.SECONDS), "the hook ran");
            Reply stalled = exchange(proxy.host(), "PUT", startUpload(proxy) + "&digest=" + DIGEST, BLOB, 5000);
            assertEquals(201, stalled.status());
            assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(1000), "the stalled upload waited");
            assertTrue(proxy.exchanges("PUT", uploads).get(2).outcome().endsWith("then resumed"), proxy.describe());
        }
    }

    @Test
    void upstreamNotListening_theClientSeesTheConnectionReset(Registries registries) throws Exception {
        TestRegistry r = registries.plain();
        try (FaultProxy proxy = FaultProxy.start(r)) {
            r.stop();
            Reply refused = exchange(proxy.host(), "GET", "/v2/", null, 2000);
            assertEquals(0, refused.status());
            assertNotNull(refused.error());
            assertEquals("upstream refused: reset", proxy.exchanges().get(0).outcome());
            r.start();
            assertEquals(200, exchange(proxy.host(), "GET", "/v2/", null, 0).status(), "the same port answers again after start()");
        }
    }

    private static String startUpload(FaultProxy proxy) throws IOException {
        Reply post = exchange(proxy.host(), "POST", "/v2/t/up/blobs/uploads/", new byte[0], 0);
        assertEquals(202, post.status());
        return post.headers().get("location").replaceFirst("^http://[^/]+", "");
    }

    private static int port(String host) {
        return Integer.parseInt(host.substring(host.lastIndexOf(':') + 1));
    }

    /**
     * One request on a new connection (asking to keep it alive, which the proxy overrides), read to
     * the end of the connection. {@code timeoutMs} bounds each read (0: 10 s). An I/O error after the
     * status line is returned with what arrived before it.
     */
    private static Reply exchange(String host, String method, String target, byte[] body, int timeoutMs) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port(host)), 2000);
            s.setSoTimeout(timeoutMs == 0 ? 10_000 : timeoutMs);
            int status = 0;
            Map<String, String> headers = new LinkedHashMap<>();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            try {
                OutputStream out = s.getOutputStream();
                writeHead(out, method, target, host, body == null ? -1 : body.length);
                if (body != null) {
                    out.write(body);
                }
                out.flush();
                InputStream in = s.getInputStream();
                String[] head = readHead(in);
                status = Integer.parseInt(head[0].split(" ")[1]);
                for (int i = 1; i < head.length; i++) {
                    int colon = head[i].indexOf(':');
                    headers.put(head[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), head[i].substring(colon + 1).trim());
                }
                if (!method.equals("HEAD")) {
                    // To the end of the body: Content-Length where given (a registry reached directly keeps the
                    // connection open), else to the end of the connection.
                    long length = Long.parseLong(headers.getOrDefault("content-length", String.valueOf(Long.MAX_VALUE)));
                    byte[] buf = new byte[8192];
                    int n;
                    while (got.size() < length && (n = in.read(buf, 0, (int) Math.min(buf.length, length - got.size()))) >= 0) {
                        got.write(buf, 0, n);
                    }
                }
                return new Reply(status, headers, got.toByteArray(), null);
            } catch (IOException e) {
                return new Reply(status, headers, got.toByteArray(), e);
            }
        }
    }

    private static void writeHead(OutputStream out, String method, String target, String host, long length) throws IOException {
        StringBuilder sb = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\nHost: ").append(host)
                .append("\r\nConnection: keep-alive\r\n");
        if (length >= 0) {
            sb.append("Content-Type: application/octet-stream\r\nContent-Length: ").append(length).append("\r\n");
        }
        out.write(sb.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    private static String[] readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed before the end of the head");
            }
            head.write(b);
            matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.ISO_8859_1).trim().split("\r\n");
    }
}
