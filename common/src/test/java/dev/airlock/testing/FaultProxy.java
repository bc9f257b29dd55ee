package dev.airlock.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * A fault-injecting TCP proxy for plain-HTTP registries, for tests: it listens on a free loopback
 * port and forwards to a real registry, breaking chosen exchanges on cue the way a network does —
 * a 503 outage, a connection reset part-way through a body, a body that stops moving (for a while
 * or for good), a 500 on one request.
 *
 * <p>It understands HTTP only as far as it must: it rewrites every request and response head to
 * {@code Connection: close}, so each accepted connection carries exactly one exchange, whose request
 * line (method and request target, query included) the {@link Rule}s match. Bodies are forwarded
 * as opaque bytes, counted from the end of the head; a rule's byte offset counts those bytes.
 *
 * <p>Rules are tried in the order they were added; the first whose method and target match and
 * whose budget ({@link Rule#skip}, {@link Rule#times}) is not used up applies. A request no rule
 * applies to is forwarded untouched. Every request is logged ({@link #exchanges()}).
 *
 * <p>Every thread is a daemon; {@link #close()} closes every socket (resetting them) and ends every
 * stall at once, so nothing outlives the test.
 */
public final class FaultProxy implements AutoCloseable {
    /** A stall that lasts until the proxy is closed. */
    public static final Duration FOREVER = Duration.ofDays(1);
    /** Time given to the bytes before a reset to reach the peer, so "after K bytes" means K bytes arrived. */
    private static final long SETTLE_BEFORE_RESET_MS = 100;
    private static final int MAX_HEAD = 64 * 1024;

    private final String upstreamHost;
    private final int upstreamPort;
    private final ServerSocket server;
    private final ExecutorService threads;
    private final List<Rule> rules = new CopyOnWriteArrayList<>();
    private final List<Exchange> exchanges = new CopyOnWriteArrayList<>();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final CountDownLatch closed = new CountDownLatch(1);
    private final AtomicInteger ids = new AtomicInteger();

    private FaultProxy(String upstreamHost, int upstreamPort) throws IOException {
        this.upstreamHost = upstreamHost;
        this.upstreamPort = upstreamPort;
        this.server = new ServerSocket(0, 256, InetAddress.getLoopbackAddress());
        this.threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fault-proxy");
            t.setDaemon(true);
            return t;
        });
        threads.execute(this::acceptLoop);
    }

    /** A proxy in front of {@code registry} (plain HTTP only: the proxy reads request lines). */
    public static FaultProxy start(TestRegistry registry) throws IOException {
        if (registry.tls()) {
            throw new IllegalArgumentException("FaultProxy reads HTTP request lines; it cannot sit in front of a TLS registry");
        }
        return start(registry.host());
    }

    /** A proxy in front of {@code host:port} on loopback. */
    public static FaultProxy start(String upstream) throws IOException {
        int colon = upstream.lastIndexOf(':');
        return new FaultProxy(upstream.substring(0, colon), Integer.parseInt(upstream.substring(colon + 1)));
    }

    /** {@code 127.0.0.1:PORT} of the proxy: give this to the program under test instead of the registry's. */
    public String host() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    /**
     * A new rule for requests whose method is {@code method} ({@code "*"} for any) and whose request
     * target (path and query, e.g. {@code /v2/app/blobs/sha256:…}) matches {@code targetRegex} in
     * full. Configure its fault with one of the rule's methods.
     */
    public Rule on(String method, String targetRegex) {
        Rule r = new Rule(method, Pattern.compile(targetRegex));
        rules.add(r);
        return r;
    }

    /** Removes every rule: from now on everything is forwarded untouched (the rules keep their counters). */
    public void clearRules() {
        rules.clear();
    }

    /** Every request seen so far, in arrival order. */
    public List<Exchange> exchanges() {
        return List.copyOf(exchanges);
    }

    /** Requests seen whose method is {@code method} and whose target matches {@code targetRegex}. */
    public List<Exchange> exchanges(String method, String targetRegex) {
        Pattern p = Pattern.compile(targetRegex);
        return exchanges.stream().filter(e -> (method.equals("*") || e.method().equalsIgnoreCase(method))
                && p.matcher(e.target()).matches()).toList();
    }

    /** The log, one exchange a line, for assertion messages. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        for (Exchange e : exchanges) {
            sb.append(e).append('\n');
        }
        return sb.toString();
    }

    @Override
    public void close() {
        closed.countDown();
        rules.clear();
        try {
            server.close();
        } catch (IOException ignored) {
            // closing
        }
        for (Socket s : open) {
            reset(s);
        }
        threads.shutdownNow();
        try {
            threads.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** What a rule does to the exchanges it applies to. */
    private enum Fault {
        RESPOND, RESET_REQUEST, RESET_RESPONSE, STALL_REQUEST, STALL_RESPONSE, HOOK_REQUEST
    }

    /** One scripted fault: which requests, how many of them, and what happens to them. */
    public static final class Rule {
        private final String method;
        private final Pattern target;
        private int skip;
        private int times = Integer.MAX_VALUE;
        private Fault fault;
        private int status;
        private List<String> headers = List.of();
        private long afterBytes;
        private Duration stall = Duration.ZERO;
        private Runnable hook;
        private int matched;
        private final List<String> applied = new CopyOnWriteArrayList<>();

        private Rule(String method, Pattern target) {
            this.method = method;
            this.target = target;
        }

        /** Lets the first {@code n} matching requests through untouched (so {@code skip(n-1).times(1)} is "the n-th"). */
        public Rule skip(int n) {
            this.skip = n;
            return this;
        }

        /** Applies to at most {@code n} matching requests (after the skipped ones); default: all of them. */
        public Rule times(int n) {
            this.times = n;
            return this;
        }

        /** Answers itself with {@code status} and {@code headers} ("Name: value"), never reaching the registry. */
        public Rule respond(int status, String... headers) {
            this.fault = Fault.RESPOND;
            this.status = status;
            this.headers = List.of(headers);
            return this;
        }

        /** Resets the connection (RST) once {@code k} bytes of the request body have been forwarded. */
        public Rule resetRequestBodyAfter(long k) {
            this.fault = Fault.RESET_REQUEST;
            this.afterBytes = k;
            return this;
        }

        /** Resets the connection (RST) once {@code k} bytes of the response body have reached the client. */
        public Rule resetResponseBodyAfter(long k) {
            this.fault = Fault.RESET_RESPONSE;
            this.afterBytes = k;
            return this;
        }

        /**
         * After {@code k} bytes of the request body, stops reading from the client for {@code d}
         * (or {@link #FOREVER}), keeping both sockets open, then forwards the rest.
         */
        public Rule stallRequestBodyAfter(long k, Duration d) {
            this.fault = Fault.STALL_REQUEST;
            this.afterBytes = k;
            this.stall = d;
            return this;
        }

        /**
         * After {@code k} bytes of the response body, stops forwarding to the client for {@code d}
         * (or {@link #FOREVER}), keeping both sockets open, then forwards the rest.
         */
        public Rule stallResponseBodyAfter(long k, Duration d) {
            this.fault = Fault.STALL_RESPONSE;
            this.afterBytes = k;
            this.stall = d;
            return this;
        }

        /**
         * Forwards untouched, but runs {@code hook} when {@code k} bytes of the request body have
         * been forwarded, and forwards the rest only once it returns: a hook that stops the registry
         * mid-upload cuts that upload for sure (run on a thread of its own while the rest went on,
         * the registry sometimes took the whole body before its SIGTERM: NetworkFaultIT's restart
         * then cut nothing).
         */
        public Rule onRequestBodyBytes(long k, Runnable hook) {
            this.fault = Fault.HOOK_REQUEST;
            this.afterBytes = k;
            this.hook = hook;
            return this;
        }

        /** Matching requests seen so far, whether or not the fault applied to them. */
        public synchronized int matched() {
            return matched;
        }

        /** How many requests the fault was applied to. */
        public int applied() {
            return applied.size();
        }

        /** The request targets the fault was applied to, in order. */
        public List<String> appliedTargets() {
            return List.copyOf(applied);
        }

        private boolean matches(String m, String t) {
            return (method.equals("*") || method.equalsIgnoreCase(m)) && target.matcher(t).matches();
        }

        /** Counts a matching request and says whether the fault applies to it. */
        private synchronized boolean claim(String t) {
            int n = matched++;
            if (n >= skip && n - skip < times) {
                applied.add(t);
                return true;
            }
            return false;
        }

        private String describe() {
            return switch (fault) {
                case RESPOND -> "respond " + status;
                case RESET_REQUEST -> "reset after " + afterBytes + " request body bytes";
                case RESET_RESPONSE -> "reset after " + afterBytes + " response body bytes";
                case STALL_REQUEST -> "stall request body after " + afterBytes + " bytes for " + stall;
                case STALL_RESPONSE -> "stall response body after " + afterBytes + " bytes for " + stall;
                case HOOK_REQUEST -> "hook after " + afterBytes + " request body bytes";
            };
        }
    }

    /** One request the proxy saw, with the fault applied to it (or null) and the status answered. */
    public static final class Exchange {
        private final int id;
        private final String method;
        private final String target;
        private final Map<String, String> headers;
        private final String fault;
        private volatile int status;
        private volatile String outcome = "open";

        Exchange(int id, String method, String target, Map<String, String> headers, String fault) {
            this.id = id;
            this.method = method;
            this.target = target;
            this.headers = headers;
            this.fault = fault;
        }

        public String method() {
            return method;
        }

        /** Path and query, as on the request line. */
        public String target() {
            return target;
        }

        /** The target without its query. */
        public String path() {
            int q = target.indexOf('?');
            return q < 0 ? target : target.substring(0, q);
        }

        /** A request header (case-insensitive name), or null. */
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        /** The fault applied, or null. */
        public String fault() {
            return fault;
        }

        /** The response status the client got (0 if none). */
        public int status() {
            return status;
        }

        /**
         * What happened to the exchange: "open" (still going), "done", "answered by proxy",
         * "reset after N request|response body bytes", "stalled after N … bytes" (", then resumed"
         * once the stall ended), "upstream refused: reset", "upstream closed without answer".
         */
        public String outcome() {
            return outcome;
        }

        /** Records how the exchange ended, unless a fault already did. */
        private synchronized void settle(String how) {
            if (outcome.equals("open")) {
                outcome = how;
            }
        }

        @Override
        public String toString() {
            return "#" + id + " " + method + " " + target + (header("Range") != null ? " [Range " + header("Range") + "]" : "")
                    + " → " + (status == 0 ? "-" : status) + " " + outcome + (fault != null ? " (fault: " + fault + ")" : "");
        }
    }

    private void acceptLoop() {
        while (closed.getCount() > 0) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return;
            }
            open.add(client);
            try {
                threads.execute(() -> handle(client));
            } catch (RuntimeException e) {
                reset(client);
                return;
            }
        }
    }

    /** A parsed HTTP head: first line and headers, in order. */
    private record Head(String firstLine, List<String[]> headers) {
        String get(String name) {
            for (String[] h : headers) {
                if (h[0].equalsIgnoreCase(name)) {
                    return h[1];
                }
            }
            return null;
        }

        /** The head with every connection-scoped header replaced by {@code Connection: close}. */
        byte[] closing() {
            StringBuilder sb = new StringBuilder(firstLine).append("\r\n");
            for (String[] h : headers) {
                String n = h[0].toLowerCase(Locale.ROOT);
                if (!n.equals("connection") && !n.equals("keep-alive") && !n.equals("proxy-connection")) {
                    sb.append(h[0]).append(": ").append(h[1]).append("\r\n");
                }
            }
            sb.append("Connection: close\r\n\r\n");
            return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
        }

        static Head read(InputStream in) throws IOException {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            int state = 0;
            while (state < 4) {
                int b = in.read();
                if (b < 0) {
                    if (buf.size() == 0) {
                        return null;
                    }
                    throw new IOException("connection closed inside an HTTP head");
                }
                buf.write(b);
                if (buf.size() > MAX_HEAD) {
                    throw new IOException("HTTP head longer than " + MAX_HEAD);
                }
                state = (b == '\r' && (state == 0 || state == 2)) || (b == '\n' && (state == 1 || state == 3)) ? state + 1
                        : b == '\r' ? 1 : 0;
            }
            String[] lines = buf.toString(StandardCharsets.ISO_8859_1).split("\r\n");
            List<String[]> headers = new ArrayList<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon > 0) {
                    headers.add(new String[] {lines[i].substring(0, colon).trim(), lines[i].substring(colon + 1).trim()});
                }
            }
            return new Head(lines[0], headers);
        }
    }

    private void handle(Socket client) {
        Socket upstream = null;
        try {
            client.setTcpNoDelay(true);
            InputStream cin = new BufferedInputStream(client.getInputStream(), 1 << 16);
            OutputStream cout = client.getOutputStream();
            Head request = Head.read(cin);
            if (request == null) {
                return;
            }
            String[] line = request.firstLine().split(" ");
            if (line.length < 3) {
                throw new IOException("not an HTTP request line: " + request.firstLine());
            }
            String method = line[0];
            String target = line[1];
            Rule rule = null;
            for (Rule r : rules) {
                if (r.matches(method, target) && r.claim(target)) {
                    rule = r;
                    break;
                }
            }
            Map<String, String> headers = new LinkedHashMap<>();
            request.headers().forEach(h -> headers.putIfAbsent(h[0].toLowerCase(Locale.ROOT), h[1]));
            Exchange ex = new Exchange(ids.incrementAndGet(), method, target, headers, rule == null ? null : rule.describe());
            exchanges.add(ex);

            if (rule != null && rule.fault == Fault.RESPOND) {
                drainBody(cin, request);
                respond(cout, rule, method);
                ex.status = rule.status;
                ex.settle("answered by proxy");
                return;
            }
            upstream = new Socket();
            open.add(upstream);
            try {
                upstream.connect(new InetSocketAddress(upstreamHost, upstreamPort), 2000);
            } catch (IOException e) {
                ex.settle("upstream refused: reset");
                reset(client);
                return;
            }
            upstream.setTcpNoDelay(true);
            OutputStream uout = upstream.getOutputStream();
            uout.write(request.closing());
            uout.flush();

            Rule applied = rule;
            Socket up = upstream;
            threads.execute(() -> pumpRequest(cin, client, up, applied, ex));

            InputStream uin = new BufferedInputStream(upstream.getInputStream(), 1 << 16);
            Head response = Head.read(uin);
            if (response == null) {
                ex.settle("upstream closed without answer");
                reset(client);
                return;
            }
            String[] status = response.firstLine().split(" ");
            ex.status = status.length > 1 ? Integer.parseInt(status[1]) : 0;
            cout.write(response.closing());
            cout.flush();
            boolean faulty = applied != null && (applied.fault == Fault.RESET_RESPONSE || applied.fault == Fault.STALL_RESPONSE);
            long sent = copy(uin, cout, faulty ? applied.afterBytes : Long.MAX_VALUE);
            if (faulty && sent >= applied.afterBytes) {
                if (applied.fault == Fault.RESET_RESPONSE) {
                    cout.flush();
                    sleep(SETTLE_BEFORE_RESET_MS);
                    ex.outcome = "reset after " + sent + " response body bytes";
                    reset(client);
                    return;
                }
                cout.flush();
                ex.outcome = "stalled after " + sent + " response body bytes";
                if (stall(applied.stall)) {
                    return;
                }
                ex.outcome = "stalled after " + sent + " response body bytes, then resumed";
                copy(uin, cout, Long.MAX_VALUE);
            }
            cout.flush();
            ex.settle("done");
            client.shutdownOutput();
        } catch (IOException | RuntimeException e) {
            // A peer went away (often on purpose, in a fault test): end the exchange.
        } finally {
            close(client);
            if (upstream != null) {
                close(upstream);
            }
        }
    }

    /** Client → registry: the request body, with a request-side fault where the rule says. */
    private void pumpRequest(InputStream cin, Socket client, Socket upstream, Rule rule, Exchange ex) {
        try {
            OutputStream uout = upstream.getOutputStream();
            boolean faulty = rule != null && (rule.fault == Fault.RESET_REQUEST || rule.fault == Fault.STALL_REQUEST
                    || rule.fault == Fault.HOOK_REQUEST);
            long sent = copy(cin, uout, faulty ? rule.afterBytes : Long.MAX_VALUE);
            if (faulty && sent >= rule.afterBytes) {
                uout.flush();
                switch (rule.fault) {
                    case RESET_REQUEST -> {
                        sleep(SETTLE_BEFORE_RESET_MS);
                        ex.outcome = "reset after " + sent + " request body bytes";
                        reset(client);
                        reset(upstream);
                        return;
                    }
                    case STALL_REQUEST -> {
                        ex.outcome = "stalled after " + sent + " request body bytes";
                        if (stall(rule.stall)) {
                            return;
                        }
                        ex.outcome = "stalled after " + sent + " request body bytes, then resumed";
                    }
                    case HOOK_REQUEST -> rule.hook.run();
                    default -> throw new IllegalStateException();
                }
                copy(cin, uout, Long.MAX_VALUE);
            }
            uout.flush();
            upstream.shutdownOutput();
        } catch (IOException | RuntimeException e) {
            close(client);
            close(upstream);
        }
    }

    /** Copies until EOF or {@code limit} bytes, never reading past the limit; returns the bytes copied. */
    private static long copy(InputStream in, OutputStream out, long limit) throws IOException {
        byte[] buf = new byte[1 << 16];
        long n = 0;
        while (n < limit) {
            int r = in.read(buf, 0, (int) Math.min(buf.length, limit - n));
            if (r < 0) {
                break;
            }
            out.write(buf, 0, r);
            n += r;
            if (limit != Long.MAX_VALUE) {
                out.flush();
            }
        }
        return n;
    }

    /** Waits out a stall; true if the proxy was closed meanwhile (the exchange then ends). */
    private boolean stall(Duration d) {
        try {
            return closed.await(d.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    /** Reads and drops a request body (Content-Length or chunked), so a canned answer is read as an answer. */
    private static void drainBody(InputStream in, Head request) throws IOException {
        String length = request.get("Content-Length");
        String te = request.get("Transfer-Encoding");
        if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
            while (true) {
                String size = readLine(in);
                long n = Long.parseLong(size.split(";")[0].trim(), 16);
                if (n == 0) {
                    while (!readLine(in).isEmpty()) {
                        // trailers
                    }
                    return;
                }
                in.skipNBytes(n);
                readLine(in);
            }
        }
        if (length != null) {
            in.skipNBytes(Long.parseLong(length.trim()));
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            if (b != '\r') {
                sb.append((char) b);
            }
        }
        if (b < 0) {
            throw new IOException("connection closed inside a chunked body");
        }
        return sb.toString();
    }

    private static void respond(OutputStream out, Rule rule, String method) throws IOException {
        byte[] body = ("{\"errors\":[{\"code\":\"UNAVAILABLE\",\"message\":\"injected by FaultProxy: HTTP " + rule.status
                + "\"}]}").getBytes(StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder("HTTP/1.1 ").append(rule.status).append(' ').append(reason(rule.status)).append("\r\n");
        for (String h : rule.headers) {
            sb.append(h).append("\r\n");
        }
        sb.append("Content-Type: application/json\r\nContent-Length: ").append(body.length).append("\r\nConnection: close\r\n\r\n");
        out.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
        if (!method.equalsIgnoreCase("HEAD")) {
            out.write(body);
        }
        out.flush();
    }

    private static String reason(int status) {
        return switch (status) {
            case 429 -> "Too Many Requests";
            case 500 -> "Internal Server Error";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            default -> "Injected";
        };
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Closes with SO_LINGER 0: the peer sees a connection reset, not an orderly end. */
    private void reset(Socket s) {
        try {
            s.setSoLinger(true, 0);
        } catch (IOException ignored) {
            // already closed
        }
        close(s);
    }

    private void close(Socket s) {
        open.remove(s);
        try {
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }
}
