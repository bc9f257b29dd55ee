package dev.airlock.registry;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Stands in for a registry WITH the OCI 1.1 referrers API (distribution 3.x, zot), which Debian
 * does not package (its docker-registry 2.8 answers the referrers API with 404): a JDK HttpServer
 * on a free loopback port (plain HTTP) that answers GET requests for the targets it was given
 * with those bodies (and a {@code Link} header where given), and everything else with 404. It
 * records every request line, so a test can say what a client asked and what it did not.
 */
final class FakeReferrersRegistry implements AutoCloseable {
    private record Answer(String contentType, byte[] body, String link) {
    }

    private final HttpServer server;
    private final Map<String, Answer> answers = new ConcurrentHashMap<>();
    private final List<String> requests = new CopyOnWriteArrayList<>();

    private FakeReferrersRegistry() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/", this::handle);
        server.start();
    }

    static FakeReferrersRegistry start() throws IOException {
        return new FakeReferrersRegistry();
    }

    /** {@code 127.0.0.1:PORT}. */
    String host() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    /** Answers GET {@code target} (path and query) with 200, {@code body} and, unless null, the {@code Link} header {@code link}. */
    void answer(String target, String contentType, byte[] body, String link) {
        answers.put(target, new Answer(contentType, body, link));
    }

    /** Every request so far, as "METHOD target". */
    List<String> requests() {
        return List.copyOf(requests);
    }

    /** An OCI image index (a referrers API answer) listing {@code entries} (JSON objects). */
    static byte[] index(String... entries) {
        return ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
                + String.join(",", entries) + "]}").getBytes(StandardCharsets.UTF_8);
    }

    private void handle(HttpExchange x) throws IOException {
        String target = x.getRequestURI().getRawPath() + (x.getRequestURI().getRawQuery() == null ? "" : "?" + x.getRequestURI().getRawQuery());
        requests.add(x.getRequestMethod() + " " + target);
        Answer a = x.getRequestMethod().equals("GET") ? answers.get(target) : null;
        byte[] body = a == null ? "{\"errors\":[{\"code\":\"NOT_FOUND\",\"message\":\"not here\"}]}".getBytes(StandardCharsets.UTF_8) : a.body();
        x.getResponseHeaders().set("Content-Type", a == null ? "application/json" : a.contentType());
        if (a != null && a.link() != null) {
            x.getResponseHeaders().set("Link", a.link());
        }
        x.sendResponseHeaders(a == null ? 404 : 200, body.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
