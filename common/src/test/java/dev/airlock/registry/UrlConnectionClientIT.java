package dev.airlock.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.digest.Digest;
import dev.airlock.testing.RegistryExtension;
import dev.airlock.testing.RegistryExtension.Registries;
import dev.airlock.testing.TcpProxy;
import dev.airlock.testing.TestRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.Future;
import java.util.concurrent.SubmissionPublisher;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The HttpURLConnection transport against the real registry (and, for the faults no registry
 * makes on demand, a bare socket): each exchange goes through {@link IdleWatchdog.Exchange#await},
 * as {@link RegistryHttp} sends it.
 */
@ExtendWith(RegistryExtension.class)
class UrlConnectionClientIT {
    private static final Duration IDLE = Duration.ofSeconds(30);
    private final List<AutoCloseable> closing = new ArrayList<>();
    private final ExecutorService callers = Executors.newCachedThreadPool();

    @AfterEach
    void close() throws Exception {
        callers.shutdownNow();
        for (AutoCloseable c : closing) {
            c.close();
        }
    }

    private static UrlConnectionClient client(javax.net.ssl.SSLContext tls, boolean verifies, Duration idle) {
        return new UrlConnectionClient(() -> {
            throw new AssertionError("nothing here needs the JDK client");
        }, tls, verifies, idle);
    }

    private <T> HttpResponse<T> send(HttpClient client, Duration idle, HttpRequest request, HttpResponse.BodyHandler<T> handler)
            throws IOException {
        IdleWatchdog watchdog = new IdleWatchdog(idle);
        closing.add(watchdog);
        return watchdog.watch(request.method() + " " + request.uri()).await(client, request, handler);
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new java.util.Random(n).nextBytes(b);
        return b;
    }

    /** A body delivered from another thread in three buffers, the middle one direct (as a bundle's file regions are). */
    private static HttpRequest.BodyPublisher threeBuffers(byte[] blob) {
        int third = blob.length / 3;
        Flow.Publisher<ByteBuffer> p = subscriber -> {
            SubmissionPublisher<ByteBuffer> s = new SubmissionPublisher<>();
            s.subscribe(subscriber);
            new Thread(() -> {
                s.submit(ByteBuffer.wrap(blob, 0, third));
                ByteBuffer direct = ByteBuffer.allocateDirect(third);
                direct.put(blob, third, third).flip();
                s.submit(direct);
                s.submit(ByteBuffer.wrap(blob, 2 * third, blob.length - 2 * third));
                s.close();
            }).start();
        };
        return HttpRequest.BodyPublishers.fromPublisher(p, blob.length);
    }

    @Test
    void put_streamsPublishedBody_thenGetAndHeadReadItBack(Registries registries) throws Exception {
        TestRegistry r = registries.plain();
        UrlConnectionClient c = client(Tls.unverified(), false, IDLE);
        URI base = URI.create("http://" + r.host());
        byte[] blob = random(300_001);
        Digest d = Digest.sha256Of(blob);

        HttpResponse<byte[]> post = send(c, IDLE, HttpRequest.newBuilder(base.resolve("/v2/t/blobs/uploads/"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(202, post.statusCode());
        String location = post.headers().firstValue("location").orElseThrow(); // looked up in any case
        URI put = base.resolve(location + (location.contains("?") ? "&" : "?") + "digest=" + d);
        HttpResponse<byte[]> created = send(c, IDLE, HttpRequest.newBuilder(put).PUT(threeBuffers(blob)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(201, created.statusCode(), new String(created.body(), StandardCharsets.UTF_8));

        URI blobUri = base.resolve("/v2/t/blobs/" + d);
        HttpResponse<byte[]> get = send(c, IDLE, HttpRequest.newBuilder(blobUri).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, get.statusCode());
        assertArrayEquals(blob, get.body());
        assertEquals(HttpClient.Version.HTTP_1_1, get.version());
        assertEquals(blobUri, get.uri());

        HttpResponse<byte[]> head = send(c, IDLE, HttpRequest.newBuilder(blobUri).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, head.statusCode());
        assertEquals(String.valueOf(blob.length), head.headers().firstValue("Content-Length").orElseThrow());
        assertEquals(d.toString(), head.headers().firstValue("docker-content-digest").orElseThrow());
        assertEquals(0, head.body().length);
    }

    @Test
    void notFound_handsTheRegistrysErrorBodyToTheHandler(Registries registries) throws Exception {
        TestRegistry r = registries.plain();
        HttpResponse<String> missing = send(client(Tls.unverified(), false, IDLE), IDLE,
                HttpRequest.newBuilder(URI.create("http://" + r.host() + "/v2/t/manifests/nope")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(404, missing.statusCode());
        assertTrue(missing.body().contains("MANIFEST_UNKNOWN") || missing.body().contains("NAME_UNKNOWN"), missing.body());
    }

    @Test
    void https_checksTheCertificate_andLeavesAuthenticationToTheCaller(Registries registries) throws Exception {
        TestRegistry r = registries.tls();
        UrlConnectionClient c = client(Tls.context(r.caFile()), true, IDLE);
        URI v2 = URI.create("https://" + r.host() + "/v2/");
        HttpResponse<String> challenge = send(c, IDLE, HttpRequest.newBuilder(v2).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, challenge.statusCode(), "answered, not handled by HttpURLConnection itself");
        assertTrue(challenge.headers().firstValue("WWW-Authenticate").orElseThrow().startsWith("Basic"));
        String basic = "Basic " + Base64.getEncoder().encodeToString((TestRegistry.USER + ":" + TestRegistry.PASSWORD).getBytes());
        HttpResponse<String> ok = send(c, IDLE, HttpRequest.newBuilder(v2).header("Authorization", basic).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, ok.statusCode());

        UrlConnectionClient untrusting = client(Tls.context(null), true, IDLE);
        IOException e = assertThrows(IOException.class, () -> send(untrusting, IDLE, HttpRequest.newBuilder(v2).GET().build(),
                HttpResponse.BodyHandlers.ofString()));
        assertTrue(e instanceof javax.net.ssl.SSLHandshakeException, e.toString());
    }

    @Test
    void sequentialRequests_onEightThreads_reuseTheirConnections(Registries registries) throws Exception {
        TestRegistry r = registries.plain();
        String[] hostPort = r.host().split(":");
        TcpProxy proxy = TcpProxy.to(hostPort[0], Integer.parseInt(hostPort[1]));
        closing.add(proxy);
        UrlConnectionClient c = client(Tls.unverified(), false, IDLE);
        URI base = URI.create("http://127.0.0.1:" + proxy.port());
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            done.add(callers.submit(() -> {
                for (int i = 0; i < 25; i++) {
                    URI uri = base.resolve(i % 2 == 0 ? "/v2/" : "/v2/t/manifests/nope");
                    assertTrue(send(c, IDLE, HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString())
                            .statusCode() > 0);
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get(60, TimeUnit.SECONDS);
        }
        assertTrue(proxy.connections() <= 8, "200 requests on 8 threads took " + proxy.connections() + " connections");
    }

    @Test
    void serverThatNeverAnswers_timesOutAfterIdle_andTheConnectionIsClosed() throws Exception {
        ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
        closing.add(server);
        CompletableFuture<Socket> accepted = CompletableFuture.supplyAsync(() -> {
            try {
                return server.accept();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        Duration idle = Duration.ofMillis(600);
        long t0 = System.nanoTime();
        HttpTimeoutException e = assertThrows(HttpTimeoutException.class, () -> send(client(Tls.unverified(), false, idle), idle,
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getLocalPort() + "/v2/")).GET().build(),
                HttpResponse.BodyHandlers.ofString()));
        assertTrue(e.getMessage().contains("no byte moved for 0.6 s (--idle-timeout)"), e.getMessage());
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5), "timed out in time");
        Socket s = accepted.get(5, TimeUnit.SECONDS);
        closing.add(s);
        s.setSoTimeout(5000);
        InputStream in = s.getInputStream();
        in.readNBytes(in.available()); // the request
        assertEquals(-1, in.read(), "the abandoned exchange's thread closed its connection");
    }

    @Test
    void interruptWhileWaitingForTheAnswer_endsTheExchangeAtOnce() throws Exception {
        ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
        closing.add(server);
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        Thread caller = new Thread(() -> {
            try {
                send(client(Tls.unverified(), false, IDLE), IDLE,
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getLocalPort() + "/v2/")).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                outcome.complete(null);
            } catch (Throwable t) {
                outcome.complete(t);
            }
        });
        caller.start();
        Socket s = server.accept(); // and never answers
        closing.add(s);
        Thread.sleep(300);
        caller.interrupt();
        caller.join(3000);
        assertTrue(!caller.isAlive(), "the caller was freed at once, not after the idle timeout");
        assertTrue(outcome.getNow(null) instanceof InterruptedIOException, String.valueOf(outcome.getNow(null)));
    }

    @Test
    void serverThatStopsReadingAnUpload_timesOutAfterIdle() throws Exception {
        ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
        closing.add(server);
        callers.submit(() -> closing.add(server.accept())); // accepts, reads nothing
        long size = 1L << 30;
        HttpRequest.BodyPublisher zeros = HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(
                () -> new InputStream() {
                    @Override
                    public int read() {
                        return 0;
                    }

                    @Override
                    public int read(byte[] b, int off, int len) {
                        return len;
                    }
                }), size);
        Duration idle = Duration.ofMillis(600);
        IdleWatchdog watchdog = new IdleWatchdog(idle);
        closing.add(watchdog);
        IdleWatchdog.Exchange x = watchdog.watch("upload");
        long t0 = System.nanoTime();
        HttpTimeoutException e = assertThrows(HttpTimeoutException.class, () -> x.await(client(Tls.unverified(), false, idle),
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getLocalPort() + "/up")).PUT(x.watch(zeros)).build(),
                HttpResponse.BodyHandlers.ofString()));
        assertTrue(e.getMessage().contains("(--idle-timeout)"), e.getMessage());
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10), "a blocked write was ended");
    }

    @Test
    void interruptMidBody_endsTheExchangeAtOnce() throws Exception {
        ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
        closing.add(server);
        callers.submit(() -> {
            Socket s = server.accept(); // answers part of a body, then nothing more
            closing.add(s);
            s.getInputStream().read(new byte[8192]);
            OutputStream out = s.getOutputStream();
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[1000]);
            out.flush();
            return null;
        });
        CountDownLatch reading = new CountDownLatch(1);
        HttpResponse.BodyHandler<Void> handler = info -> HttpResponse.BodySubscribers.fromSubscriber(new Flow.Subscriber<List<ByteBuffer>>() {
            @Override
            public void onSubscribe(Flow.Subscription s) {
                s.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(List<ByteBuffer> item) {
                reading.countDown();
            }

            @Override
            public void onError(Throwable throwable) {
            }

            @Override
            public void onComplete() {
            }
        });
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        Thread caller = new Thread(() -> {
            try {
                send(client(Tls.unverified(), false, IDLE), IDLE,
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getLocalPort() + "/blob")).GET().build(), handler);
                outcome.complete(null);
            } catch (Throwable t) {
                outcome.complete(t);
            }
        });
        caller.start();
        assertTrue(reading.await(10, TimeUnit.SECONDS), "the body started");
        caller.interrupt(); // as TransferRunner does to the tasks still running after a failure
        caller.join(2000);
        assertTrue(!caller.isAlive(), "the caller was freed at once, not after the idle timeout");
        Throwable t = outcome.getNow(null);
        assertTrue(t instanceof InterruptedIOException, String.valueOf(t));
    }
}
