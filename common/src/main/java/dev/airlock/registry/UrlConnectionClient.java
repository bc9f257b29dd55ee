package dev.airlock.registry;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import javax.net.ssl.HostnameVerifier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocketFactory;

/**
 * An {@link HttpClient} that carries HTTP/1.1 exchanges over {@link java.net.HttpURLConnection}
 * and hands the rest (PATCH, which that class cannot send; HTTP/2; {@code Expect: 100-continue};
 * per-request timeouts) to a JDK client made on first need. Why: on a catalog of a thousand small
 * images airlock's cost is per request, and the JDK client spends about 1.0 ms of CPU on a small
 * request (its selector thread and CompletableFuture chains) where HttpURLConnection spends about
 * 0.36 ms (issue 21, measured on a loopback registry).
 *
 * <p>Selection: the default. {@code -Dairlock.http=jdk} (e.g. in {@code AIRLOCK_JAVA_OPTS}) makes
 * every exchange go through the JDK client again, as before this class existed.
 *
 * <p>Contract kept with the JDK client, so that {@link IdleWatchdog} and {@link RegistryHttp} work
 * as before: the future completes when the body handler's body does; cancelling it abandons the
 * exchange and closes its connection. Where an exchange runs: under the watchdog
 * ({@link #sendAsync(HttpRequest, HttpResponse.BodyHandler, IdleWatchdog.Exchange)}) on the
 * caller's thread as far as it can, else on an I/O thread (see {@link UrlConnectionExchange}): a
 * thread blocked in a socket read cannot be interrupted, and while it reads a body, closing the
 * connection from outside cannot wake it either, so such a read happens where the caller only
 * waits on the future, which an interrupt or the watchdog ends at once.
 */
final class UrlConnectionClient extends HttpClient implements AutoCloseable {
    /** The system property that selects the transport; {@code jdk} means {@link HttpClient}'s own. */
    static final String PROPERTY = "airlock.http";
    private static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE");
    /** Threads that run exchanges; made as needed, idle ones end after a minute. */
    private static final ExecutorService IO = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "airlock-http");
        t.setDaemon(true);
        return t;
    });

    static {
        // HttpURLConnection keeps at most 5 idle connections per destination by default: fewer than
        // our parallel transfers, so every burst would open (and TLS-handshake) new ones. Read once,
        // when its keep-alive cache first loads: set before any connection is opened.
        if (System.getProperty("http.maxConnections") == null) {
            System.setProperty("http.maxConnections", "32");
        }
    }

    private final Supplier<HttpClient> jdk;
    private volatile HttpClient jdkMade;
    private final SSLContext tls;
    private final SSLSocketFactory sockets;
    private final HostnameVerifier anyHost;
    private final Duration connectTimeout;

    /**
     * @param jdk makes the client for what this one cannot carry (called at most once, on first need)
     * @param tls the TLS context, the same the JDK client gets
     * @param verifiesHosts whether certificates (and so host names) are checked; if not, any host
     *     name is accepted, as the JDK client does with a trust manager that accepts everything
     * @param idle the idle timeout: bounds connecting, and (twice over) each read, so that an
     *     abandoned exchange's thread ends even where closing its connection cannot wake it
     */
    UrlConnectionClient(Supplier<HttpClient> jdk, SSLContext tls, boolean verifiesHosts, Duration idle) {
        this.jdk = jdk;
        this.tls = tls;
        // One factory for the client's life: the keep-alive cache reuses a TLS connection only
        // for the same factory object.
        this.sockets = tls.getSocketFactory();
        this.anyHost = verifiesHosts ? null : (host, session) -> true;
        this.connectTimeout = idle;
    }

    /** Whether this transport is chosen (the default), rather than {@code -Dairlock.http=jdk}. */
    static boolean selected() {
        return !"jdk".equalsIgnoreCase(System.getProperty(PROPERTY, "").trim());
    }

    /** Whether {@code request} is one HttpURLConnection can carry with the same meaning. */
    static boolean carries(HttpRequest request) {
        String scheme = request.uri().getScheme();
        return METHODS.contains(request.method())
                && ("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme))
                && request.version().map(v -> v == Version.HTTP_1_1).orElse(true)
                && !request.expectContinue()
                && request.timeout().isEmpty();
    }

    SSLSocketFactory sockets() {
        return sockets;
    }

    /** The verifier for a client that checks no certificate; {@code null}: the standard check. */
    HostnameVerifier hostnameVerifier() {
        return anyHost;
    }

    private HttpClient jdk() {
        HttpClient c = jdkMade;
        if (c == null) {
            synchronized (this) {
                c = jdkMade;
                if (c == null) {
                    c = jdk.get();
                    jdkMade = c;
                }
            }
        }
        return c;
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
        if (!carries(request)) {
            return jdk().sendAsync(request, handler);
        }
        return new UrlConnectionExchange<>(this, request, handler).start(IO);
    }

    /**
     * As {@link #sendAsync(HttpRequest, HttpResponse.BodyHandler)}, but for an exchange under
     * {@code watch}: the I/O is done on the calling thread, which {@code watch} can stop (it closes
     * the connection when the exchange goes idle or the thread is interrupted), as far as the
     * response's headers and a body already received whole; only a body still on its way is read on
     * an I/O thread. This saves two thread switches on the common small request (about a third of
     * its CPU here).
     */
    <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler,
            IdleWatchdog.Exchange watch) {
        if (!carries(request)) {
            return jdk().sendAsync(request, handler);
        }
        return new UrlConnectionExchange<>(this, request, handler).startHere(IO, watch);
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler,
            HttpResponse.PushPromiseHandler<T> pushPromiseHandler) {
        return sendAsync(request, handler); // HTTP/1.1: there are no push promises
    }

    @Override
    public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) throws IOException, InterruptedException {
        CompletableFuture<HttpResponse<T>> f = sendAsync(request, handler);
        try {
            return f.get();
        } catch (InterruptedException e) {
            f.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException(e.getCause());
        }
    }

    @Override
    public Optional<CookieHandler> cookieHandler() {
        return Optional.empty();
    }

    @Override
    public Optional<Duration> connectTimeout() {
        return Optional.of(connectTimeout);
    }

    @Override
    public Redirect followRedirects() {
        return Redirect.NEVER;
    }

    @Override
    public Optional<ProxySelector> proxy() {
        return Optional.empty();
    }

    @Override
    public SSLContext sslContext() {
        return tls;
    }

    @Override
    public SSLParameters sslParameters() {
        return tls.getDefaultSSLParameters();
    }

    @Override
    public Optional<Authenticator> authenticator() {
        return Optional.empty();
    }

    @Override
    public Version version() {
        return Version.HTTP_1_1;
    }

    @Override
    public Optional<Executor> executor() {
        return Optional.of(IO);
    }

    /** Closes the JDK client if one was made and the runtime can close it (Java 21+). */
    @Override
    public void close() {
        if (jdkMade instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception ignored) {
                // best effort, as for the JDK client itself
            }
        }
    }

    /** Thrown into an exchange's thread once the exchange was abandoned. */
    static InterruptedIOException abandoned() {
        return new InterruptedIOException("exchange abandoned");
    }
}
