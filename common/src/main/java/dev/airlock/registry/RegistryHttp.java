package dev.airlock.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.digest.DigestMismatchException;
import dev.airlock.error.AirlockException;
import dev.airlock.io.Backoff;
import dev.airlock.io.LocalIoException;
import dev.airlock.io.Trace;
import java.io.ByteArrayInputStream;
import java.io.InterruptedIOException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import javax.net.ssl.SSLHandshakeException;

/**
 * The HTTP layer under {@link RegistryClient}: authentication (Bearer tokens from the challenge,
 * or Basic), retries with backoff on 429/5xx and connection errors honouring {@code Retry-After},
 * and redirects followed by hand so that {@code Authorization} never reaches another host.
 *
 * <p>No exchange waits forever: connecting is bounded by the idle timeout, and every exchange is
 * watched by an {@link IdleWatchdog} that abandons it when no byte moved for that long, in either
 * direction (request body, response headers, response body). Bodies that callers read as streams
 * are read whole (and bounded in size) inside the watched exchange.
 */
final class RegistryHttp {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_REDIRECTS = 5;

    static {
        // The JDK client reads sockets in 16 KiB buffers by default; blobs move far faster in
        // larger ones (measured by scripts/bench). Set before the client classes initialize.
        if (System.getProperty("jdk.httpclient.bufsize") == null) {
            System.setProperty("jdk.httpclient.bufsize", String.valueOf(1 << 20));
        }
    }

    /** The most of a non-blob response body that is ever read (a manifest's limit, plus one byte). */
    static final int MAX_SMALL_BODY = dev.airlock.oci.RawManifest.MAX_SIZE + 1;

    private final HttpClient http;
    /** For hosts whose certificate is not checked (--insecure-skip-tls-verify); made on first use. */
    private volatile HttpClient unverified;
    private final RegistryOptions options;
    /** Hosts found to answer HTTPS with plain HTTP under --tls-verify=false, spoken to over HTTP since (as skopeo does). */
    private final java.util.Set<String> plainFallback = ConcurrentHashMap.newKeySet();
    private final IdleWatchdog watchdog;
    private final Map<String, AuthState> auth = new ConcurrentHashMap<>();

    RegistryHttp(RegistryOptions options) {
        this.options = options;
        this.http = options.tlsVerify() ? newClient(Tls.context(options.caFile(), options.certDir()), true) : newClient(Tls.unverified(), false);
        this.watchdog = new IdleWatchdog(options.idleTimeout());
        Trace.mark("http client ready");
    }

    /**
     * A client over HttpURLConnection ({@link UrlConnectionClient}, cheaper per request), which
     * hands what it cannot carry to a JDK client; or, under {@code -Dairlock.http=jdk}, the JDK
     * client for everything.
     */
    private HttpClient newClient(javax.net.ssl.SSLContext tls, boolean verifiesHosts) {
        Supplier<HttpClient> jdk = () -> HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(options.idleTimeout())
                .sslContext(tls)
                .build();
        return UrlConnectionClient.selected() ? new UrlConnectionClient(jdk, tls, verifiesHosts, options.idleTimeout()) : jdk.get();
    }

    /** The client for {@code authority} (HOST[:PORT]): one that checks certificates, unless that host is named insecure. */
    private HttpClient clientFor(String authority) {
        if (options.verifiesCertificateOf(authority) || !options.tlsVerify()) {
            return http;
        }
        HttpClient c = unverified;
        if (c == null) {
            synchronized (this) {
                c = unverified;
                if (c == null) {
                    c = newClient(Tls.unverified(), false);
                    unverified = c;
                }
            }
        }
        return c;
    }

    /**
     * One logical registry request; {@code body} and {@code headers} are asked again for each
     * attempt (a resumed download asks for a new Range). A call that is not {@code retryable} gets
     * one attempt (plus an authentication round): an upload into a session the registry may already
     * have written to is retried by the caller, in a new session.
     */
    /** The cause of a failure that is the registry's last answer (a 5xx or 429 after every try), not a broken connection. */
    static final class Answered extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;

        Answered(int status) {
            super("HTTP " + status, null, false, false);
            this.status = status;
        }
    }

    /** Whether {@code e} is the registry answering {@code status} to every try. */
    static boolean answered(AirlockException e, int status) {
        return e.getCause() instanceof Answered a && a.status == status;
    }

    record Call(String method, String host, URI uri, Supplier<Map<String, String>> headers, Supplier<BodyPublisher> body,
            List<String> scopes, String what, boolean retryable) {
        Call(String method, String host, URI uri, Supplier<Map<String, String>> headers, Supplier<BodyPublisher> body,
                List<String> scopes, String what) {
            this(method, host, uri, headers, body, scopes, what, true);
        }
    }

    /**
     * Stops the client's selector thread where the runtime can (Java 21+): a JVM exits only after
     * waiting for threads blocked in native code, and this one always is.
     */
    void close() {
        watchdog.close();
        for (Object client : new Object[] {http, unverified}) {
            if (client instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // closing is best effort
                }
            }
        }
    }

    /**
     * What to say when {@code host} was sent a TLS handshake and answered in plain HTTP: what happened
     * first, then the one name (flag and config key) that makes airlock speak plain HTTP to it.
     */
    static String plainHttpAnswer(String host) {
        return "airlock spoke HTTPS to " + host + " and got a plain-HTTP answer: that registry has no TLS; to use it"
                + " unencrypted, give --plain-http " + host + " (config key plainHttp), else check the address and port";
    }

    URI base(String host) {
        return URI.create((plainHttp(host) ? "http" : "https") + "://" + host);
    }

    private boolean plainHttp(String host) {
        return options.insecureHosts().contains(host) || plainFallback.contains(host);
    }

    /**
     * Sends {@code call} and returns the final response (not 401, not a redirect, not retryable, or
     * the last try). Its body has been read whole (at most {@link #MAX_SMALL_BODY} bytes) and is
     * handed out as a stream over those bytes.
     */
    HttpResponse<InputStream> send(Call call) {
        @SuppressWarnings("unchecked")
        HttpResponse<InputStream> r = (HttpResponse<InputStream>) (HttpResponse<?>) send(call, info -> smallBody(), s -> true);
        return r;
    }

    /**
     * Like {@link #send(Call)}, but a response whose status passes {@code success} has its body
     * consumed by {@code onSuccess} (its result is the response body); any other response's body
     * is an InputStream. A body that fails mid-way is retried like a connection error.
     */
    <T> HttpResponse<Object> send(Call call, HttpResponse.BodyHandler<T> onSuccess, java.util.function.IntPredicate success) {
        boolean reauthenticated = false;
        IOException lastError = null;
        int attempts = call.retryable() ? options.maxAttempts() : 1;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            HttpResponse<Object> response;
            try {
                response = sendFollowingRedirects(call, onSuccess, success);
            } catch (InterruptedIOException e) {
                // Cancelled by whoever runs this transfer (another one failed first): no retry.
                throw AirlockException.transientFailure(call.what() + " was cancelled", e);
            } catch (IOException e) {
                if (toPlainHttp(call, e)) {
                    attempt--; // skopeo's --tls-verify=false: a registry without TLS is then spoken to over HTTP
                    continue;
                }
                lastError = e;
                if (attempt < attempts) {
                    Backoff.sleep(backoff(attempt, null));
                    continue;
                }
                break;
            }
            int status = response.statusCode();
            refuseHttpsSpokenAsPlain(call, response);
            if (status == 401 && !reauthenticated) {
                String challenge = response.headers().firstValue("WWW-Authenticate").orElse(null);
                authenticate(call, WwwAuthenticate.parse(challenge));
                reauthenticated = true;
                attempt--; // an authentication round is not a failed try
                continue;
            }
            if (status == 401 || status == 403) {
                String detail = errorText(response);
                throw AirlockException.authRefused(call.host() + " refused " + call.what() + " (HTTP " + status + ")"
                        + detail + "; check the credentials for " + call.host());
            }
            boolean retryable = status == 429 || status == 408 || status >= 500;
            if (retryable && attempt < attempts) {
                Optional<String> retryAfter = response.headers().firstValue("Retry-After");
                Backoff.sleep(backoff(attempt, retryAfter.orElse(null)));
                continue;
            }
            if (retryable && call.retryable()) {
                throw AirlockException.transientFailure(call.host() + " answered HTTP " + status + errorText(response) + " to "
                        + call.what() + (attempts > 1 ? " after " + attempts + " tries" : ""), new Answered(status));
            }
            return response;
        }
        String why = describe(lastError);
        throw AirlockException.transientFailure("cannot reach " + call.host() + " for " + call.what()
                + (attempts > 1 ? " after " + attempts + " tries" : "") + " (" + why + ")", lastError);
    }

    /**
     * What a failed exchange means when another try would not help: thrown. True when the host
     * answered TLS in plain HTTP under {@code --tls-verify=false}, so it is tried again over HTTP;
     * false for a failure worth retrying.
     */
    private boolean toPlainHttp(Call call, IOException e) {
        DigestMismatchException mismatch = DigestMismatchException.in(e);
        if (mismatch != null) {
            throw mismatch.toAirlock();
        }
        LocalIoException local = LocalIoException.in(e);
        if (local != null) {
            throw AirlockException.local(local.getMessage(), local);
        }
        if (speaksPlainHttp(e)) {
            if (!options.tlsVerify() && plainFallback.add(call.host())) {
                return true;
            }
            throw AirlockException.tlsUntrusted(plainHttpAnswer(call.host()));
        }
        if (handshakeFailure(e)) {
            throw AirlockException.tlsUntrusted("TLS with " + call.host() + " failed (" + e.getMessage()
                    + "); trust its CA with --cert-dir DIR (*.crt) or --ca-file PEM, or skip the check with"
                    + " --insecure-skip-tls-verify " + call.host() + " (--tls-verify=false for every registry);"
                    + " --plain-http " + call.host() + " if it speaks plain HTTP");
        }
        return false;
    }

    /** A 400 from an HTTPS port spoken to in plain HTTP because --plain-http names the host. */
    private void refuseHttpsSpokenAsPlain(Call call, HttpResponse<Object> response) {
        if (response.statusCode() == 400 && plainHttp(call.host()) && httpsPort(response)) {
            throw AirlockException.usage(call.host() + " speaks HTTPS, but --plain-http (or the config key plainHttp) names it:"
                    + " drop that; if its certificate is not from a CA this machine trusts, give that CA with --cert-dir DIR"
                    + " (or --ca-file PEM), or skip the check with --insecure-skip-tls-verify " + call.host());
        }
    }

    /** What went wrong with a connection, in words a user can act on. */
    private static String describe(IOException e) {
        if (e == null) {
            return "no answer";
        }
        String m = e.getMessage() == null ? "" : e.getMessage();
        if (e instanceof ConnectException) {
            return "connection refused";
        }
        if (e instanceof java.net.http.HttpTimeoutException) {
            return m;
        }
        // The JDK client's words, then HttpURLConnection's, for a connection closed before any answer.
        if (m.contains("header parser received no bytes") || m.contains("Unexpected end of file from server")
                || e instanceof java.io.EOFException) {
            return "the connection closed before an answer";
        }
        if (m.toLowerCase(java.util.Locale.ROOT).contains("connection reset")) {
            return "connection reset";
        }
        return e.getClass().getSimpleName() + (m.isEmpty() ? "" : ": " + m);
    }

    /**
     * Whether a 400 is a TLS server's answer to plain HTTP: Go's ("Client sent an HTTP request to
     * an HTTPS server.", docker-registry, Harbor, Zot) or nginx's ("The plain HTTP request was sent
     * to HTTPS port").
     */
    private static boolean httpsPort(HttpResponse<?> r) {
        if (!(r.body() instanceof InputStream body)) {
            return false;
        }
        try {
            body.reset();
            String text = new String(body.readNBytes(8192), StandardCharsets.UTF_8);
            body.reset();
            return text.contains("Client sent an HTTP request to an HTTPS server") || text.contains("plain HTTP request was sent to HTTPS port");
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean speaksPlainHttp(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            // The JDK client's SSLEngine says "…, plaintext connection?"; an SSLSocket
            // (HttpURLConnection) only "Unsupported or unrecognized SSL message": same cause.
            String m = String.valueOf(t.getMessage());
            if (t instanceof javax.net.ssl.SSLException
                    && (m.contains("plaintext connection") || m.contains("Unsupported or unrecognized SSL message"))) {
                return true;
            }
        }
        return false;
    }

    private static boolean handshakeFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SSLHandshakeException || t instanceof java.security.cert.CertificateException) {
                return true;
            }
        }
        return false;
    }

    private <T> HttpResponse<Object> sendFollowingRedirects(Call call, HttpResponse.BodyHandler<T> onSuccess,
            java.util.function.IntPredicate success) throws IOException {
        HttpResponse.BodyHandler<Object> handler = info -> {
            int st = info.statusCode();
            boolean redirect = st == 301 || st == 302 || st == 303 || st == 307 || st == 308;
            return !redirect && st != 401 && success.test(st)
                    ? HttpResponse.BodySubscribers.mapping(onSuccess.apply(info), x -> (Object) x)
                    : HttpResponse.BodySubscribers.mapping(smallBody(), x -> (Object) x);
        };
        URI uri = call.uri();
        if (uri.getScheme().equals("https") && plainFallback.contains(uri.getRawAuthority())) {
            uri = URI.create("http" + uri.toString().substring("https".length()));
        }
        String authority = uri.getRawAuthority();
        String method = call.method();
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            HttpRequest.Builder b = HttpRequest.newBuilder(uri);
            call.headers().get().forEach(b::header);
            // Authorization goes only to the host it was issued for, never across a redirect.
            if (uri.getRawAuthority().equals(authority)) {
                authorizationFor(call).ifPresent(v -> b.header("Authorization", v));
            }
            BodyPublisher body = call.body() == null || method.equals("GET") || method.equals("HEAD")
                    ? HttpRequest.BodyPublishers.noBody() : call.body().get();
            IdleWatchdog.Exchange exchange = watchdog.watch(call.what());
            b.method(method, exchange.watch(body));
            HttpResponse<Object> r = exchange.await(clientFor(uri.getRawAuthority()), b.build(), handler);
            int s = r.statusCode();
            if (s == 301 || s == 302 || s == 303 || s == 307 || s == 308) {
                Optional<String> location = r.headers().firstValue("Location");
                if (location.isEmpty()) {
                    throw new IOException("redirect " + s + " without Location from " + uri.getHost());
                }
                uri = uri.resolve(location.get());
                if (s == 303) {
                    method = "GET";
                }
                continue;
            }
            return r;
        }
        throw new IOException("more than " + MAX_REDIRECTS + " redirects for " + call.what());
    }

    /** Whether {@code host} asked for a login during this client's life (and got one). */
    boolean loggedIn(String host) {
        return auth.containsKey(host);
    }

    private Optional<String> authorizationFor(Call call) {
        AuthState state = auth.get(call.host());
        if (state == null) {
            return Optional.empty();
        }
        if (state.basic != null) {
            return Optional.of(state.basic);
        }
        String token = state.tokens.get(scopeKey(call.scopes()));
        if (token == null && state.realm != null) {
            token = fetchToken(call, state);
        }
        return Optional.ofNullable(token).map(t -> "Bearer " + t);
    }

    private void authenticate(Call call, WwwAuthenticate challenge) {
        Optional<Credentials> creds = options.credentials().lookup(call.host());
        AuthState state = auth.computeIfAbsent(call.host(), h -> new AuthState());
        switch (challenge.scheme()) {
            case "basic" -> {
                if (creds.isEmpty()) {
                    throw AirlockException.authRefused(call.host() + " requires a login for " + call.what()
                            + "; log in first ('login " + call.host() + "'), or give --creds USER, --creds-file FILE or --authfile FILE");
                }
                state.basic = creds.get().basicHeader();
            }
            case "bearer" -> {
                String realm = challenge.params().get("realm");
                if (realm == null) {
                    throw AirlockException.transientFailure(call.host() + " sent a Bearer challenge without a realm", null);
                }
                state.realm = realm;
                state.service = challenge.params().get("service");
                state.tokens.remove(scopeKey(call.scopes()));
                fetchToken(call, state);
            }
            default -> throw AirlockException.transientFailure(call.host() + " asked for unsupported authentication '"
                    + challenge.scheme() + "' for " + call.what(), null);
        }
    }

    private String fetchToken(Call call, AuthState state) {
        StringBuilder q = new StringBuilder(state.realm).append(state.realm.contains("?") ? "&" : "?");
        if (state.service != null) {
            q.append("service=").append(enc(state.service)).append('&');
        }
        for (String scope : call.scopes()) {
            q.append("scope=").append(enc(scope)).append('&');
        }
        URI uri = URI.create(q.substring(0, q.length() - 1));
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).GET();
        options.credentials().lookup(call.host()).ifPresent(c -> b.header("Authorization", c.basicHeader()));
        for (int attempt = 1; ; attempt++) {
            try {
                HttpResponse<InputStream> r = watchdog.watch("token for " + call.host()).await(clientFor(uri.getRawAuthority()), b.build(),
                        info -> smallBody());
                if (r.statusCode() == 200) {
                    JsonNode body = JSON.readTree(r.body());
                    String token = body.hasNonNull("token") ? body.get("token").asText() : body.path("access_token").asText(null);
                    if (token == null) {
                        throw AirlockException.transientFailure("token service " + uri.getHost() + " answered without a token", null);
                    }
                    state.tokens.put(scopeKey(call.scopes()), token);
                    return token;
                }
                if (r.statusCode() == 401 || r.statusCode() == 403) {
                    throw AirlockException.authRefused("token service " + uri.getHost() + " refused the credentials for "
                            + call.host() + " (HTTP " + r.statusCode() + ")");
                }
                if (attempt >= options.maxAttempts()) {
                    throw AirlockException.transientFailure("token service " + uri.getHost() + " answered HTTP " + r.statusCode(), null);
                }
            } catch (InterruptedIOException e) {
                throw AirlockException.transientFailure("token request for " + call.host() + " was cancelled", e);
            } catch (IOException e) {
                if (handshakeFailure(e)) {
                    throw AirlockException.tlsUntrusted("TLS with token service " + uri.getHost() + " failed (" + e.getMessage()
                            + "); trust its CA with --cert-dir DIR or --ca-file PEM");
                }
                if (attempt >= options.maxAttempts()) {
                    throw AirlockException.transientFailure("cannot reach token service " + uri.getHost() + ": " + e.getMessage(), e);
                }
            }
            Backoff.sleep(backoff(attempt, null));
        }
    }

    private static String scopeKey(List<String> scopes) {
        return String.join(" ", scopes);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    Duration backoff(int attempt, String retryAfter) {
        if (retryAfter != null) {
            try {
                long seconds = Long.parseLong(retryAfter.trim());
                return Duration.ofSeconds(Math.min(Math.max(seconds, 0), 120));
            } catch (NumberFormatException e) {
                try {
                    ZonedDateTime when = ZonedDateTime.parse(retryAfter.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
                    Duration d = Duration.between(ZonedDateTime.now(when.getZone()), when);
                    return d.isNegative() ? Duration.ZERO : d.compareTo(Duration.ofSeconds(120)) > 0 ? Duration.ofSeconds(120) : d;
                } catch (RuntimeException ignored) {
                    // fall through to our own backoff
                }
            }
        }
        return Backoff.after(attempt, options.initialBackoff(), Duration.ofSeconds(30));
    }

    /** Reads a whole (small) body into memory, at most {@link #MAX_SMALL_BODY} bytes; the rest is dropped. */
    static HttpResponse.BodySubscriber<InputStream> smallBody() {
        return HttpResponse.BodySubscribers.mapping(new BoundedBytes(MAX_SMALL_BODY), ByteArrayInputStream::new);
    }

    /** The registry's own error text, for messages: " (CODE: message)" or "". */
    static String errorText(HttpResponse<?> r) {
        if (!(r.body() instanceof InputStream body)) {
            return "";
        }
        try (InputStream in = body) {
            in.reset(); // a ByteArrayInputStream (see smallBody): read from the start however often asked
            byte[] b = in.readNBytes(8192);
            JsonNode errors = JSON.readTree(b).path("errors");
            if (errors.isArray() && errors.size() > 0) {
                JsonNode e = errors.get(0);
                return " (" + e.path("code").asText() + ": " + e.path("message").asText() + ")";
            }
        } catch (IOException | RuntimeException ignored) {
            // not JSON
        }
        return "";
    }

    /** The registry's first error code ({@code NAME_UNKNOWN}, {@code MANIFEST_UNKNOWN}, …), or "" when it sent none. */
    static String errorCode(HttpResponse<?> r) {
        if (!(r.body() instanceof InputStream body)) {
            return "";
        }
        try (InputStream in = body) {
            in.reset();
            JsonNode errors = JSON.readTree(in.readNBytes(8192)).path("errors");
            if (errors.isArray() && errors.size() > 0) {
                return errors.get(0).path("code").asText("");
            }
        } catch (IOException | RuntimeException ignored) {
            // not JSON
        }
        return "";
    }

    private static final class AuthState {
        volatile String basic;
        volatile String realm;
        volatile String service;
        final Map<String, String> tokens = new ConcurrentHashMap<>();
    }
}
