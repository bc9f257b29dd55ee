package dev.airlock.registry;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import javax.net.ssl.HttpsURLConnection;

/**
 * One exchange of a {@link UrlConnectionClient}: the request (method, headers, the body publisher's
 * buffers written as they come), then the status and headers, then the body fed to the handler's
 * subscriber as it asks for it. The future completes when the subscriber's body does.
 *
 * <p>Where it runs: on an I/O thread ({@link #start}); or, under an idle watchdog
 * ({@link #startHere}), on the caller's thread up to the response headers and a body already
 * received whole (a small response, the common case: no thread switch), while a body still on its
 * way is read on an I/O thread.
 *
 * <p>Abandoning the exchange (its future cancelled, or the watchdog's abort on idleness or an
 * interrupt of the caller's thread) stops it at its next step and closes the connection
 * ({@link HttpURLConnection#disconnect()}), so that a blocked write or wait for the response fails
 * at once (a connect in progress is bounded by its timeout, the idle timeout, and checked after).
 * Closing is done on an I/O thread, never the caller's or the watchdog's: while a body read is
 * blocked, {@code disconnect()} waits for it (the response stream's lock, JDK 17), so a body that
 * stopped moving is only let go when that read times out, after twice the idle timeout; the caller
 * has long been answered by then, as such a read is never on its thread.
 *
 * <p>Connections are reused (HTTP keep-alive) when a body was read to its end and its stream
 * closed, which is done before the subscriber hears the body is complete, so the caller's next
 * request finds the connection back in the pool.
 */
final class UrlConnectionExchange<T> implements Runnable {
    private final UrlConnectionClient client;
    private final HttpRequest request;
    private final HttpResponse.BodyHandler<T> handler;
    private final Pending result = new Pending();
    private Executor io;
    /** Whether the exchange started on the caller's thread ({@link #startHere}). */
    private boolean here;
    private volatile HttpURLConnection connection;
    private volatile boolean abandoned;

    UrlConnectionExchange(UrlConnectionClient client, HttpRequest request, HttpResponse.BodyHandler<T> handler) {
        this.client = client;
        this.request = request;
        this.handler = handler;
    }

    /** Runs the exchange on {@code io}; the future it returns is the response, once its body is complete. */
    CompletableFuture<HttpResponse<T>> start(Executor io) {
        this.io = io;
        io.execute(this);
        return result;
    }

    /**
     * Runs the exchange on the calling thread, which {@code watch} stops by abandoning it, up to
     * the response headers and a body already received whole; a body still on its way is read on
     * {@code io} (a blocked body read is the one step that closing the connection cannot end).
     */
    CompletableFuture<HttpResponse<T>> startHere(Executor io, IdleWatchdog.Exchange watch) {
        this.io = io;
        this.here = true;
        watch.onAbort(this::abandon);
        run();
        return result;
    }

    @Override
    public void run() {
        HttpURLConnection c = null;
        try {
            c = open();
            send(c);
            int status = c.getResponseCode();
            if (status < 0) {
                throw new IOException("no valid HTTP response from " + request.uri().getRawAuthority());
            }
            receive(c, status, headersOf(c));
        } catch (IOException | RuntimeException | Error e) {
            fail(c, e);
        }
    }

    private void fail(HttpURLConnection c, Throwable e) {
        if (c != null) {
            c.disconnect();
        }
        result.completeExceptionally(abandoned ? UrlConnectionClient.abandoned() : e);
        if (e instanceof Error error) {
            throw error;
        }
    }

    private HttpURLConnection open() throws IOException {
        HttpURLConnection c = (HttpURLConnection) request.uri().toURL().openConnection(Proxy.NO_PROXY);
        connection = c;
        checkNotAbandoned();
        if (c instanceof HttpsURLConnection https) {
            https.setSSLSocketFactory(client.sockets());
            if (client.hostnameVerifier() != null) {
                https.setHostnameVerifier(client.hostnameVerifier());
            }
        }
        Duration idle = client.connectTimeout().orElseThrow();
        c.setConnectTimeout(millis(idle));
        c.setReadTimeout(millis(idle.multipliedBy(2)));
        c.setInstanceFollowRedirects(false);
        c.setUseCaches(false);
        c.setRequestMethod(request.method());
        request.headers().map().forEach((name, values) -> values.forEach(v -> c.addRequestProperty(name, v)));
        if (request.headers().firstValue("Accept").isEmpty()) {
            c.setRequestProperty("Accept", "*/*"); // not HttpURLConnection's browser-like default
        }
        return c;
    }

    /**
     * Writes the request body, if the method has one: a known length as exactly that many bytes, an
     * unknown one chunked. An empty body of POST or PUT is sent as {@code Content-Length: 0}, as
     * the JDK client does; GET, HEAD and an empty DELETE send none.
     */
    private void send(HttpURLConnection c) throws IOException {
        String method = request.method();
        HttpRequest.BodyPublisher body = request.bodyPublisher().orElse(null);
        long length = body == null ? 0 : body.contentLength();
        boolean sends = !(method.equals("GET") || method.equals("HEAD") || length == 0 && method.equals("DELETE"));
        if (sends) {
            c.setDoOutput(true);
            if (length > 0) {
                c.setFixedLengthStreamingMode(length);
            } else if (length < 0) {
                c.setChunkedStreamingMode(PublisherWriter.CHUNK);
            }
        }
        c.connect();
        checkNotAbandoned(); // abandoned while connecting, which closing the connection does not end
        if (!sends) {
            return;
        }
        try (OutputStream out = c.getOutputStream()) {
            if (length != 0) {
                PublisherWriter.write(body, out, () -> abandoned);
            }
        }
        checkNotAbandoned();
    }

    private void receive(HttpURLConnection c, int status, HttpHeaders headers) throws IOException {
        checkNotAbandoned();
        HttpResponse.BodySubscriber<T> subscriber = handler.apply(new Info(status, headers));
        CompletableFuture<T> body = subscriber.getBody().toCompletableFuture();
        body.whenComplete((value, error) -> {
            if (error != null) {
                result.completeExceptionally(unwrap(error));
            } else {
                result.complete(new UrlResponse<>(request, status, headers, value));
            }
        });
        // An error status's body comes from the error stream (none after a 401 to a streamed body:
        // HttpURLConnection drops that connection).
        InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
        long length = in == null ? 0 : bodyLength(c, status, headers);
        InputStream stream = in == null ? InputStream.nullInputStream() : in;
        BodyPump pump = new BodyPump(subscriber, body, () -> abandoned);
        if (!here || length == 0 || length > 0 && stream.available() >= length) {
            pump.run(stream, length);
            return;
        }
        io.execute(() -> {
            try {
                pump.run(stream, length);
            } catch (IOException | RuntimeException | Error e) {
                fail(c, e);
            }
        });
    }

    /**
     * How many body bytes the response announced, or -1 (chunked, or up to the connection's end).
     * HttpURLConnection itself does not notice a body cut short of its Content-Length (its stream
     * just ends), so {@link BodyPump} checks the count against this.
     */
    private long bodyLength(HttpURLConnection c, int status, HttpHeaders headers) {
        if (request.method().equals("HEAD") || status == 204 || status == 304 || status < 200) {
            return 0;
        }
        boolean chunked = headers.allValues("Transfer-Encoding").stream().anyMatch(v -> v.toLowerCase(java.util.Locale.ROOT).contains("chunked"));
        return chunked ? -1 : c.getContentLengthLong();
    }

    /**
     * The response headers in the order and spelling the server sent (HttpURLConnection's own map
     * lists a repeated header's values last first), without the status line.
     */
    static HttpHeaders headersOf(HttpURLConnection c) {
        Map<String, List<String>> map = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (int i = 1; ; i++) {
            String name = c.getHeaderFieldKey(i);
            String value = c.getHeaderField(i);
            if (name == null && value == null) {
                break;
            }
            if (name != null && !name.isBlank()) {
                map.computeIfAbsent(name, k -> new ArrayList<>()).add(value == null ? "" : value);
            }
        }
        return HttpHeaders.of(map, (a, b) -> true);
    }

    /** Abandons the exchange; the connection is closed on another I/O thread (see the class comment). */
    private void abandon() {
        if (abandoned) {
            return; // the watchdog asks again each tick while the caller stays interrupted
        }
        abandoned = true;
        HttpURLConnection c = connection;
        if (c != null) {
            io.execute(c::disconnect);
        }
    }

    private void checkNotAbandoned() throws IOException {
        if (abandoned) {
            throw UrlConnectionClient.abandoned();
        }
    }

    private static int millis(Duration d) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, d.toMillis()));
    }

    private static Throwable unwrap(Throwable t) {
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** The response future; cancelling it before it completed abandons the exchange. */
    private final class Pending extends CompletableFuture<HttpResponse<T>> {
        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            boolean cancelled = super.cancel(mayInterruptIfRunning);
            if (cancelled) {
                abandon();
            }
            return cancelled;
        }
    }

    private record Info(int statusCode, HttpHeaders headers) implements HttpResponse.ResponseInfo {
        @Override
        public HttpClient.Version version() {
            return HttpClient.Version.HTTP_1_1;
        }
    }
}
