package dev.airlock.registry;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;

/**
 * Abandons HTTP exchanges that stop moving. Each exchange notes the time of its last progress: the
 * request body handing a buffer to the client (which only asks for more once the socket took the
 * last), the response headers arriving, each piece of the response body. One daemon thread looks
 * every fraction of the timeout and cancels an exchange that has been idle too long (the client
 * aborts a cancelled exchange and closes its connection); its waiter then sees an
 * {@link HttpTimeoutException}, which callers treat like a dropped connection. A transport that does
 * its I/O on the waiting thread itself ({@link UrlConnectionClient}) registers how to abort it
 * ({@link Exchange#onAbort}); the watchdog also runs that when the thread is interrupted, since no
 * interrupt wakes a thread blocked in a socket.
 */
final class IdleWatchdog implements AutoCloseable {
    private final long idleNanos;
    private final Set<Exchange> live = ConcurrentHashMap.newKeySet();
    private final Thread thread;
    private volatile boolean closed;

    IdleWatchdog(Duration idle) {
        this.idleNanos = idle.toNanos();
        long tick = Math.max(10, Math.min(250, idle.toMillis() / 4));
        this.thread = new Thread(() -> {
            while (!closed) {
                try {
                    Thread.sleep(tick);
                } catch (InterruptedException e) {
                    return;
                }
                long now = System.nanoTime();
                for (Exchange x : live) {
                    if (now - x.last > idleNanos) {
                        x.expire();
                    } else if (x.owner.isInterrupted()) {
                        x.abort(); // its thread may be blocked in a socket, which no interrupt wakes
                    }
                }
            }
        }, "airlock-idle-watchdog");
        thread.setDaemon(true);
        thread.start();
    }

    Exchange watch(String what) {
        return new Exchange(what);
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }

    /** One request/response under watch, from {@link #watch} until {@link #await} returns. */
    final class Exchange {
        private final String what;
        private volatile long last = System.nanoTime();
        private volatile boolean expired;
        private volatile CompletableFuture<?> future;
        /** The thread that awaits the exchange (and, for a transport that runs there, does its I/O). */
        private volatile Thread owner = Thread.currentThread();
        /** How a transport doing its I/O on the owner's thread is stopped; see {@link #onAbort}. */
        private volatile Runnable abort;

        private Exchange(String what) {
            this.what = what;
        }

        /**
         * For a transport that does (part of) its I/O on the awaiting thread, inside
         * {@code sendAsync}: {@code action} is run (on the watchdog's thread, so it must not block)
         * when the exchange goes idle, or when that thread is interrupted, and must make the
         * blocked I/O fail, e.g. by closing the connection.
         */
        void onAbort(Runnable action) {
            abort = action;
            if (expired) {
                action.run();
            }
        }

        private void abort() {
            Runnable a = abort;
            if (a != null) {
                a.run();
            }
        }

        void touch() {
            last = System.nanoTime();
        }

        private void expire() {
            expired = true;
            live.remove(this);
            abort();
            CompletableFuture<?> f = future;
            if (f != null) {
                f.cancel(true);
            }
        }

        /** The request body, noting progress each time the client takes a buffer. */
        HttpRequest.BodyPublisher watch(HttpRequest.BodyPublisher body) {
            return BodyTap.tap(body, buffer -> touch());
        }

        /**
         * Sends and waits for the whole exchange (the handler's body included). Throws
         * {@link HttpTimeoutException} when it went idle, {@link InterruptedIOException} when the
         * calling thread was interrupted (the exchange is cancelled too).
         */
        <T> HttpResponse<T> await(HttpClient client, HttpRequest request, HttpResponse.BodyHandler<T> handler) throws IOException {
            HttpResponse.BodyHandler<T> watched = info -> {
                touch();
                return new WatchedBody<>(handler.apply(info), this);
            };
            owner = Thread.currentThread();
            live.add(this);
            touch();
            try {
                CompletableFuture<HttpResponse<T>> f = client instanceof UrlConnectionClient u
                        ? u.sendAsync(request, watched, this) : client.sendAsync(request, watched);
                future = f;
                if (expired) {
                    f.cancel(true);
                }
                try {
                    return f.get();
                } catch (InterruptedException e) {
                    f.cancel(true);
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException(what + ": interrupted");
                } catch (CancellationException e) {
                    throw timeout();
                } catch (ExecutionException e) {
                    if (expired) {
                        throw timeout();
                    }
                    if (Thread.currentThread().isInterrupted()) {
                        throw new InterruptedIOException(what + ": interrupted"); // aborted on its own thread
                    }
                    Throwable c = e.getCause();
                    if (c instanceof IOException io) {
                        throw io;
                    }
                    throw new IOException(what + ": " + c, c);
                }
            } finally {
                live.remove(this);
            }
        }

        private HttpTimeoutException timeout() {
            return new HttpTimeoutException(what + ": no byte moved for " + Duration.ofNanos(idleNanos).toMillis() / 1000.0
                    + " s (--idle-timeout)");
        }
    }

    /** A response body subscriber that notes progress and passes everything on. */
    private static final class WatchedBody<T> implements HttpResponse.BodySubscriber<T> {
        private final HttpResponse.BodySubscriber<T> inner;
        private final Exchange exchange;

        WatchedBody(HttpResponse.BodySubscriber<T> inner, Exchange exchange) {
            this.inner = inner;
            this.exchange = exchange;
        }

        @Override
        public CompletionStage<T> getBody() {
            return inner.getBody();
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            inner.onSubscribe(subscription);
        }

        @Override
        public void onNext(List<ByteBuffer> item) {
            exchange.touch();
            inner.onNext(item);
        }

        @Override
        public void onError(Throwable throwable) {
            inner.onError(throwable);
        }

        @Override
        public void onComplete() {
            inner.onComplete();
        }
    }
}
