package dev.airlock.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A plain TCP relay on a free loopback port, for tests: it counts the bytes each way across all its
 * connections (what a client really sent, whatever it claims), and can drop every connection once
 * a given number of client bytes has gone through, the way a network drops one.
 */
public final class TcpProxy implements AutoCloseable {
    private final ServerSocket server;
    private final String host;
    private final int port;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "tcp-proxy");
        t.setDaemon(true);
        return t;
    });
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicLong up = new AtomicLong();
    private final AtomicLong down = new AtomicLong();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger drops = new AtomicInteger();
    private volatile long dropAtUp = Long.MAX_VALUE;
    private volatile long stallAtUp = Long.MAX_VALUE;
    private final java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);

    private TcpProxy(String host, int port) throws IOException {
        this.host = host;
        this.port = port;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        threads.execute(this::accept);
    }

    /** A relay to {@code host}:{@code port}. */
    public static TcpProxy to(String host, int port) throws IOException {
        return new TcpProxy(host, port);
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Bytes from clients to the server, over all connections so far. */
    public long bytesUp() {
        return up.get();
    }

    public long bytesDown() {
        return down.get();
    }

    public int connections() {
        return connections.get();
    }

    /** How many times every connection was dropped by {@link #dropOnceAfter}. */
    public int drops() {
        return drops.get();
    }

    /** Drops every open connection once {@code bytes} client bytes in all have gone up (once; later connections live). */
    public void dropOnceAfter(long bytes) {
        dropAtUp = bytes;
    }

    /**
     * Stops passing client bytes on once {@code bytes} in all have gone up: that connection stays
     * open and silent (as a hung link) until the proxy is closed; connections made later pass.
     */
    public void stallAfter(long bytes) {
        stallAtUp = bytes;
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket(host, port);
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                open.add(client);
                open.add(upstream);
                connections.incrementAndGet();
                threads.execute(() -> pump(client, upstream, up, true));
                threads.execute(() -> pump(upstream, client, down, false));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void pump(Socket from, Socket to, AtomicLong counter, boolean upward) {
        byte[] buf = new byte[64 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buf)) > 0) {
                long at = counter.get();
                if (upward && at + n > dropAtUp) {
                    int allowed = (int) Math.max(0, dropAtUp - at);
                    out.write(buf, 0, allowed);
                    counter.addAndGet(allowed);
                    dropAtUp = Long.MAX_VALUE;
                    drops.incrementAndGet();
                    dropAll();
                    return;
                }
                if (upward && at + n > stallAtUp) {
                    int allowed = (int) Math.max(0, stallAtUp - at);
                    out.write(buf, 0, allowed);
                    counter.addAndGet(allowed);
                    stallAtUp = Long.MAX_VALUE; // this connection only: later ones pass
                    closed.await();
                    return;
                }
                out.write(buf, 0, n);
                counter.addAndGet(n);
            }
        } catch (IOException e) {
            // a dropped or closed connection
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            close(from);
            close(to);
        }
    }

    private void dropAll() {
        for (Socket s : open) {
            close(s);
        }
    }

    private void close(Socket s) {
        open.remove(s);
        try {
            s.setSoLinger(true, 0); // a reset, as a network failure looks
            s.close();
        } catch (IOException e) {
            // already gone
        }
    }

    @Override
    public void close() throws IOException {
        closed.countDown();
        server.close();
        dropAll();
        threads.shutdownNow();
    }
}
