package dev.airlock.e2e;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.airlock.digest.Digest;
import dev.airlock.oci.MediaTypes;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Stands in for a registry that accepts an index whose children are not all present — what
 * distribution 3 does with {@code validation.manifests.indexes.platforms: none}, and zot and Quay
 * do by default — in front of Debian's docker-registry 2.8, which has no such setting (it answers
 * {@code MANIFEST_BLOB_UNKNOWN}). Every index or manifest list PUT is kept here, by digest and by
 * the reference it was put under, and answered 201 with its digest; GET and HEAD of those
 * references answer with the exact bytes kept. Everything else (blobs, image manifests, tag lists)
 * goes to the real registry unchanged. Loopback only.
 */
final class PermissiveIndexProxy implements AutoCloseable {
    private static final Pattern MANIFEST = Pattern.compile("/v2/(.+)/manifests/([^/]+)");
    private static final Set<String> NOT_FORWARDED = Set.of("connection", "content-length", "expect", "host", "upgrade",
            "transfer-encoding", "keep-alive");

    private record Kept(byte[] bytes, String mediaType, Digest digest) {
    }

    private final HttpServer server;
    private final String upstream;
    private final HttpClient client = HttpClient.newHttpClient();
    private final Map<String, Kept> indexes = new ConcurrentHashMap<>();

    PermissiveIndexProxy(String upstream) throws IOException {
        this.upstream = upstream;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(8, r -> {
            Thread t = new Thread(r, "permissive-index-proxy");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", this::handle);
        server.start();
    }

    String host() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    private void handle(HttpExchange x) throws IOException {
        try (x) {
            String path = x.getRequestURI().getRawPath();
            Matcher m = MANIFEST.matcher(path);
            byte[] body = x.getRequestBody().readAllBytes();
            String type = x.getRequestHeaders().getFirst("Content-Type");
            if (m.matches() && x.getRequestMethod().equals("PUT") && type != null && MediaTypes.isIndex(type)) {
                Kept k = new Kept(body, type, Digest.sha256Of(body));
                indexes.put(m.group(1) + "@" + m.group(2), k);
                indexes.put(m.group(1) + "@" + k.digest(), k);
                x.getResponseHeaders().add("Docker-Content-Digest", k.digest().toString());
                x.getResponseHeaders().add("Location", "/v2/" + m.group(1) + "/manifests/" + k.digest());
                x.sendResponseHeaders(201, -1);
                return;
            }
            Kept kept = m.matches() ? indexes.get(m.group(1) + "@" + m.group(2)) : null;
            if (kept != null && (x.getRequestMethod().equals("GET") || x.getRequestMethod().equals("HEAD"))) {
                x.getResponseHeaders().add("Content-Type", kept.mediaType());
                x.getResponseHeaders().add("Docker-Content-Digest", kept.digest().toString());
                boolean head = x.getRequestMethod().equals("HEAD");
                if (head) {
                    x.getResponseHeaders().add("Content-Length", String.valueOf(kept.bytes().length));
                }
                x.sendResponseHeaders(200, head ? -1 : kept.bytes().length);
                if (!head) {
                    x.getResponseBody().write(kept.bytes());
                }
                return;
            }
            forward(x, body);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void forward(HttpExchange x, byte[] body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + upstream + x.getRequestURI().toString()))
                .method(x.getRequestMethod(), body.length == 0 ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        x.getRequestHeaders().forEach((name, values) -> {
            if (!NOT_FORWARDED.contains(name.toLowerCase())) {
                values.forEach(v -> b.header(name, v));
            }
        });
        HttpResponse<InputStream> r = client.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        long length = r.headers().firstValueAsLong("Content-Length").orElse(-1);
        r.headers().map().forEach((name, values) -> {
            if (!NOT_FORWARDED.contains(name.toLowerCase()) && !name.startsWith(":")) {
                for (String v : values) {
                    x.getResponseHeaders().add(name, name.equalsIgnoreCase("Location") ? v.replace(upstream, host()) : v);
                }
            }
        });
        boolean noBody = x.getRequestMethod().equals("HEAD") || r.statusCode() == 204 || r.statusCode() == 304;
        if (noBody && length >= 0) {
            x.getResponseHeaders().set("Content-Length", String.valueOf(length));
        }
        x.sendResponseHeaders(r.statusCode(), noBody ? -1 : length <= 0 ? (length == 0 ? -1 : 0) : length);
        try (InputStream in = r.body()) {
            if (!noBody) {
                in.transferTo(x.getResponseBody());
            }
        }
    }

    /** The index bytes kept under a repository's reference (tag or digest), or null. */
    byte[] kept(String repository, String reference) {
        Kept k = indexes.get(repository + "@" + reference);
        return k == null ? null : k.bytes();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    static List<String> cliFlags(PermissiveIndexProxy p) {
        return List.of("--insecure-registry", p.host());
    }
}
